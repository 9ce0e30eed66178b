"""Time for the emulator: every time-based rule reads one injectable clock.

Time-based transitions (field detection finishing, the 24 h idempotency window, the remind cooldown,
webhook retry schedules) are evaluated lazily against this clock, so in-process tests need no
background tasks and can move time forward with :meth:`FakeAtlas.advance`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "ManualClock", "rfc3339"]

Clock = Callable[[], float]
"""A clock is any zero-argument callable returning POSIX seconds (``time.time`` is the default)."""


class ManualClock:
    """A clock that only moves when told to: ``clock.advance(60)``. Use it for deterministic tests."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)

    def __call__(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds


def rfc3339(ts: float | None) -> str | None:
    """POSIX seconds as an RFC 3339 UTC timestamp (``2026-11-28T18:00:00.123Z``), ``None`` kept."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
