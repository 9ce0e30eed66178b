"""A sleep that something else can end early, at the least memory per sleeper.

Ten thousand ``wait_until_signed`` calls are ten thousand sleepers parked between polls, and a
webhook must be able to wake any one of them. The portable way, a cancel scope around
``anyio.sleep``, costs about a kilobyte a sleeper on asyncio (the scope's two sets, the task
state anyio keeps for it, three more coroutine frames). Under asyncio a sleeper awaits one bare
future instead, which a timer or :meth:`Sleeper._wake_up` resolves: the same behaviour (a
cancelled task stops sleeping at once, through the future) for about a third of the memory.
Under trio, or anything that is not an asyncio task, the portable way stays.
"""

from __future__ import annotations

import contextvars
import math
import sys
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:
    import asyncio

__all__ = ["Sleeper"]

# The timers' callbacks need no context variables: an empty context spares a copy of the
# sleeper's (and keeps what it refers to from living on in the event loop until the timer).
_NO_CONTEXT = contextvars.Context()


class Sleeper:
    """A base for objects that sleep (one sleep at a time) and can be woken."""

    __slots__ = ("_waker",)

    def __init__(self) -> None:
        self._waker: anyio.CancelScope | asyncio.Future[None] | None = None

    def _wake_up(self) -> None:
        """End the sleep in progress now (nothing when none is)."""
        waker = self._waker
        if waker is None:
            return
        if isinstance(waker, anyio.CancelScope):
            waker.cancel()
        else:
            _ring(waker)

    async def _sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` (at most), or until :meth:`_wake_up`; a cancelled task stops too."""
        if not seconds > 0:  # zero, negative or NaN: no sleep, but still a checkpoint
            seconds = 0.0
        loop = _asyncio_loop()
        if loop is None:
            with anyio.CancelScope() as scope:
                self._waker = scope
                try:
                    await anyio.sleep(seconds)
                finally:
                    self._waker = None
            return
        future: asyncio.Future[None] = loop.create_future()
        timer = (
            None
            if seconds == math.inf
            else loop.call_later(seconds, _ring, future, context=_NO_CONTEXT)
        )
        self._waker = future
        try:
            await future
        finally:
            self._waker = None
            if timer is not None:
                timer.cancel()


def _ring(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _asyncio_loop() -> Any:
    """The running asyncio loop when an asyncio task runs this code, else None (trio; or trio
    as asyncio's guest, whose tasks are not asyncio's and cannot await its futures)."""
    aio = sys.modules.get("asyncio")
    if aio is None:  # never imported: not under asyncio (and no reason to import it)
        return None
    try:
        task = aio.current_task()
    except RuntimeError:  # no asyncio loop in this thread
        return None
    return None if task is None else task.get_loop()
