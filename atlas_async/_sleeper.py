"""A sleep that something else can end early, at the least memory per sleeper.

Ten thousand ``wait_until_signed`` calls are ten thousand sleepers parked between polls, and a
webhook must be able to wake any one of them. The portable way, a cancel scope around
``anyio.sleep``, costs about a kilobyte a sleeper on asyncio (the scope and its two sets, three
more coroutine frames, the timer's copy of the context). Under asyncio a sleeper awaits one bare
future instead, which a timer or :meth:`Sleeper._wake_up` resolves: the same behaviour (a
cancelled task stops sleeping at once, through the future) for about a third of the memory.
Under trio a sleeper is one trio cancel scope with a deadline, where ``anyio.sleep`` in a scope
is two and anyio's wrapper.
"""

from __future__ import annotations

import contextvars
import math
import sys
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Protocol

import anyio

if TYPE_CHECKING:
    import asyncio

__all__ = ["Sleeper"]

# The timers' callbacks need no context variables: an empty context spares a copy of the
# sleeper's (and keeps what it refers to from living on in the event loop until the timer).
_NO_CONTEXT = contextvars.Context()


class _Scope(Protocol):
    def cancel(self) -> None: ...


class Sleeper:
    """A base for objects that sleep (one sleep at a time) and can be woken."""

    __slots__ = ("_future", "_scope", "_timer")

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None  # the sleep, under asyncio
        self._timer: asyncio.TimerHandle | None = None  # its end, unless woken first
        self._scope: _Scope | None = None  # the sleep's cancel scope, elsewhere

    def _wake_up(self) -> None:
        """End the sleep in progress now (nothing when none is)."""
        if self._future is not None:
            self._ring()
        elif self._scope is not None:
            self._scope.cancel()

    async def _sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` (at most), or until :meth:`_wake_up`; a cancelled task stops too."""
        try:
            await self._park(seconds)
        finally:
            self._unpark()

    def _park(self, seconds: float) -> Awaitable[None]:
        """:meth:`_sleep` without a coroutine of its own under asyncio (a parked wait's
        coroutines are most of what it holds): the bare future to await, which the timer or
        :meth:`_wake_up` resolves and forgets. A task cancelled while it awaits leaves the
        timer to :meth:`_unpark` (or to the next sleep's start, or to its own time)."""
        self._unpark()
        if not seconds > 0:  # zero, negative or NaN: no sleep, but still a checkpoint
            seconds = 0.0
        loop = _asyncio_loop()
        if loop is None:
            return self._sleep_elsewhere(seconds)
        future: asyncio.Future[None] = loop.create_future()
        self._future = future
        if seconds != math.inf:
            self._timer = loop.call_later(seconds, self._ring, context=_NO_CONTEXT)
        return future

    def _ring(self) -> None:
        """The sleep is over (its time came, or a wake): resolve it and forget it."""
        future = self._future
        self._unpark()
        if future is not None and not future.done():  # (done: its task was cancelled)
            future.set_result(None)

    def _unpark(self) -> None:
        """Forget the sleep and stop its timer (nothing when there is none)."""
        self._future = None
        if self._timer is not None:
            self._timer.cancel()  # (the timer's own callback included: harmless)
            self._timer = None

    async def _sleep_elsewhere(self, seconds: float) -> None:
        trio = _trio()
        if trio is not None:
            # trio's own scope with the deadline, where anyio's sleep would put one inside
            # another (and anyio's wrapper around both).
            with trio.move_on_after(seconds) as scope:
                self._scope = scope
                try:
                    await trio.sleep_forever()
                finally:
                    self._scope = None
            return
        with anyio.CancelScope() as portable:  # (no other backend today: the portable way)
            self._scope = portable
            try:
                await anyio.sleep(seconds)
            finally:
                self._scope = None


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


def _trio() -> Any:
    """The trio module when a trio task runs this code, else None."""
    trio = sys.modules.get("trio")
    if trio is None:
        return None
    try:
        trio.lowlevel.current_task()
    except RuntimeError:  # trio is imported, but does not run this code
        return None
    return trio
