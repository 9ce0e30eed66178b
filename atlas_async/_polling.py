"""Polling: growing intervals under one overall deadline.

Waits are bounded twice: each poll request by the client's timeout and retry budget, and the whole
wait by its own deadline (``anyio.move_on_after``), so a wait can never hang past what the caller
asked for. The intervals grow (0.5 s, 0.75 s, ... up to ``maximum``) with the retry policy's one
backoff and jitter (:func:`atlas_async._retry.backoff`), so thousands of envelopes created
together do not poll in lockstep.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

from ._errors import WaitTimeoutError
from ._retry import backoff

__all__ = ["POLLS_PER_SECOND", "PollIntervals", "check_timeout", "poll_until", "safety_net"]

#: How often, at most, all the ``wait_until_signed`` of one client poll together (about): each
#: wait's interval is at least its share of that, up to its ``max_poll_interval``.
POLLS_PER_SECOND = 50


def safety_net(quiet: float, waits: int) -> float:
    """The interval between a wait's polls while webhooks reach the process, when a poll only
    catches a lost one: ``quiet`` (ten poll intervals, at most max_poll_interval), and at least
    the wait's share of the poll budget among ``waits``, even past max_poll_interval (10,000
    waits: one poll each every 200 s, not 333 polls a second to Atlas). The single waits and
    ``wait_many`` both keep to it."""
    return max(quiet, waits / POLLS_PER_SECOND)


T = TypeVar("T")


class PollIntervals:
    """Successive poll intervals: ``initial * factor**n`` capped at ``maximum``, jittered."""

    __slots__ = ("_count", "factor", "initial", "maximum")

    def __init__(self, initial: float = 0.5, maximum: float = 5.0, factor: float = 1.5) -> None:
        if initial <= 0 or maximum <= 0 or factor < 1:
            raise ValueError("poll intervals must be positive and the factor at least 1")
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self._count = 0

    def next(self) -> float:
        delay = backoff(self._count, initial=self.initial, maximum=self.maximum, factor=self.factor)
        self._count += 1
        return delay


def check_timeout(timeout: float | None) -> float:
    if timeout is None:
        return math.inf  # an explicit None means "wait as long as it takes"
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")
    return float(timeout)


async def poll_until(
    fetch: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    timeout: float | None,  # noqa: ASYNC109 - the overall deadline, applied with move_on_after
    what: str,
    intervals: PollIntervals | None = None,
) -> T:
    """Call ``fetch`` until ``done(result)``; WaitTimeoutError (carrying the last result) on expiry."""
    limit = check_timeout(timeout)
    intervals = intervals or PollIntervals()
    last: T | None = None
    with anyio.move_on_after(limit):
        while True:
            last = await fetch()
            if done(last):
                return last
            await anyio.sleep(intervals.next())
    raise WaitTimeoutError(f"timed out after {limit:g} s waiting for {what}", last=last)
