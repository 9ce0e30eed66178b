"""``BulkQueue``: a bulk run fanned out to worker processes through taskiq's Redis stream broker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
from taskiq import AsyncTaskiqDecoratedTask
from taskiq.acks import AcknowledgeType
from taskiq.api import run_receiver_task

from ..._log import logger as get_logger
from ...bulk import BULK_RETRY, BulkItem, BulkOutcome, BulkSummary, RetryPolicy, lookup_wanted
from .._asyncio import require_asyncio
from ..redis import RedisRateGate, connect
from ._producer import QueuedRun
from ._reaper import HEARTBEATS, Reaper
from ._receiver import Deliveries, ItemReceiver, StreamBroker
from ._worker import ItemWorker

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from ..._client import Atlas

__all__ = ["TASK_NAME", "BulkQueue"]

logger = get_logger("atlas_async.contrib.taskiq")

#: The taskiq task every queued item runs.
TASK_NAME = "atlas_async.bulk_item"

AccountFor = str | Callable[[BulkItem], str | None] | None


class BulkQueue:
    """Bulk sending across worker processes: ``bulk-send --queue`` and ``atlas-async worker``.

    ::

        # the producer (one process): queue the items, get the outcomes back as they land
        async with BulkQueue("redis://localhost:6379/0") as queue:
            summary = await queue.send_all(items, on_outcome=log.record)

        # each worker process (as many as you like, on any machine that reaches the Redis)
        async with BulkQueue("redis://localhost:6379/0") as queue, Atlas() as atlas:
            await queue.work(atlas, concurrency=8)

    Each item is one taskiq task on a Redis stream (a consumer group: each task goes to one
    worker), acknowledged only after it ran to its end. A worker runs it exactly as
    :func:`atlas_async.bulk.send_all` would in one process, with the same deterministic
    idempotency keys, so a task run twice (its worker died, or was stopped, before
    acknowledging) sends nothing twice. ``idle_timeout`` is how long a worker may stay silent,
    not how long an item may run: every worker sends a heartbeat for the tasks it holds four
    times per ``idle_timeout``, and the tasks of a worker silent for ``idle_timeout`` seconds go
    to another worker. Workers share one :class:`~atlas_async.contrib.redis.RedisRateGate`
    (named ``gate``), so a 429 in one pauses all. ``name`` prefixes every key. asyncio only.
    """

    def __init__(
        self,
        url: str,
        *,
        name: str = "atlas:bulk",
        idle_timeout: float = 900.0,
        gate: str = "default",
        results_ttl: float = 7 * 24 * 3600,
        max_connections: int = 32,
    ) -> None:
        if not idle_timeout > 0:
            raise ValueError("idle_timeout must be a positive number of seconds")
        if not name or any(c.isspace() for c in name):
            raise ValueError(f"name must be a non-empty string without spaces, got {name!r}")
        self.name = name.rstrip(":")
        self.idle_timeout = float(idle_timeout)
        self.gate_name = gate
        self.results_ttl = int(results_ttl)
        self._url = url
        self._max_connections = max_connections
        self.stream = f"{self.name}:tasks"
        self.group = f"{self.name}:workers"
        self._broker: StreamBroker | None = None
        self._task: AsyncTaskiqDecoratedTask[[dict[str, Any]], None] | None = None
        self._redis: Redis | None = None
        self._worker: ItemWorker | None = None
        #: The reaper of this process, once :meth:`work` runs.
        self.reaper: Reaper | None = None
        self._working: tuple[anyio.CancelScope, anyio.Event] | None = None

    def __repr__(self) -> str:  # never the URL: it may hold a password
        return f"<BulkQueue stream={self.stream!r}>"

    def keys(self, run_id: str) -> tuple[str, str]:
        """The results stream and the stop flag of one run."""
        return f"{self.name}:run:{run_id}:results", f"{self.name}:run:{run_id}:stop"

    # -- lifecycle --------------------------------------------------------------------------------

    def _make_broker(self) -> StreamBroker:
        broker = StreamBroker(
            self._url,
            queue_name=self.stream,
            consumer_group_name=self.group,
            consumer_id="0",  # a group made after tasks were queued still gets them
            xread_block=1000,
            max_connection_pool_size=self._max_connections,
        )
        queue = self

        async def bulk_item(payload: dict[str, Any]) -> None:
            await queue._run_item(payload)

        # taskiq's stubs type a task as returning its result; ours is a coroutine function.
        task: Any = bulk_item
        self._task = broker.register_task(task, task_name=TASK_NAME)
        return broker

    async def __aenter__(self) -> BulkQueue:
        require_asyncio("BulkQueue")
        self._redis = connect(self._url, max_connections=self._max_connections)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with anyio.CancelScope(shield=True):
            if self._working is not None:  # a work() in another task: stop it first
                scope, stopped = self._working
                scope.cancel()
                await stopped.wait()
            if self._broker is not None:
                await self._broker.shutdown()
                self._broker = None
            if self._redis is not None:
                await self._redis.aclose()
                self._redis = None

    def _client(self) -> Redis:
        if self._redis is None:
            raise RuntimeError("use the queue as `async with BulkQueue(url) as queue:`")
        return self._redis

    async def _started_broker(self, *, worker: bool) -> StreamBroker:
        if self._broker is None:
            broker = self._make_broker()
            broker.is_worker_process = worker
            await broker.startup()  # creates the stream and the consumer group
            self._broker = broker
        return self._broker

    # -- the producer -----------------------------------------------------------------------------

    @asynccontextmanager
    async def send_many(
        self,
        items: Iterable[BulkItem] | AsyncIterable[BulkItem],
        *,
        retry: RetryPolicy | None = None,
        lookup_existing: bool | None = None,
        skip_keys: Iterable[str] = (),
        account: AccountFor = None,
    ) -> AsyncIterator[QueuedRun]:
        """Queue every item; iterate the yielded :class:`QueuedRun` for outcomes as workers
        report them. The arguments mean what they mean for :func:`atlas_async.bulk.send_many`
        (concurrency is the workers' ``concurrency``); ``account`` scopes each item to a
        connected account: one for all, or a function of the item."""
        require_asyncio("BulkQueue")
        redis = self._client()
        await self._started_broker(worker=False)
        total: int | None = None
        if not isinstance(items, AsyncIterable):
            try:
                total = len(items)  # type: ignore[arg-type]
            except TypeError:
                total = None
        skip = frozenset(skip_keys)
        run_id = uuid.uuid4().hex
        results, _stop = self.keys(run_id)
        run = QueuedRun(
            run_id=run_id,
            total=total,
            _redis=redis,
            _results=results,
            _kick=self._kick,
            _retry=retry if retry is not None else BULK_RETRY,
            _lookup_existing=lookup_wanted(lookup_existing, skip),
            _skip_keys=skip,
            _account=account if callable(account) else (lambda _item: account),
        )
        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(run.drive, items)
                try:
                    yield run
                finally:
                    tg.cancel_scope.cancel()
        finally:
            run.close()

    async def send_all(
        self,
        items: Iterable[BulkItem] | AsyncIterable[BulkItem],
        *,
        retry: RetryPolicy | None = None,
        lookup_existing: bool | None = None,
        skip_keys: Iterable[str] = (),
        account: AccountFor = None,
        on_outcome: Callable[[BulkOutcome], Awaitable[None] | None] | None = None,
    ) -> BulkSummary:
        """Run a whole queued batch and return its summary (see :meth:`send_many`)."""
        async with self.send_many(
            items,
            retry=retry,
            lookup_existing=lookup_existing,
            skip_keys=skip_keys,
            account=account,
        ) as run:
            async for outcome in run:
                if on_outcome is not None:
                    result = on_outcome(outcome)
                    if result is not None:
                        await result
        return run.summary

    async def _kick(self, payload: dict[str, Any]) -> None:
        assert self._task is not None
        await self._task.kiq(payload)

    # -- the worker -------------------------------------------------------------------------------

    async def work(self, atlas: Atlas, *, concurrency: int = 8) -> None:
        """Run queued items with ``atlas`` (this worker's credentials), ``concurrency`` at a time,
        until cancelled or the queue's ``async with`` block ends.

        Every request waits at the shared 429 gate. Stopping abandons the items still running:
        their tasks stay unacknowledged and another worker runs them after ``idle_timeout``
        (the same idempotency keys make that safe); items that already ran are acknowledged
        first. When this returns, nothing of the worker is left running."""
        require_asyncio("BulkQueue")
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        redis = self._client()
        if self._working is not None:
            raise RuntimeError("this queue is already working: one work() per BulkQueue")
        self._working = scope, stopped = anyio.CancelScope(), anyio.Event()
        deliveries = Deliveries()
        try:
            with scope:
                gate = RedisRateGate(redis, name=self.gate_name, policy=BULK_RETRY)
                self._worker = ItemWorker(atlas, gate, redis, keys=self.keys, ttl=self.results_ttl)
                broker = await self._started_broker(worker=True)
                broker.deliveries = deliveries
                self.reaper = Reaper(redis, self.stream, self.group, self.idle_timeout)
                async with anyio.create_task_group() as tg:
                    tg.start_soon(self._keep_alive, self.reaper, broker)
                    await run_receiver_task(
                        broker,
                        receiver_cls=ItemReceiver,
                        max_async_tasks=concurrency,
                        ack_time=AcknowledgeType.WHEN_EXECUTED,
                        propagate_exceptions=True,
                    )
        finally:
            # taskiq's runner leaves its running items behind when cancelled: end them here,
            # before the queue's connections close.
            with anyio.CancelScope(shield=True):
                await deliveries.stop()
            self._working = None
            stopped.set()

    async def _run_item(self, payload: dict[str, Any]) -> None:
        if self._worker is None:
            raise RuntimeError("this process is not a worker: run BulkQueue.work() first")
        await self._worker(payload)

    async def _keep_alive(self, reaper: Reaper, broker: StreamBroker) -> None:
        """The heartbeat for the tasks this worker holds, then a sweep, several times per
        ``idle_timeout``."""
        interval = self.idle_timeout / HEARTBEATS
        while True:
            try:
                await reaper.heartbeat(broker.consumer_name, broker.deliveries.held())
                if back := await reaper.sweep():
                    logger.warning("requeued %d task(s) a worker took and never finished", back)
            except Exception as exc:  # Redis away: try again at the next sweep
                logger.warning("bulk queue: sweep failed (%s)", type(exc).__name__)
            await anyio.sleep(interval)
