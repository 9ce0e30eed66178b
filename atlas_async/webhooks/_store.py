"""Where the dispatcher remembers which events it has processed (de-duplication by ``event_id``).

Atlas retries a delivery until it gets a 2xx (after 1 min, 5 min, 30 min and 2 h), so a receiver
sees the same ``event_id`` several times. The store has three states per event:

- unknown: :meth:`EventStore.claim` takes it (``"claimed"``) and the handlers run;
- in progress: a second delivery arriving while the first is still running gets ``"in_progress"``
  and is answered non-2xx, so Atlas tries again later instead of believing it was handled;
- processed: only after every handler succeeded (:meth:`EventStore.mark_processed`); later
  deliveries are ``"processed"`` duplicates, answered 2xx without running anything.

A failed run calls :meth:`EventStore.release`, so the next delivery processes the event again.

The methods are ``async`` so a store can live in Redis or a database, which is what a receiver
running in several processes needs (the in-memory default only de-duplicates inside one process).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Literal, Protocol, TypeAlias, runtime_checkable

__all__ = ["ClaimResult", "EventStore", "InMemoryEventStore"]

ClaimResult: TypeAlias = Literal["claimed", "processed", "in_progress"]


@runtime_checkable
class EventStore(Protocol):
    """De-duplication state for webhook events, keyed by ``event_id``."""

    async def claim(self, event_id: str) -> ClaimResult:
        """Atomically take ``event_id`` for processing, unless it is processed or in progress.

        A shared store should give claims a lease (Redis ``SET key NX EX 60``, say), so that a
        process that died mid-event does not block the event forever.
        """
        ...

    async def mark_processed(self, event_id: str) -> None:
        """Record that every handler succeeded; later deliveries are duplicates."""
        ...

    async def release(self, event_id: str) -> None:
        """Drop the claim after a failure, so a redelivery processes the event again."""
        ...


class InMemoryEventStore:
    """The default store: processed ids in a bounded LRU, in this process only.

    ``max_events`` bounds memory. Atlas's last retry comes about 2 h 36 min after the first
    attempt, so size it above the number of events you receive in that window; an id evicted
    earlier would be processed a second time if Atlas redelivered it.
    """

    def __init__(self, max_events: int = 10_000) -> None:
        if max_events < 1:
            raise ValueError("max_events must be at least 1")
        self.max_events = max_events
        self._processed: OrderedDict[str, None] = OrderedDict()
        self._in_progress: set[str] = set()

    # No await happens between a check and its update, so each method is atomic within the event
    # loop without a lock.

    async def claim(self, event_id: str) -> ClaimResult:
        if event_id in self._processed:
            self._processed.move_to_end(event_id)
            return "processed"
        if event_id in self._in_progress:
            return "in_progress"
        self._in_progress.add(event_id)
        return "claimed"

    async def mark_processed(self, event_id: str) -> None:
        self._in_progress.discard(event_id)
        self._processed[event_id] = None
        self._processed.move_to_end(event_id)
        while len(self._processed) > self.max_events:
            self._processed.popitem(last=False)

    async def release(self, event_id: str) -> None:
        self._in_progress.discard(event_id)

    def __contains__(self, event_id: object) -> bool:
        """True when ``event_id`` was processed (and is still remembered)."""
        return event_id in self._processed

    def __len__(self) -> int:
        return len(self._processed)
