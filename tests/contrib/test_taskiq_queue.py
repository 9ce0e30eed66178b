"""BulkQueue in one process (a producer and workers as tasks) against a real redis-server and the
emulator: the outcomes and summary are those of a one-process run; a batch that runs out of
credits stops the same way; a task a worker took and never acknowledged is run by another; a task
a live worker runs for longer than idle_timeout is run once; a worker stopped mid-item leaves the
task pending for another worker."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from typing import Any

import anyio
import httpx
import pytest

from atlas_async import Atlas, Attempt, AttemptResponse, CallNext
from atlas_async.bulk import BulkItem, BulkOutcome, BulkSummary, derive_key, send_all
from atlas_async.contrib.redis import connect
from atlas_async.contrib.taskiq import BulkQueue, RemoteItemError
from atlas_async.contrib.taskiq._reaper import HEARTBEATS, Reaper
from atlas_async.contrib.taskiq._worker import ItemWorker
from atlas_async.testing import FakeAtlas

from .conftest import RedisServer, until

pytestmark = pytest.mark.anyio


def pdf(n: int) -> bytes:
    return b"%PDF-1.4\n%% item " + str(n).encode() + b"\n%%EOF\n"


def items(count: int) -> list[BulkItem]:
    return [
        BulkItem(
            document=pdf(n),
            parties=[{"email": f"signer{n}@example.com", "name": "Signer", "role": "Customer"}],
            tag=n + 1,
        )
        for n in range(count)
    ]


@asynccontextmanager
async def atlas_on(fake: FakeAtlas, middleware: Sequence[Any] = ()) -> AsyncIterator[Atlas]:
    http = httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url)
    async with (
        http,
        Atlas(
            api_key=fake.api_key,
            base_url=fake.base_url,
            http_client=http,
            middleware=list(middleware),
        ) as a,
    ):
        yield a


@asynccontextmanager
async def worker(
    url: str, atlas: Atlas, concurrency: int = 2, **queue: Any
) -> AsyncIterator[BulkQueue]:
    """One worker, as a worker process runs it: leaving the block stops its work(), and only
    then does its queue close."""
    async with BulkQueue(url, **queue) as q, anyio.create_task_group() as tg:
        tg.start_soon(partial(q.work, atlas, concurrency=concurrency))
        yield q
        tg.cancel_scope.cancel()


@asynccontextmanager
async def workers(
    url: str,
    fake: FakeAtlas,
    count: int,
    concurrency: int = 2,
    middleware: Sequence[Any] = (),
    **queue: Any,
) -> AsyncIterator[list[BulkQueue]]:
    async with atlas_on(fake, middleware) as atlas, AsyncExitStack() as stack:
        yield [
            await stack.enter_async_context(worker(url, atlas, concurrency, **queue))
            for _ in range(count)
        ]


def shape(outcome: BulkOutcome) -> tuple[Any, ...]:
    # Its attempts count the polls while fields are detected too: both runs use an emulator
    # that detects at once, or a loaded machine could poll once more in one run than the other.
    return (outcome.index, outcome.status, outcome.key, outcome.envelope_status, outcome.attempts)


def counts(summary: BulkSummary) -> dict[str, Any]:
    doc = summary.as_dict()
    return {k: v for k, v in doc.items() if k not in ("elapsed", "rate")}


async def one_process(
    batch: list[BulkItem], **options: Any
) -> tuple[list[BulkOutcome], BulkSummary]:
    fake = FakeAtlas(initial_credits=options.pop("credits", 100), detection_delay=0.0)
    got: list[BulkOutcome] = []
    async with atlas_on(fake) as atlas:
        summary = await send_all(atlas, batch, concurrency=1, on_outcome=got.append, **options)
    return sorted(got, key=lambda o: o.index), summary


async def queued(
    url: str, batch: list[BulkItem], **options: Any
) -> tuple[list[BulkOutcome], BulkSummary, FakeAtlas]:
    fake = FakeAtlas(initial_credits=options.pop("credits", 100), detection_delay=0.0)
    got: list[BulkOutcome] = []
    # One worker taking one item at a time: the order of a one-process run at concurrency 1.
    async with workers(url, fake, 1, concurrency=1), BulkQueue(url) as queue:
        summary = await queue.send_all(batch, on_outcome=got.append, **options)
    return sorted(got, key=lambda o: o.index), summary, fake


@pytest.mark.slow
async def test_the_same_outcomes_and_summary_as_one_process(redis_url: str) -> None:
    batch = items(6)
    alone, alone_summary = await one_process(batch)
    spread, spread_summary, fake = await queued(redis_url, batch)
    assert [shape(o) for o in spread] == [shape(o) for o in alone]
    assert counts(spread_summary) == counts(alone_summary)
    assert spread_summary.sent == 6
    assert [o.item.tag for o in spread] == [1, 2, 3, 4, 5, 6]  # the caller's own items
    assert len(fake.envelopes()) == 6
    assert fake.credits() == 94


async def test_skipped_and_duplicate_keys_as_one_process(redis_url: str) -> None:
    batch = items(3)
    batch.append(batch[0])  # the same content twice: the same derived key
    skip = [await derive_key(batch[1])]
    alone, alone_summary = await one_process(batch, skip_keys=skip)
    spread, summary, _ = await queued(redis_url, batch, skip_keys=skip)
    assert [shape(o) for o in spread] == [shape(o) for o in alone]
    assert counts(summary) == counts(alone_summary)
    assert [o.status for o in spread] == ["sent", "already_sent", "sent", "failed"]
    assert "duplicate bulk key" in str(spread[3].error)


async def test_out_of_credits_stops_the_batch_as_one_process(redis_url: str) -> None:
    batch = items(5)
    alone, alone_summary = await one_process(batch, credits=2)
    spread, summary, _ = await queued(redis_url, batch, credits=2)
    assert [o.status for o in spread] == [o.status for o in alone]
    assert counts(summary) == counts(alone_summary)
    assert summary.stopped_reason == "insufficient_credits"
    failed = spread[2]
    assert isinstance(failed.error, RemoteItemError)
    assert failed.error.type_name == "InsufficientCreditsError"
    assert (
        str(failed.error).split(" (request_id")[0] == str(alone[2].error).split(" (request_id")[0]
    )


async def test_a_task_taken_and_never_acknowledged_is_run_again(redis_url: str) -> None:
    """A consumer takes a task and dies (never acknowledges): after idle_timeout the reaper of a
    live worker puts it back, and the item is sent once."""
    fake = FakeAtlas(initial_credits=10)
    batch = items(1)
    got: list[BulkOutcome] = []
    async with BulkQueue(redis_url, idle_timeout=0.3) as queue, queue.send_many(batch) as run:
        # The "dead" worker: reads the task from the group, then nothing.
        stolen: list[Any] = []

        async def steal() -> None:
            redis = connect(redis_url)
            async with redis:
                while not stolen:
                    stolen.extend(
                        await redis.xreadgroup(
                            queue.group, "dead", {queue.stream: ">"}, count=1, block=100
                        )
                    )

        with anyio.fail_after(30):
            await steal()
        async with workers(redis_url, fake, 1, idle_timeout=0.3):
            with anyio.fail_after(30):
                async for outcome in run:
                    got.append(outcome)
    assert [o.status for o in got] == ["sent"]
    assert len(fake.envelopes()) == 1


class HeldCreates:
    """Middleware counting an item's runs (a first run starts with its create) and holding
    each create until ``release()`` returns."""

    def __init__(self, release: Callable[[], Awaitable[object]]) -> None:
        self.release = release
        self.runs = 0
        self.ended = 0  # creates released or cancelled
        self.holding = anyio.Event()

    async def __call__(self, attempt: Attempt, call_next: CallNext) -> AttemptResponse:
        if attempt.method == "POST" and attempt.path == "/api/envelope":
            self.runs += 1
            self.holding.set()
            try:
                await self.release()
            finally:
                self.ended += 1
        return await call_next(attempt)


def reapers(queues: Sequence[BulkQueue]) -> list[Reaper]:
    found = [q.reaper for q in queues]
    assert all(r is not None for r in found)
    return [r for r in found if r is not None]


async def test_a_task_a_live_worker_runs_longer_than_idle_timeout_is_run_once(
    redis_url: str,
) -> None:
    """idle_timeout is how long a worker may stay silent, not how long a task may run: the
    worker running an item keeps its task alive, and no reaper (its own, another worker's)
    gives the task to anyone else, however long the item takes."""
    idle = 0.6  # heartbeats every 0.15 s: one may come 0.45 s late on a loaded machine
    fake = FakeAtlas(initial_credits=10)
    queues: list[BulkQueue] = []

    async def three_idle_timeouts() -> None:
        start = [r.sweeps for r in reapers(queues)]
        await until(
            lambda: all(
                r.sweeps > s + 3 * HEARTBEATS for r, s in zip(reapers(queues), start, strict=True)
            ),
            "every reaper swept for three idle_timeouts",
        )

    hold = HeldCreates(three_idle_timeouts)
    async with (
        workers(redis_url, fake, 2, middleware=[hold], idle_timeout=idle) as started,
        BulkQueue(redis_url, idle_timeout=idle) as queue,
    ):
        queues.extend(started)
        with anyio.fail_after(30):
            summary = await queue.send_all(items(1))
    assert summary.sent == 1
    assert hold.runs == 1
    assert len(fake.envelopes()) == 1
    assert [r.requeued for r in reapers(queues)] == [0, 0]
    assert sum(r.refreshed for r in reapers(queues)) >= 3 * HEARTBEATS  # the heartbeat did it


async def test_a_worker_stopped_mid_item_leaves_its_task_to_another(redis_url: str) -> None:
    """A worker stopped (cancelled) while an item runs does not acknowledge its task: the task
    stays pending, another worker runs it after idle_timeout, and the producer hears of the item
    once. Nothing runs on the stopped worker's closed connections (a background task raising
    would fail this test)."""
    idle = 0.6
    fake = FakeAtlas(initial_credits=10)
    stopped = HeldCreates(anyio.sleep_forever)  # the first worker's item never gets past it
    got: list[BulkOutcome] = []
    redis = connect(redis_url)
    async with (
        redis,
        BulkQueue(redis_url, idle_timeout=idle) as queue,
        queue.send_many(items(1)) as run,
    ):
        async with atlas_on(fake, [stopped]) as atlas, worker(redis_url, atlas, idle_timeout=idle):
            with anyio.fail_after(30):
                await stopped.holding.wait()
        # The first worker has stopped, its item with it, and its queue has closed.
        assert stopped.ended == 1
        pending = await redis.xpending(queue.stream, queue.group)
        assert pending["pending"] == 1  # not acknowledged
        assert run.queued == 1
        assert not fake.envelopes()
        async with workers(redis_url, fake, 1, idle_timeout=idle) as (second,):
            with anyio.fail_after(30):
                async for outcome in run:
                    got.append(outcome)
        results, _stop = queue.keys(run.run_id)
        reports = await redis.xlen(results)
    assert [o.status for o in got] == ["sent"]
    assert reports == 1  # one outcome reported, by the second worker
    assert stopped.runs == 1
    assert second.reaper is not None
    assert second.reaper.requeued == 1
    assert len(fake.envelopes()) == 1


async def test_leaving_the_queue_stops_its_work_in_another_task(redis_url: str) -> None:
    """The queue's ``async with`` ending stops a work() another task runs, and waits for it,
    before its connections close; a second work() on one queue is refused."""
    returned: list[bool] = []

    async def work(queue: BulkQueue, atlas: Atlas) -> None:
        await queue.work(atlas, concurrency=1)
        returned.append(True)

    async with atlas_on(FakeAtlas()) as atlas:
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                async with BulkQueue(redis_url, idle_timeout=0.3) as queue:
                    tg.start_soon(work, queue, atlas)
                    await until(lambda: queue.reaper is not None, "the worker started")
                    with pytest.raises(RuntimeError, match="already working"):
                        await queue.work(atlas)
                assert returned == [True]  # before the task group waits for anything


async def test_using_the_queue_outside_async_with_is_an_error(redis_url: str) -> None:
    queue = BulkQueue(redis_url)
    with pytest.raises(RuntimeError, match="async with BulkQueue"):
        async with queue.send_many(items(1)):
            pass
    assert "redis://" not in repr(queue)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="idle_timeout"):
        BulkQueue("redis://127.0.0.1:1/0", idle_timeout=0)
    with pytest.raises(ValueError, match="name"):
        BulkQueue("redis://127.0.0.1:1/0", name="two words")


async def test_an_outcome_report_rides_out_a_short_redis_outage(own_redis: RedisServer) -> None:
    client = connect(own_redis.url, socket_timeout=1.0)
    attempts = 0
    pipeline = client.pipeline

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal attempts
        attempts += 1
        return pipeline(*args, **kwargs)

    client.pipeline = counted  # type: ignore[method-assign]
    worker = ItemWorker(None, None, client, keys=lambda run: ("r", "s"), ttl=60)  # type: ignore[arg-type]
    try:
        own_redis.stop()
        async with anyio.create_task_group() as tg:
            tg.start_soon(worker._report, "results", {"index": "0", "status": "sent"})
            await until(lambda: attempts >= 2, "a report failed and is being tried again")
            own_redis.start()
        entries = await client.xrange("results")
    finally:
        await client.aclose()
    assert [fields for _id, fields in entries] == [{b"index": b"0", b"status": b"sent"}]
