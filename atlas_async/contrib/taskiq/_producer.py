"""The producer's side of a queued bulk run: queue one task per item, collect the outcomes.

What one process does before sending an item (derive its key, refuse a duplicate key, skip a key
the caller already knows went out, stop queueing once the batch stopped) happens here, so the
outcomes, the summary and a results file are those of one process. Each task's outcome comes
back on the run's own results stream, read from its start: the first outcome of each item
counts (a task run twice after a redelivery reports the same envelope again).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ...bulk import BulkItem, BulkOutcome, BulkSummary, BulkTally, RetryPolicy, derive_key
from ._codec import outcome_from_result, payload_for

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["QueuedRun"]

Kick = Callable[[dict[str, Any]], Awaitable[object]]


@dataclass
class QueuedRun:
    """A bulk run whose items go to workers: iterate it for outcomes, read :attr:`summary`.

    The same interface as :class:`atlas_async.bulk.BulkRun`, as far as a caller iterating
    outcomes needs it.
    """

    run_id: str
    total: int | None
    _redis: Redis
    _results: str
    _kick: Kick
    _retry: RetryPolicy
    _lookup_existing: bool
    _skip_keys: frozenset[str]
    _account: Callable[[BulkItem], str | None]
    _block_ms: int = 1000
    _counts: BulkTally = field(default_factory=BulkTally)
    _rate_limited: int = 0
    _stopped_reason: str | None = None
    _started: float = 0.0
    _finished: float | None = None
    _waiting: dict[int, BulkItem] = field(default_factory=dict)
    _fed: anyio.Event = field(default_factory=anyio.Event)
    _out_send: MemoryObjectSendStream[BulkOutcome] = field(init=False)
    _out_recv: MemoryObjectReceiveStream[BulkOutcome] = field(init=False)

    def __post_init__(self) -> None:
        self._out_send, self._out_recv = anyio.create_memory_object_stream[BulkOutcome](64)

    @property
    def stopped_reason(self) -> str | None:
        return self._stopped_reason

    @property
    def queued(self) -> int:
        """Items queued whose outcome has not come back yet."""
        return len(self._waiting)

    @property
    def summary(self) -> BulkSummary:
        """Counts so far; final once iteration has ended."""
        return self._counts.summary(
            total=self.total,
            started=self._started,
            finished=self._finished,
            rate_limited=self._rate_limited,
            stopped_reason=self._stopped_reason,
        )

    def __aiter__(self) -> MemoryObjectReceiveStream[BulkOutcome]:
        return self._out_recv

    # -- engine -------------------------------------------------------------------------------

    async def drive(self, items: Iterable[BulkItem] | AsyncIterable[BulkItem]) -> None:
        self._started = anyio.current_time()
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._collect)
                await self._feed(items)
                self._fed.set()
                if not self._waiting:  # nothing was queued, or every outcome is already in
                    tg.cancel_scope.cancel()
        finally:
            self._out_send.close()
            self._finished = anyio.current_time()

    def close(self) -> None:
        self._out_send.close()
        self._out_recv.close()

    async def _feed(self, items: Iterable[BulkItem] | AsyncIterable[BulkItem]) -> None:
        seen: set[str] = set()
        index = 0
        if isinstance(items, AsyncIterable):
            async for item in items:
                await self._offer(index, item, seen)
                index += 1
        else:
            for item in items:
                await self._offer(index, item, seen)
                index += 1

    async def _offer(self, index: int, item: BulkItem, seen: set[str]) -> None:
        if self._stopped_reason is not None:
            await self._emit(BulkOutcome(index, item, "not_attempted"))
            return
        key: str | None = None
        try:
            key = await derive_key(item)
            if key in seen:
                raise ValueError(f"duplicate bulk key {key!r} in this batch: item skipped")
            seen.add(key)
            if key in self._skip_keys:
                await self._emit(BulkOutcome(index, item, "already_sent", key=key))
                return
            payload = payload_for(
                index,
                item,
                key,
                run=self.run_id,
                retry=self._retry,
                lookup_existing=self._lookup_existing,
                account=self._account(item),
            )
            self._waiting[index] = item
            try:
                await self._kick(payload)
            except BaseException:
                self._waiting.pop(index, None)
                raise
        except (ValueError, TypeError, OSError) as exc:  # what one process reports as failed
            await self._emit(BulkOutcome(index, item, "failed", key=key, error=exc))

    async def _collect(self) -> None:
        position = "0-0"
        while not (self._fed.is_set() and not self._waiting):
            batches: Any = await self._redis.xread(
                {self._results: position}, block=self._block_ms, count=500
            )
            for _stream, entries in batches or ():
                for entry_id, raw in entries:
                    position = _text(entry_id)
                    await self._receive({_text(k): _text(v) for k, v in raw.items()})

    async def _receive(self, fields: dict[str, str]) -> None:
        index = int(fields.get("index", "-1"))
        item = self._waiting.pop(index, None)
        if item is None:
            return  # a second report of an item (a redelivered task): the first one counts
        self._rate_limited += int(fields.get("rate_limited") or 0)
        if fields.get("stopped") and self._stopped_reason is None:
            self._stopped_reason = fields["stopped"]
        await self._emit(outcome_from_result(fields, item))

    async def _emit(self, outcome: BulkOutcome) -> None:
        self._counts.add(outcome)
        await self._out_send.send(outcome)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
