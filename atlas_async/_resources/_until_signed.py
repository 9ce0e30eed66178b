"""Waiting for signatures: what ends a ``wait_until_signed`` and when it polls next.

The wait itself is ``SigningFlows.wait_until_signed`` (:mod:`._signing`): it takes a turn among
the client's polls, polls ``/status``, and sleeps until its next poll is due, listening to the
waiter bus meanwhile (in its own loop: a coroutine here for the sleep would be one more frame for
each parked wait to hold). News decides as it comes (:func:`read_news`): a final status ends the
wait with no request, a status that is not final changes nothing, and anything else asks for a
poll now. While webhooks reach the process, a poll that comes due is put off to the safety net
(:func:`deferral`, :func:`atlas_async._polling.safety_net`); a sleep scheduled before webhooks
flowed that ends once they flow goes on to the safety net's interval from the last answer, as
one scheduled afterwards would.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import anyio

from .._errors import EnvelopeDeclinedError, EnvelopeVoidedError
from .._models import EnvelopeProgress, EnvelopeStatus
from .._polling import safety_net

if TYPE_CHECKING:
    from .._waiters import Notice, Subscription

__all__ = ["Poll", "SigningStatus", "deferral", "read_news", "terminal"]


@dataclass(frozen=True, slots=True)
class SigningStatus:
    """What ``wait_until_signed`` returns: the envelope reached ``signed``.

    ``source`` is ``"poll"`` when the ``/status`` endpoint said so, ``"webhook"`` when a verified
    webhook did (then no further request was made, and the counts are unknown).
    """

    envelope_id: str
    status: str
    signed_count: int | None
    total: int | None
    source: Literal["poll", "webhook"]


# What a webhook may report while we wait: news we can act on without asking the server.
NOT_YET = frozenset({EnvelopeStatus.DRAFT, EnvelopeStatus.PENDING})


class Poll(enum.Enum):
    """What news without a final status decides: poll now (only the server can describe it)."""

    ASKED = "asked"


def deferral(sub: Subscription, quiet: float, answered: float | None, deadline: float) -> float:
    """Seconds a poll now due waits on (0: poll now). While webhooks flow, a poll scheduled
    before they did (or queued for its turn meanwhile) comes at the safety net's interval from
    the last answer (``answered``; None before the first poll, which is never put off)."""
    if answered is None or not sub.webhooks_flowing(quiet):
        return 0.0
    later = min(answered + safety_net(quiet, sub.waits), deadline)
    return max(later - anyio.current_time(), 0.0)


def read_news(eid: str, notice: Notice | None) -> SigningStatus | Poll | None:
    """What a notice decides (one read at the wait's turn too, come while it queued): a final
    status ends the wait (returned, or raised for declined and voided); one that is not final
    decides nothing (None, as no notice does); one without a status, or with a status this SDK
    does not know, asks for a poll now (:attr:`Poll.ASKED`)."""
    if notice is None:
        return None
    if not notice.status:
        return Poll.ASKED
    outcome = terminal(eid, notice.status, "webhook", None)
    if outcome is not None:
        return outcome
    return None if notice.status in NOT_YET else Poll.ASKED


def terminal(
    eid: str,
    status: str,
    source: Literal["poll", "webhook"],
    progress: EnvelopeProgress | None,
) -> SigningStatus | None:
    if status == EnvelopeStatus.SIGNED:
        return SigningStatus(
            envelope_id=eid,
            status=status,
            signed_count=progress.signed_count if progress is not None else None,
            total=progress.total if progress is not None else None,
            source=source,
        )
    if status == EnvelopeStatus.DECLINED:
        raise EnvelopeDeclinedError(eid)
    if status == EnvelopeStatus.VOIDED:
        raise EnvelopeVoidedError(eid)
    return None
