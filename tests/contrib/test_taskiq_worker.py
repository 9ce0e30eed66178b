"""The worker's parts of BulkQueue on their own, against a real redis-server: the heartbeat keeps
alive only what its worker holds, and the broker's reader ends when it is cancelled even when a
command swallowed the cancellation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from redis.asyncio import Redis

from atlas_async.contrib.taskiq._reaper import Reaper
from atlas_async.contrib.taskiq._receiver import StreamBroker

from .conftest import until

pytestmark = pytest.mark.anyio


async def test_a_heartbeat_keeps_alive_only_what_its_worker_holds(redis: Any) -> None:
    """Of the entries pending for one consumer, the heartbeat refreshes those the worker still
    holds; an entry it let go of (its item cancelled, its acknowledgement lost) goes back."""
    stream, group = "hb:tasks", "hb:workers"
    await redis.xgroup_create(stream, group, id="0", mkstream=True)
    for data in (b"held", b"let go"):
        await redis.xadd(stream, {b"data": data})
    taken = await redis.xreadgroup(group, "alive", {stream: ">"}, count=2)
    ids = [entry_id for entry_id, _fields in taken[0][1]]
    # Both look 10 s idle (as if delivered long ago) without waiting for it.
    await redis.xclaim(stream, group, "alive", min_idle_time=0, message_ids=ids, idle=10_000)
    reaper = Reaper(redis, stream, group, idle_timeout=5.0)

    held = frozenset({ids[0].decode()})
    assert await reaper.heartbeat("someone else", held) == 0  # not its entry
    assert await reaper.heartbeat("alive", held) == 1
    assert await reaper.sweep() == 1  # "let go" went back; "held" stays with its worker
    pending = await redis.xpending_range(stream, group, min="-", max="+", count=10)
    assert [(p["message_id"], p["consumer"]) for p in pending] == [(ids[0], b"alive")]
    requeued = await redis.xrange(stream, min=b"(" + ids[1], max="+")
    assert [fields for _id, fields in requeued] == [{b"data": b"let go"}]


async def test_the_reader_ends_when_cancelled_though_a_command_swallowed_it(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Python 3.11 ``asyncio.wait_for`` (around redis-py's sends) can lose a cancellation;
    taskiq cancels its read once and waits for it, so the reader must notice and end."""
    reads = 0
    swallowed = 0
    real = Redis.xreadgroup

    async def swallowing(self: Redis, *args: Any, **kwargs: Any) -> Any:
        nonlocal reads, swallowed
        reads += 1
        try:
            return await real(self, *args, **kwargs)
        except asyncio.CancelledError:
            if swallowed:  # once: a failing test must not keep the event loop from closing
                raise
            swallowed += 1
            return []  # what the lost cancellation leaves: a read that found nothing

    monkeypatch.setattr(Redis, "xreadgroup", swallowing)
    broker = StreamBroker(
        redis_url, queue_name="r:tasks", consumer_group_name="r:workers", xread_block=5000
    )
    await broker.startup()
    try:
        entries = broker.listen()
        reading = asyncio.ensure_future(anext(entries))
        await until(lambda: reads == 1, "the reader is blocked in its first read")
        reading.cancel()
        done, _ = await asyncio.wait({reading}, timeout=30)
        assert reading in done
        assert reading.cancelled()
        assert swallowed == 1
        assert reads == 1  # it did not read again after the lost cancellation
        await entries.aclose()
    finally:
        await broker.shutdown()
