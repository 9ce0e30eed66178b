"""Polling: backoff with jitter under one overall deadline.

Waits are bounded twice: each poll request by the client timeout, and the whole wait by its own
deadline (``anyio.move_on_after``), so a wait can never hang past what the caller asked for. The
interval grows (0.5 s, 0.75 s, ... up to ``max_interval``) and is jittered, so thousands of
envelopes created together do not poll in lockstep.
"""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

from ._errors import WaitTimeoutError

__all__ = ["Backoff", "poll_until"]

T = TypeVar("T")


class Backoff:
    """Successive poll intervals: ``initial * factor**n`` capped at ``maximum``, jittered ±20 %."""

    __slots__ = ("_current", "factor", "maximum")

    def __init__(self, initial: float = 0.5, maximum: float = 5.0, factor: float = 1.5) -> None:
        if initial <= 0 or maximum <= 0 or factor < 1:
            raise ValueError("poll intervals must be positive and the factor at least 1")
        self._current = initial
        self.maximum = maximum
        self.factor = factor

    def next(self) -> float:
        delay = min(self._current, self.maximum)
        self._current = min(self._current * self.factor, self.maximum)
        return delay * random.uniform(0.8, 1.2)


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
    backoff: Backoff | None = None,
) -> T:
    """Call ``fetch`` until ``done(result)``; WaitTimeoutError (carrying the last result) on expiry."""
    limit = check_timeout(timeout)
    backoff = backoff or Backoff()
    last: T | None = None
    with anyio.move_on_after(limit):
        while True:
            last = await fetch()
            if done(last):
                return last
            await anyio.sleep(backoff.next())
    raise WaitTimeoutError(f"timed out after {limit:g} s waiting for {what}", last=last)
