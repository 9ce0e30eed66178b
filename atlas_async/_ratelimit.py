"""A 429 gate: one pause shared by every request that goes through it.

When the server answers 429, the whole group of callers has been too fast, not one task: every
request waits at the gate until the pause is over (``Retry-After`` when given, else a backoff that
grows with each consecutive 429), instead of each retrying on its own schedule and keeping the
server saturated. A gate is middleware (``Atlas(middleware=[gate])``); bulk sending puts one in
front of all its workers. :class:`RateGate` is the protocol a shared implementation (one gate for
many processes) fills in; :class:`LocalRateGate` is the in-process one.

A pause is only ever extended: a later, shorter ``Retry-After`` never shortens it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

from ._middleware import Attempt, AttemptResponse, CallNext
from ._retry import DEFAULT_RETRY, RetryPolicy, backoff, parse_retry_after

__all__ = ["LocalRateGate", "RateGate"]


class RateGate:
    """Middleware that holds every attempt while the gate is paused, and pauses it on a 429.

    Subclasses provide the shared state: :meth:`wait`, :meth:`pause` and :meth:`opened`.
    ``policy`` supplies the backoff used when a 429 names no ``Retry-After``, and the cap on one
    that does (``max_retry_after``).
    """

    def __init__(self, policy: RetryPolicy = DEFAULT_RETRY) -> None:
        self.policy = policy
        #: 429s seen through this gate (each paused it).
        self.pauses = 0
        self._streak = 0

    async def wait(self, deadline: float | None) -> None:
        """Return once the gate is open, or at ``deadline`` (``anyio.current_time()`` clock)."""
        raise NotImplementedError

    async def pause(self, seconds: float) -> None:
        """Close the gate for ``seconds`` from now, unless it is already closed for longer."""
        raise NotImplementedError

    async def opened(self) -> None:
        """A request went through (hook for shared implementations; the local one needs none)."""

    def pause_for(self, retry_after: float | None) -> float:
        """How long one 429 closes the gate: its ``Retry-After`` (capped), else a backoff that
        doubles with each consecutive 429."""
        self._streak += 1
        if retry_after is not None:
            return min(retry_after, self.policy.max_retry_after)
        return backoff(
            self._streak - 1, initial=self.policy.initial_delay, maximum=self.policy.max_delay
        )

    async def __call__(self, attempt: Attempt, call_next: CallNext) -> AttemptResponse:
        await self.wait(attempt.deadline)
        response = await call_next(attempt)
        if response.status_code == 429:
            self.pauses += 1
            await self.pause(self.pause_for(parse_retry_after(response.headers)))
        elif response.status_code < 400:
            self._streak = 0
            await self.opened()
        return response


class LocalRateGate(RateGate):
    """The in-process gate: shared by the tasks of one process (one bulk run, say).

    ``clock`` and ``sleep`` default to anyio's; a test may pass a virtual clock.
    """

    def __init__(
        self,
        policy: RetryPolicy = DEFAULT_RETRY,
        *,
        clock: Callable[[], float] = anyio.current_time,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        super().__init__(policy)
        self._clock = clock
        self._sleep = sleep
        self._until = 0.0

    @property
    def paused_until(self) -> float:
        return self._until

    async def wait(self, deadline: float | None) -> None:
        # A loop, not one sleep: a pause extended while we slept is honoured too.
        while True:
            now = self._clock()
            until = self._until if deadline is None else min(self._until, deadline)
            if until <= now:
                return
            await self._sleep(until - now)

    async def pause(self, seconds: float) -> None:
        self._until = max(self._until, self._clock() + max(seconds, 0.0))
