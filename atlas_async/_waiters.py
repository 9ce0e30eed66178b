"""In-process wake-ups for code waiting on an envelope.

A verified webhook (``atlas_async.webhooks``) calls :meth:`EnvelopeWaiters.notify`; a waiter
(``envelopes.wait_until_signed``) holds a :class:`Subscription` and returns on the event instead of
at its next poll. Polling stays the fallback, so a lost webhook only costs latency.

anyio events cannot be reset, so a subscription re-arms a fresh event after each wake-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import anyio

__all__ = ["EnvelopeWaiters", "Subscription"]


class Subscription:
    """One waiter's view of the notifications for one envelope."""

    def __init__(self, envelope_id: str) -> None:
        self.envelope_id = envelope_id
        self.last_status: str | None = None
        self._event = anyio.Event()

    def _fire(self, status: str | None) -> None:
        if status is not None:
            self.last_status = status
        self._event.set()

    async def wait(self, within: float) -> bool:
        """Wait up to ``within`` seconds for a notification; True if one arrived."""
        with anyio.move_on_after(within):
            await self._event.wait()
        fired = self._event.is_set()
        if fired:
            self._event = anyio.Event()
        return fired


class EnvelopeWaiters:
    """Registry of subscriptions by envelope id, shared by every copy of one ``Atlas`` client."""

    def __init__(self) -> None:
        self._subs: dict[str, set[Subscription]] = {}

    @contextmanager
    def subscribe(self, envelope_id: str) -> Iterator[Subscription]:
        sub = Subscription(envelope_id)
        self._subs.setdefault(envelope_id, set()).add(sub)
        try:
            yield sub
        finally:
            subs = self._subs.get(envelope_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[envelope_id]

    def notify(self, envelope_id: str, status: str | None = None) -> int:
        """Wake every waiter on ``envelope_id``; ``status`` is the state the event reported.

        Returns how many waiters were woken.
        """
        subs = list(self._subs.get(envelope_id, ()))
        for sub in subs:
            sub._fire(status)
        return len(subs)
