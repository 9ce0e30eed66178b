"""The one retry policy: what is retried, how long to wait, and when to give up.

Every loop in the SDK that waits and tries again takes its decisions from here: the transport's
per-request retries, the polling intervals of ``wait_for_fields`` / ``wait_until_signed``, the
shared 429 gate, and bulk sending (which runs the transport's retries with a larger policy rather
than a loop of its own). One backoff, one jitter rule, one ``Retry-After`` reader, one budget.

Standard library only: ``_errors`` reads ``Retry-After`` through this module and must stay cheap
to import.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Mapping

from ._frozen import Frozen, init

__all__ = [
    "DEFAULT_RETRY",
    "JITTER",
    "RetryPolicy",
    "backoff",
    "may_have_committed",
    "parse_retry_after",
    "retryable_status",
]

#: Each computed delay is shortened by a random 0-25 %: clients that failed together spread out
#: instead of coming back together, and a delay never exceeds its documented ceiling.
JITTER = 0.25

# Statuses worth a second try: the server was busy or failed, the request itself was fine.
_RETRYABLE_STATUSES = frozenset({408, 429})
_IN_FLIGHT_CODE = "idempotency_key_in_use"


def backoff(
    attempt: int, *, initial: float, maximum: float, factor: float = 2.0, jitter: bool = True
) -> float:
    """``initial * factor**attempt`` capped at ``maximum``, minus up to 25 % of jitter.

    ``attempt`` counts from 0. The one backoff of the SDK (transport, polling, the 429 gate).
    """
    exponent = min(max(attempt, 0), 64)  # 2**64 seconds is already forever; avoid float overflow
    base = min(initial * factor**exponent, maximum)
    return base * (1 - JITTER * random.random()) if jitter else base


def retryable_status(status: int, code: str | None = None) -> bool:
    """Is an answer with this status (and Atlas error ``code``) worth retrying?

    408, 429, every 5xx, and 409 ``idempotency_key_in_use`` (the first request with the key is
    still running). Never: the other 4xx, which would fail the same way again.
    """
    return status in _RETRYABLE_STATUSES or status >= 500 or code == _IN_FLIGHT_CODE


def may_have_committed(status: int | None) -> bool:
    """Could a failed attempt have reached the server and done the work anyway?

    ``None`` stands for a lost connection (no answer at all). A 5xx or a 408 may come after the
    work was done; a 429 or a 409 ``idempotency_key_in_use`` says it was not (yet).
    """
    return status is None or status == 408 or status >= 500


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP-date).

    Names match case-insensitively; a date in the past is 0; anything unreadable is None.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms is not None:
        seconds = _number(raw_ms)
        if seconds is not None:
            return max(0.0, seconds / 1000)
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    seconds = _number(raw)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, float(when.timestamp()) - time.time())


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class RetryPolicy(Frozen):
    """How a request is retried. Immutable; ``Atlas(retry=...)`` and ``with_options`` take one.

    ``max_retries``: retries after the first attempt (0 disables retrying).
    ``initial_delay`` / ``max_delay``: the exponential backoff (doubling from ``initial_delay``,
    capped at ``max_delay``, jittered down by up to 25 %) used when the server gives no
    ``Retry-After``.
    ``max_retry_after``: the longest ``Retry-After`` honoured; a server asking for more gets its
    error surfaced instead of a silent sleep.
    ``budget``: seconds from the first attempt after which no retry starts, whatever
    ``max_retries`` says: a server that keeps failing (or keeps answering 429) cannot hold a call
    longer than this plus one attempt. Past it, the last error is raised.

    ``with_(**changes)`` makes a changed copy (validated like the original). Policies compare
    equal when their fields are equal, and hash accordingly.
    """

    __match_args__ = ("max_retries", "initial_delay", "max_delay", "max_retry_after", "budget")
    __slots__ = __match_args__

    max_retries: int
    initial_delay: float
    max_delay: float
    max_retry_after: float
    budget: float

    def __init__(
        self,
        max_retries: int = 2,
        initial_delay: float = 0.5,
        max_delay: float = 8.0,
        max_retry_after: float = 60.0,
        budget: float = 120.0,
    ) -> None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}")
        seconds = {
            "initial_delay": initial_delay,
            "max_delay": max_delay,
            "max_retry_after": max_retry_after,
            "budget": budget,
        }
        for name, value in seconds.items():
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value < 0
            ):
                raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value!r}")
        init(self, max_retries=max_retries, **seconds)

    def backoff(self, attempt: int) -> float:
        """The pause before retry number ``attempt + 1`` when the server named none."""
        return backoff(attempt, initial=self.initial_delay, maximum=self.max_delay)

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retrying after failed attempt ``attempt`` (0-based), or None
        when the server asked for a longer pause than ``max_retry_after`` (do not retry)."""
        if retry_after is None:
            return self.backoff(attempt)
        return retry_after if retry_after <= self.max_retry_after else None


DEFAULT_RETRY = RetryPolicy()
