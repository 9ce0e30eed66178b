"""Wake-ups for code waiting on an envelope: the waiter bus.

A verified webhook (``atlas_async.webhooks``) publishes what happened to an envelope through
``Atlas.notify_envelope``; a waiter (``envelopes.wait_until_signed``) holds a :class:`Subscription`
and returns on the news instead of at its next poll. Polling stays the fallback, so a lost
notification only costs latency.

:class:`WaiterBus` is the protocol; :class:`LocalWaiterBus` (the default) wakes waiters of one
process. A bus shared by several processes (a webhook received by one replica waking a waiter on
another) implements the same protocol and uses a :class:`LocalWaiterBus` for its local fan-out.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable
from contextlib import AbstractAsyncContextManager
from typing import Protocol, runtime_checkable

import anyio

from ._frozen import Frozen, init
from ._sleeper import Sleeper

__all__ = ["BusActivity", "Inbox", "LocalWaiterBus", "Notice", "Subscription", "WaiterBus"]


class Notice(Frozen):
    """News about an envelope: the status the event reported (None: something happened).

    Immutable; equal to another notice with the same fields."""

    __match_args__ = ("envelope_id", "status")
    __slots__ = __match_args__

    envelope_id: str
    status: str | None

    def __init__(self, envelope_id: str, status: str | None = None) -> None:
        init(self, envelope_id=envelope_id, status=status)


class Subscription(Sleeper):
    """One waiter's view of the news about one envelope. Built by a bus, not directly.

    A waiter parks in :meth:`next`, asleep until its next poll, and a notice wakes it (see
    :mod:`._sleeper`): no event object per waiter, because ten thousand parked waiters are the
    point (each byte here is ten kilobytes there). A subscription may instead forward its
    notices to an :class:`Inbox` shared by many (:meth:`forward_to`), where one waiter listens
    for all of them.
    """

    __slots__ = ("_activity", "_inbox", "_pending", "envelope_id")

    def __init__(self, envelope_id: str, activity: BusActivity | None = None) -> None:
        super().__init__()
        self.envelope_id = envelope_id
        self._pending: Notice | None = None
        self._activity = activity
        self._inbox: Inbox | None = None

    def webhooks_flowing(self, within: float) -> bool:
        """Did this bus deliver any notice (about any envelope) in the last ``within`` seconds?
        Then webhooks reach this process, and polling is only the safety net."""
        return self._activity is not None and time.monotonic() - self._activity.last < within

    @property
    def waits(self) -> int:
        """Waits in progress on this bus, this one included (1 when the bus does not say)."""
        return max(self._activity.waiting, 1) if self._activity is not None else 1

    def deliver(self, notice: Notice) -> None:
        """Hand a notice to this waiter (a newer one replaces one it has not read yet)."""
        self._pending = notice
        if self._inbox is not None:
            self._inbox.arrived(self)
        else:
            self._wake_up()

    def forward_to(self, inbox: Inbox) -> None:
        """Send this subscription's notices to ``inbox`` from now on (one already delivered and
        not yet read goes there at once); read them with :meth:`take`."""
        self._inbox = inbox
        if self._pending is not None:
            inbox.arrived(self)

    def take(self) -> Notice | None:
        """The notice delivered and not yet read, if any (without waiting)."""
        notice, self._pending = self._pending, None
        return notice

    async def next(self, within: float) -> Notice | None:
        """The next notice, waiting up to ``within`` seconds; None if none came."""
        if self._pending is None:
            await self._sleep(within)
        notice, self._pending = self._pending, None
        return notice

    def listen(self, within: float) -> Awaitable[None]:
        """Wait up to ``within`` seconds for a notice without reading it (:meth:`take` does):
        :meth:`next` without a coroutine of its own, for waiters parked by the thousand. Await
        it at once, inside the ``async with`` of the subscription (which stops its timer if
        the task is cancelled meanwhile)."""
        return _now() if self._pending is not None else self._park(within)


class Inbox(Sleeper):
    """Where many subscriptions deliver (``envelopes.wait_many``): one waiter parks in
    :meth:`wait` for all of them, and any notice, or :meth:`wake`, wakes it.
    """

    __slots__ = ("_ready", "_woken")

    def __init__(self) -> None:
        super().__init__()
        self._ready: list[Subscription] = []
        self._woken = False

    def arrived(self, sub: Subscription) -> None:
        """``sub`` has a notice to :meth:`~Subscription.take` (called by the subscription)."""
        self._ready.append(sub)
        self.wake()

    def wake(self) -> None:
        """End the current (or the next) :meth:`wait` now."""
        self._woken = True
        self._wake_up()

    async def wait(self, until: float) -> list[Subscription]:
        """The subscriptions that received a notice, once there are any, :meth:`wake` is
        called, or the clock (``anyio.current_time()``) reaches ``until``."""
        now = anyio.current_time()
        if not self._ready and not self._woken and until > now:
            await self._sleep(until - now)
        ready, self._ready, self._woken = self._ready, [], False
        return ready


async def _now() -> None:
    """A notice is there already: no wait."""


@runtime_checkable
class WaiterBus(Protocol):
    """Where notices about envelopes travel from webhook receivers to waiters."""

    def subscribe(self, envelope_id: str) -> AbstractAsyncContextManager[Subscription]:
        """A subscription to ``envelope_id`` for the duration of an ``async with``."""
        ...

    async def publish(self, envelope_id: str, status: str | None = None) -> None:
        """Tell every waiter on ``envelope_id`` (on every process the bus reaches)."""
        ...


class BusActivity:
    """What a bus's subscriptions may know of the whole bus: when it last delivered a notice
    (``time.monotonic()``) and how many subscriptions it holds (waits in progress)."""

    __slots__ = ("last", "waiting")

    def __init__(self) -> None:
        self.last = -math.inf
        self.waiting = 0


class LocalWaiterBus:
    """The in-process bus: subscriptions by envelope id, shared by every copy of one client."""

    def __init__(self) -> None:
        # One subscription per envelope is the usual case: held as it is, a set only for a
        # second one (a set of one is some 200 bytes more for each of ten thousand waits).
        self._subs: dict[str, Subscription | set[Subscription]] = {}
        self._activity = BusActivity()

    def subscribe(self, envelope_id: str) -> AbstractAsyncContextManager[Subscription]:
        return _Subscribed(self._subs, self._activity, Subscription(envelope_id, self._activity))

    def deliver(self, envelope_id: str, status: str | None = None) -> int:
        """Wake the waiters of this process on ``envelope_id``; how many were woken."""
        self._activity.last = time.monotonic()
        subs = self._subs.get(envelope_id)
        if not subs:
            return 0
        notice = Notice(envelope_id, status)
        if isinstance(subs, Subscription):
            subs.deliver(notice)
            return 1
        for sub in list(subs):
            sub.deliver(notice)
        return len(subs)

    async def publish(self, envelope_id: str, status: str | None = None) -> None:
        self.deliver(envelope_id, status)

    def waiting(self, envelope_id: str) -> int:
        """How many waiters of this process listen to ``envelope_id``."""
        subs = self._subs.get(envelope_id)
        return 1 if isinstance(subs, Subscription) else len(subs or ())


class _Subscribed(AbstractAsyncContextManager[Subscription]):
    """``async with bus.subscribe(id)``: a class rather than a generator, which would keep a
    suspended frame alive per parked waiter."""

    __slots__ = ("_activity", "_envelope_id", "_sub", "_subs")

    def __init__(
        self,
        subs: dict[str, Subscription | set[Subscription]],
        activity: BusActivity,
        sub: Subscription,
    ) -> None:
        self._subs = subs
        self._activity = activity
        self._envelope_id = sub.envelope_id
        self._sub = sub

    async def __aenter__(self) -> Subscription:
        held = self._subs.get(self._envelope_id)
        if held is None:
            self._subs[self._envelope_id] = self._sub
        elif isinstance(held, Subscription):
            self._subs[self._envelope_id] = {held, self._sub}
        else:
            held.add(self._sub)
        self._activity.waiting += 1
        return self._sub

    async def __aexit__(self, *exc: object) -> None:
        self._sub._unpark()  # (a listen cut short by a cancellation leaves its timer)
        self._activity.waiting -= 1
        held = self._subs.get(self._envelope_id)
        if held is self._sub:
            del self._subs[self._envelope_id]
        elif isinstance(held, set):
            held.discard(self._sub)
            if not held:
                del self._subs[self._envelope_id]
