"""One backoff shared by every worker of a batch.

When the server answers 429, the whole batch has been too fast, not one task: every worker waits at
the gate until the pause is over (``Retry-After`` when given, else a growing backoff), instead of each
task retrying on its own schedule and keeping the server saturated.
"""

from __future__ import annotations

import random

import anyio

__all__ = ["BackoffGate"]


# The gate's clock, apart from anyio's, so a test can run a pause on a virtual clock and see
# which workers wait behind it, without the time passing.
def _now() -> float:
    return anyio.current_time()


async def _sleep(seconds: float) -> None:
    await anyio.sleep(seconds)


class BackoffGate:
    def __init__(self, *, base_delay: float, max_delay: float, max_retry_after: float) -> None:
        self._base = base_delay
        self._max = max_delay
        self._max_retry_after = max_retry_after
        self._until = 0.0
        self._streak = 0
        #: How many times the gate was closed (429s seen); reported in the summary.
        self.pauses = 0

    async def wait(self) -> None:
        """Return once the gate is open; a pause extended while sleeping is honoured too."""
        while True:
            delay = self._until - _now()
            if delay <= 0:
                return
            await _sleep(delay)

    def close_for(self, retry_after: float | None) -> float:
        """Pause every worker: for ``retry_after`` seconds (capped), or an exponential backoff."""
        self._streak += 1
        self.pauses += 1
        if retry_after is not None:
            delay = min(max(retry_after, 0.0), self._max_retry_after)
        else:
            exp = self._base * 2 ** min(self._streak - 1, 16)
            delay = min(exp, self._max) * (0.5 + random.random() / 2)
        self._until = max(self._until, _now() + delay)
        return delay

    def opened(self) -> None:
        """A request went through: the next 429 starts a fresh backoff sequence."""
        self._streak = 0
