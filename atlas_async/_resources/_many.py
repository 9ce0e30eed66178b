"""``atlas.envelopes.wait_many``: wait on thousands of envelopes in one call.

``wait_until_signed`` is one task per envelope, each parked in its own frames and cancel scopes:
about 6 KB an envelope in the SDK, on top of what the caller's task costs. ``wait_many`` holds
one table instead: per envelope a subscription on the waiter bus and an entry in a queue of
polls due, under a kilobyte. One scheduler listens to every subscription through one
:class:`~atlas_async._waiters.Inbox` and runs the polls that are due, a bounded number at once,
paced like the single waits: all of a client's waits together about ``POLLS_PER_SECOND`` polls
a second, never less than one per envelope per ``max_poll_interval`` unless webhooks reach the
process: polling is then only the safety net, and keeps to the budget.
"""

from __future__ import annotations

import heapq
import inspect
import math
import random
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Literal, Unpack

import anyio

from .._errors import NotFoundError
from .._models import EnvelopeProgress, EnvelopeStatus
from .._polling import POLLS_PER_SECOND, check_timeout, safety_net
from .._retry import backoff
from .._waiters import Inbox, Subscription
from ._base import path_id
from ._envelope_calls import EnvelopeCalls
from ._options import RetryOptions, request_options
from ._signing import DEFAULT_SIGN_TIMEOUT
from ._until_signed import SigningStatus

__all__ = ["ManyWaits", "WaitManyResult"]

OutcomeHook = Callable[[SigningStatus], Awaitable[None] | None]

_ENDED = frozenset({EnvelopeStatus.SIGNED, EnvelopeStatus.DECLINED, EnvelopeStatus.VOIDED})
# What a webhook may report that the last poll already told us: no reason to ask again.
_NOT_YET = frozenset({EnvelopeStatus.DRAFT, EnvelopeStatus.PENDING})


class WaitManyResult:
    """What ``wait_many`` returns: how each envelope ended, and which had not by the deadline.

    ``finished`` maps each envelope that reached ``signed``, ``declined`` or ``voided`` to its
    :class:`SigningStatus`, in the order they did; ``failed`` maps each envelope the server
    does not know (404) to that error; ``pending`` lists, in the order given, those that had not
    ended when the deadline passed (empty unless it did).
    """

    __slots__ = ("failed", "finished", "pending")

    def __init__(
        self,
        finished: Mapping[str, SigningStatus],
        failed: Mapping[str, NotFoundError],
        pending: tuple[str, ...],
    ) -> None:
        self.finished = finished
        self.failed = failed
        self.pending = pending

    def _with(self, status: str) -> list[str]:
        return [eid for eid, outcome in self.finished.items() if outcome.status == status]

    @property
    def signed(self) -> list[str]:
        """The envelopes every party signed."""
        return self._with(EnvelopeStatus.SIGNED)

    @property
    def declined(self) -> list[str]:
        return self._with(EnvelopeStatus.DECLINED)

    @property
    def voided(self) -> list[str]:
        return self._with(EnvelopeStatus.VOIDED)

    def __repr__(self) -> str:
        return (
            f"<WaitManyResult signed={len(self.signed)} declined={len(self.declined)} "
            f"voided={len(self.voided)} failed={len(self.failed)} pending={len(self.pending)}>"
        )


def _ended(
    eid: str,
    status: str | None,
    source: Literal["poll", "webhook"],
    progress: EnvelopeProgress | None,
) -> SigningStatus | None:
    if status not in _ENDED:
        return None
    return SigningStatus(
        envelope_id=eid,
        status=str(status),
        signed_count=progress.signed_count if progress is not None else None,
        total=progress.total if progress is not None else None,
        source=source,
    )


class _Table:
    """The waits of one ``wait_many`` call: what is due when, what is in flight, what ended."""

    def __init__(self, eids: list[str], poll_interval: float, longest: float) -> None:
        self.poll_interval = poll_interval
        self.longest = longest
        # How recent a notice (about any envelope) shows that webhooks reach the process.
        self.quiet = min(10 * poll_interval, longest)
        self.pending = set(eids)
        self.in_flight: set[str] = set()
        self.polls: dict[str, int] = dict.fromkeys(eids, 0)
        # The first polls spread over the waits' share of the poll budget (as the single
        # waits' do when many start together): 10,000 envelopes over 30 s, five over 0.1 s.
        spread = min(len(eids) / POLLS_PER_SECOND, longest)
        now = anyio.current_time()
        self.due: dict[str, float] = {eid: now + random.uniform(0, spread) for eid in eids}
        self.queue = [(when, eid) for eid, when in self.due.items()]
        heapq.heapify(self.queue)
        self.finished: dict[str, SigningStatus] = {}
        self.failed: dict[str, NotFoundError] = {}
        self.landed: deque[SigningStatus] = deque()
        # When each envelope's last poll answered, and the envelopes a notice asked to poll now.
        self.answered: dict[str, float] = {}
        self.urgent: set[str] = set()
        # The error that ends the call (a poll's, or on_outcome's), raised once the polls in
        # flight are cancelled: raised inside the task group, it would come out wrapped.
        self.error: Exception | None = None

    def schedule(self, eid: str, when: float) -> None:
        self.due[eid] = when
        heapq.heappush(self.queue, (when, eid))

    def next_due(self) -> tuple[float, str] | None:
        """The earliest poll due that is still wanted (stale entries are dropped)."""
        while self.queue:
            when, eid = self.queue[0]
            if eid in self.pending and eid not in self.in_flight and self.due.get(eid) == when:
                return when, eid
            heapq.heappop(self.queue)
        return None

    def end(self, outcome: SigningStatus) -> None:
        if self._forget(outcome.envelope_id):
            self.finished[outcome.envelope_id] = outcome
            self.landed.append(outcome)

    def fail(self, eid: str, error: NotFoundError) -> None:
        if self._forget(eid):
            self.failed[eid] = error

    def _forget(self, eid: str) -> bool:
        """Stop waiting on ``eid``; False if it had already ended."""
        if eid not in self.pending:
            return False
        self.pending.discard(eid)
        self.due.pop(eid, None)
        self.polls.pop(eid, None)
        self.answered.pop(eid, None)
        self.urgent.discard(eid)
        return True

    def interval(self, eid: str, took: float, flowing: bool) -> float:
        """Until the next poll of ``eid``: its own backoff, at least its share of the poll
        budget and as long as the last poll took, at most ``longest``; with webhooks flowing,
        the safety net's interval (:meth:`safety_net`)."""
        count = self.polls[eid] = self.polls[eid] + 1
        own = backoff(count - 1, initial=self.poll_interval, maximum=self.longest, factor=1.5)
        share = len(self.pending) / POLLS_PER_SECOND
        interval = max(own, min(max(took, share), self.longest))
        if flowing:
            interval = max(interval, self.safety_net())
        return interval

    def safety_net(self) -> float:
        """The interval between polls while webhooks flow (``_polling.safety_net``), the
        envelopes still pending sharing the budget."""
        return safety_net(self.quiet, len(self.pending))

    def deferred(self, eid: str, now: float) -> float | None:
        """With webhooks flowing, when a poll of ``eid`` that came due should come instead
        (None: now). A poll scheduled before webhooks flowed keeps to the safety net too; one
        a notice asked for does not wait."""
        if eid in self.urgent:
            return None
        later = self.answered.get(eid, -math.inf) + self.safety_net()
        return later if later > now else None


class ManyWaits(EnvelopeCalls):
    """``wait_many``, mixed into :class:`~atlas_async._resources.envelopes.Envelopes`."""

    __slots__ = ()

    @request_options
    async def wait_many(
        self,
        envelope_ids: Iterable[str],
        *,
        timeout: float | None = DEFAULT_SIGN_TIMEOUT,  # noqa: ASYNC109 - overall deadline
        poll_interval: float = 2.0,
        max_poll_interval: float = 30.0,
        on_outcome: OutcomeHook | None = None,
        **options: Unpack[RetryOptions],
    ) -> WaitManyResult:
        """Wait until each envelope is signed, declined or voided, or the deadline passes.

        The many-envelope ``wait_until_signed``: the same polls of ``/status`` and the same
        wake-ups by verified webhooks, in one call holding under a kilobyte an envelope
        instead of a task each. Declined and voided envelopes are outcomes here, not errors;
        ``on_outcome(status)`` (a function or a coroutine function) sees each as it ends. The
        deadline does not raise: the result lists what had not ended (``pending``). An envelope
        the server does not know (404) goes to ``failed`` and the others are waited for; any
        other error ends the call (``on_outcome`` has seen every outcome until then).
        """
        eids = list(dict.fromkeys(path_id(eid, "envelope_id") for eid in _ids(envelope_ids)))
        limit = check_timeout(timeout)
        if poll_interval <= 0 or max_poll_interval <= 0:
            raise ValueError("poll_interval and max_poll_interval must be positive")
        table = _Table(eids, poll_interval, max(poll_interval, max_poll_interval))
        shared = self._client._shared
        inbox = Inbox()
        subscribed: dict[str, AbstractAsyncContextManager[Subscription]] = {}
        try:
            sub: Subscription | None = None
            for eid in eids:
                context = shared.bus.subscribe(eid)
                sub = await context.__aenter__()
                subscribed[eid] = context
                sub.forward_to(inbox)
            # Whether webhooks reach this process is the bus's to say, through any subscription.
            flowing = sub.webhooks_flowing if sub is not None else _never
            with anyio.move_on_after(limit):
                await self._schedule(table, inbox, flowing, subscribed, on_outcome)
        finally:
            with anyio.CancelScope(shield=True):
                for context in subscribed.values():
                    await context.__aexit__(None, None, None)
        pending = tuple(eid for eid in eids if eid in table.pending)
        return WaitManyResult(table.finished, table.failed, pending)

    async def _schedule(
        self,
        table: _Table,
        inbox: Inbox,
        flowing: Callable[[float], bool],
        subscribed: dict[str, AbstractAsyncContextManager[Subscription]],
        on_outcome: OutcomeHook | None,
    ) -> None:
        # Half the pool at most: the client's other calls keep their way to the server.
        most = max(1, self._client._shared.transport.admission.capacity // 2)
        quiet = table.quiet

        async def poll(eid: str) -> None:
            try:
                asked = anyio.current_time()
                progress = await self.status(eid)
            except NotFoundError as error:
                table.fail(eid, error)
                return
            except Exception as error:
                table.error = table.error or error
                return
            finally:
                table.in_flight.discard(eid)
                inbox.wake()
            table.answered[eid] = anyio.current_time()
            outcome = _ended(eid, progress.status, "poll", progress)
            if outcome is not None:
                table.end(outcome)
            elif eid in table.pending:
                took = anyio.current_time() - asked
                table.schedule(
                    eid, anyio.current_time() + table.interval(eid, took, flowing(quiet))
                )

        async with anyio.create_task_group() as tg:
            try:
                while (table.pending or table.landed) and table.error is None:
                    for sub in await inbox.wait(_until(table, most)):
                        self._heard(table, sub)
                    await _report(table, subscribed, on_outcome)
                    now = anyio.current_time()
                    while len(table.in_flight) < most:
                        found = table.next_due()
                        if found is None or found[0] > now:
                            break
                        heapq.heappop(table.queue)
                        eid = found[1]
                        later = table.deferred(eid, now) if flowing(quiet) else None
                        if later is not None:
                            table.schedule(eid, later)
                            continue
                        table.urgent.discard(eid)
                        table.in_flight.add(eid)
                        tg.start_soon(poll, eid)
            except Exception as error:  # on_outcome's
                table.error = error
            # Every envelope ended, or the call failed: polls still in flight are moot.
            tg.cancel_scope.cancel()
        if table.error is not None:
            raise table.error

    @staticmethod
    def _heard(table: _Table, sub: Subscription) -> None:
        """A notice about one of the envelopes: it ends the wait for a terminal status, asks
        for a poll now when it says something the last poll may not have seen."""
        notice = sub.take()
        eid = sub.envelope_id
        if notice is None or eid not in table.pending:
            return
        outcome = _ended(eid, notice.status, "webhook", None)
        if outcome is not None:
            table.end(outcome)
        elif notice.status not in _NOT_YET:
            table.urgent.add(eid)
            table.schedule(eid, anyio.current_time())


async def _report(
    table: _Table,
    subscribed: dict[str, AbstractAsyncContextManager[Subscription]],
    on_outcome: OutcomeHook | None,
) -> None:
    """Hand the outcomes that landed to ``on_outcome``, in order, and drop their
    subscriptions: an ended envelope's news no longer matters."""
    while table.landed:
        outcome = table.landed.popleft()
        context = subscribed.pop(outcome.envelope_id, None)
        if context is not None:
            await context.__aexit__(None, None, None)
        if on_outcome is not None:
            result = on_outcome(outcome)
            if inspect.isawaitable(result):
                await result


def _never(_: float) -> bool:
    return False


def _until(table: _Table, most: int) -> float:
    """When the scheduler must look again: the next poll due (if a poll may start), or never
    (a notice or a poll ending wakes it)."""
    if table.landed:
        return -math.inf
    if len(table.in_flight) >= most:
        return math.inf
    found = table.next_due()
    return math.inf if found is None else found[0]


def _ids(envelope_ids: Iterable[str]) -> Iterable[str]:
    if isinstance(envelope_ids, str | bytes):
        raise TypeError("envelope_ids must be an iterable of ids, not a single string")
    return envelope_ids
