"""RedisEventStore against a real redis-server: leased claims with a token each, compare-and-set
mark and release, processed ids kept for Atlas's retry window, a blocking pool under load."""

from __future__ import annotations

import logging

import anyio
import pytest
from redis.asyncio import Redis

from atlas_async.contrib.redis import ATLAS_RETRY_WINDOW, RedisEventStore, connect
from atlas_async.webhooks import EnvelopeSignedEvent, EventStore, WebhookDispatcher

from ..webhooks.atlas_webhook_samples import SECRET, event_payload, signed
from .conftest import until

pytestmark = pytest.mark.anyio


async def test_it_is_an_event_store(redis: Redis) -> None:
    assert isinstance(RedisEventStore(redis), EventStore)


async def test_claim_then_processed_then_duplicate(redis: Redis) -> None:
    store = RedisEventStore(redis)
    assert await store.claim("evt_1") == "claimed"
    assert await store.claim("evt_1") == "in_progress"
    await store.mark_processed("evt_1")
    assert await store.claim("evt_1") == "processed"
    ttl = await redis.ttl(store.key("evt_1"))
    assert 24 * 3600 - 60 < ttl <= 24 * 3600


async def test_a_claim_is_a_lease(redis: Redis) -> None:
    store = RedisEventStore(redis, lease=30)
    await store.claim("evt_lease")
    assert 29_000 < await redis.pttl(store.key("evt_lease")) <= 30_000


async def test_release_lets_a_redelivery_run_again(redis: Redis) -> None:
    store = RedisEventStore(redis)
    assert await store.claim("evt_2") == "claimed"
    await store.release("evt_2")
    assert await store.claim("evt_2") == "claimed"


async def test_an_expired_lease_cannot_erase_the_next_claim(
    redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    """Replica A's lease runs out mid-handler; replica B claims the event. A's release and mark
    must leave B's claim alone (the sketch this replaces deleted it unconditionally)."""
    replica_a, replica_b = RedisEventStore(redis), RedisEventStore(redis)
    assert await replica_a.claim("evt_3") == "claimed"
    await redis.delete(replica_a.key("evt_3"))  # what the lease's expiry does
    assert await replica_b.claim("evt_3") == "claimed"
    b_claim = await redis.get(replica_b.key("evt_3"))

    await replica_a.release("evt_3")
    assert await redis.get(replica_b.key("evt_3")) == b_claim
    with caplog.at_level(logging.WARNING, logger="atlas_async.contrib.redis"):
        await replica_a.mark_processed("evt_3")
    assert await redis.get(replica_b.key("evt_3")) == b_claim
    assert "another delivery holds it" in caplog.text
    assert await replica_a.claim("evt_3") == "in_progress"

    await replica_b.mark_processed("evt_3")
    assert await replica_a.claim("evt_3") == "processed"


async def test_a_late_mark_still_records_success_when_nobody_else_claimed(redis: Redis) -> None:
    store = RedisEventStore(redis)
    await store.claim("evt_4")
    await redis.delete(store.key("evt_4"))  # the lease ran out; no redelivery came meanwhile
    await store.mark_processed("evt_4")
    assert await store.claim("evt_4") == "processed"


async def test_two_claims_in_one_process_keep_their_own_tokens(redis: Redis) -> None:
    """Two deliveries of one event in one process (the first's lease ran out): each task marks
    or releases with its own claim's token."""
    store = RedisEventStore(redis)
    first_claimed = anyio.Event()
    second_done = anyio.Event()
    outcome: dict[str, str] = {}

    async def first() -> None:
        outcome["first"] = await store.claim("evt_5")
        first_claimed.set()
        await second_done.wait()
        await store.release("evt_5")  # must not drop the second delivery's claim

    async def second() -> None:
        await first_claimed.wait()
        await redis.delete(store.key("evt_5"))  # the first lease expires
        outcome["second"] = await store.claim("evt_5")
        second_done.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(first)
        tg.start_soon(second)
    assert outcome == {"first": "claimed", "second": "claimed"}
    assert await store.claim("evt_5") == "in_progress"


async def test_a_thousand_concurrent_claims_wait_for_a_small_pool(redis_url: str) -> None:
    client = connect(redis_url, max_connections=4)
    store = RedisEventStore(client)
    results: list[str] = []

    async def claim(n: int) -> None:
        results.append(await store.claim(f"evt_burst_{n % 100}"))

    try:
        async with anyio.create_task_group() as tg:
            for n in range(1000):
                tg.start_soon(claim, n)
    finally:
        await client.aclose()
    assert results.count("claimed") == 100
    assert results.count("in_progress") == 900


async def test_processed_ids_outlive_the_retry_window(redis: Redis) -> None:
    with pytest.raises(ValueError, match="retry window"):
        RedisEventStore(redis, processed_ttl=ATLAS_RETRY_WINDOW - 1)
    with pytest.raises(ValueError, match="lease"):
        RedisEventStore(redis, lease=0)
    assert ATLAS_RETRY_WINDOW == 9360  # 1 min + 5 min + 30 min + 2 h


async def test_a_sync_client_is_refused() -> None:
    import redis as sync_redis

    with pytest.raises(TypeError, match=r"redis\.asyncio\.Redis"):
        RedisEventStore(sync_redis.Redis())  # type: ignore[arg-type]


async def test_repr_shows_no_password(redis_url: str) -> None:
    client = connect(redis_url.replace("redis://", "redis://:hunter2@"))
    try:
        assert "hunter2" not in repr(RedisEventStore(client))
    finally:
        await client.aclose()


async def test_two_replicas_run_each_handler_once(redis: Redis) -> None:
    """Two dispatchers (two replicas' worth) on one Redis: the same event delivered to both,
    concurrently and again afterwards, runs its handler once."""
    runs: list[str] = []
    gate = anyio.Event()

    def replica() -> WebhookDispatcher:
        hooks = WebhookDispatcher(secret=SECRET, store=RedisEventStore(redis))

        @hooks.on(EnvelopeSignedEvent)
        async def record(event: EnvelopeSignedEvent) -> None:
            runs.append(event.event_id)
            await gate.wait()  # still running when the other replica gets the duplicate

        return hooks

    a, b = replica(), replica()
    body, header = signed(event_payload("envelope.signed", envelope_id="env-r"))
    answers: list[int] = []

    async def deliver(hooks: WebhookDispatcher) -> None:
        answers.append((await hooks.respond(body, header)).status_code)

    async with anyio.create_task_group() as tg:
        tg.start_soon(deliver, a)
        tg.start_soon(deliver, b)
        await until(lambda: answers, "one replica answers 409 while the other's handler runs")
        gate.set()
    await deliver(b)
    assert len(runs) == 1
    assert sorted(answers) == [200, 200, 409]
