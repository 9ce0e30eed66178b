"""BulkQueue in one process (a producer and workers as tasks) against a real redis-server and the
emulator: the outcomes and summary are those of a one-process run; a batch that runs out of
credits stops the same way; a task a worker took and never acknowledged is run by another."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import httpx
import pytest

from atlas_async import Atlas
from atlas_async.bulk import BulkItem, BulkOutcome, BulkSummary, derive_key, send_all
from atlas_async.contrib.redis import connect
from atlas_async.contrib.taskiq import BulkQueue, RemoteItemError
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
async def atlas_on(fake: FakeAtlas) -> AsyncIterator[Atlas]:
    http = httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url)
    async with http, Atlas(api_key=fake.api_key, base_url=fake.base_url, http_client=http) as a:
        yield a


@asynccontextmanager
async def workers(
    url: str, fake: FakeAtlas, count: int, concurrency: int = 2, **queue: Any
) -> AsyncIterator[None]:
    async with atlas_on(fake) as atlas, AsyncExitStack() as stack:
        tg = await stack.enter_async_context(anyio.create_task_group())
        for _ in range(count):
            worker = await stack.enter_async_context(BulkQueue(url, **queue))
            tg.start_soon(lambda w=worker: w.work(atlas, concurrency=concurrency))
        yield
        tg.cancel_scope.cancel()


def shape(outcome: BulkOutcome) -> tuple[Any, ...]:
    return (outcome.index, outcome.status, outcome.key, outcome.envelope_status, outcome.attempts)


def counts(summary: BulkSummary) -> dict[str, Any]:
    doc = summary.as_dict()
    return {k: v for k, v in doc.items() if k not in ("elapsed", "rate")}


async def one_process(
    batch: list[BulkItem], **options: Any
) -> tuple[list[BulkOutcome], BulkSummary]:
    fake = FakeAtlas(initial_credits=options.pop("credits", 100))
    got: list[BulkOutcome] = []
    async with atlas_on(fake) as atlas:
        summary = await send_all(atlas, batch, concurrency=1, on_outcome=got.append, **options)
    return sorted(got, key=lambda o: o.index), summary


async def queued(
    url: str, batch: list[BulkItem], **options: Any
) -> tuple[list[BulkOutcome], BulkSummary, FakeAtlas]:
    fake = FakeAtlas(initial_credits=options.pop("credits", 100))
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
