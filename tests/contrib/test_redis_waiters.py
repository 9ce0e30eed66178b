"""RedisWaiterBus against a real redis-server: news published by one process's bus reaches the
waiters of another's; a reader that loses Redis resumes where it stopped and nudges its waiters
to poll; wait_until_signed on one "replica" returns by a webhook received by another."""

from __future__ import annotations

import anyio
import httpx
import pytest
from redis.asyncio import Redis

from atlas_async import Atlas, Notice, Party, WaiterBus
from atlas_async.contrib.redis import RedisWaiterBus, connect
from atlas_async.testing import FakeAtlas
from atlas_async.webhooks import WebhookDispatcher
from atlas_async.webhooks.asgi import WebhookApp

from .conftest import CEILING, RedisServer, until

pytestmark = pytest.mark.anyio

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


async def test_it_is_a_waiter_bus(clients: tuple[Redis, Redis]) -> None:
    assert isinstance(RedisWaiterBus(clients[0]), WaiterBus)


async def test_a_notice_reaches_the_other_process(clients: tuple[Redis, Redis]) -> None:
    async with RedisWaiterBus(clients[0]) as here, RedisWaiterBus(clients[1]) as there:
        async with there.subscribe("env_1") as sub, here.subscribe("env_1") as mine:
            assert there.waiting("env_1") == 1
            await here.publish("env_1", "signed")
            assert await sub.next(CEILING) == Notice("env_1", "signed")
            assert await mine.next(CEILING) == Notice("env_1", "signed")
            await here.publish("env_1")  # no status: "something happened, poll now"
            assert await sub.next(CEILING) == Notice("env_1", None)
        assert there.waiting("env_1") == 0


async def test_a_notice_for_another_envelope_wakes_nobody(clients: tuple[Redis, Redis]) -> None:
    async with (
        RedisWaiterBus(clients[0]) as here,
        RedisWaiterBus(clients[1]) as there,
        there.subscribe("env_2") as sub,
    ):
        await here.publish("env_other", "signed")
        await here.publish("env_2", "declined")
        assert await sub.next(CEILING) == Notice("env_2", "declined")


async def test_subscribing_before_the_bus_runs_is_an_error(clients: tuple[Redis, Redis]) -> None:
    bus = RedisWaiterBus(clients[0])
    with pytest.raises(RuntimeError, match="async with RedisWaiterBus"):
        async with bus.subscribe("env_3"):
            pass


async def test_the_stream_is_capped(clients: tuple[Redis, Redis]) -> None:
    bus = RedisWaiterBus(clients[0], maxlen=100)
    for n in range(1000):
        await bus.publish(f"env_{n}", "pending")
    assert await clients[0].xlen(bus.stream) < 400  # approximate trimming keeps about maxlen
    with pytest.raises(ValueError, match="maxlen"):
        RedisWaiterBus(clients[0], maxlen=10)


async def test_a_killed_connection_loses_nothing(clients: tuple[Redis, Redis]) -> None:
    """The reader's connection is killed; a notice published before it reconnects still
    arrives, because the reader resumes from the last entry it saw."""
    here, there_client = clients
    async with RedisWaiterBus(there_client, block=0.2) as there, there.subscribe("env_4") as sub:
        await here.xadd(there.stream, {"envelope_id": "warm", "status": ""})
        await until(lambda: there.received, "the reader is connected and reading")
        await here.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
        await RedisWaiterBus(here).publish("env_4", "signed")
        assert await sub.next(CEILING) == Notice("env_4", "signed")


async def test_redis_down_then_back(own_redis: RedisServer) -> None:
    """Redis goes away: publishing fails but still wakes this process's waiters; the reader says
    it is disconnected (waiters keep polling); when Redis is back every waiter is nudged to poll
    at once, in case news was lost with the server."""
    client = connect(own_redis.url, socket_timeout=1.0)
    try:
        async with RedisWaiterBus(client, block=0.2) as bus, bus.subscribe("env_5") as sub:
            await until(lambda: bus.connected, "the reader connected")
            own_redis.stop()
            await until(lambda: not bus.connected, "the reader noticed Redis is gone")
            with pytest.raises(Exception, match=r"(?i)connect"):
                await bus.publish("env_5", "signed")
            assert await sub.next(CEILING) == Notice("env_5", "signed")  # delivered locally
            own_redis.start()
            assert await sub.next(CEILING) == Notice("env_5", None)  # the nudge: poll now
            assert bus.connected
    finally:
        await client.aclose()


@pytest.mark.parametrize("many", [False, True], ids=["wait_until_signed", "wait_many"])
async def test_a_wait_returns_by_a_webhook_received_elsewhere(
    clients: tuple[Redis, Redis], many: bool
) -> None:
    """Replica A receives the webhooks; replica B waits (one envelope, or a table of them). B's
    wait ends on the envelope.signed event (source "webhook"), long before its next poll would
    have."""
    fake = FakeAtlas()
    redis_a, redis_b = clients
    http = httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url)
    async with (
        fake,
        http,
        RedisWaiterBus(redis_a) as bus_a,
        RedisWaiterBus(redis_b) as bus_b,
        Atlas(
            api_key=fake.api_key, base_url=fake.base_url, http_client=http, waiter_bus=bus_a
        ) as atlas_a,
        Atlas(
            api_key=fake.api_key, base_url=fake.base_url, http_client=http, waiter_bus=bus_b
        ) as atlas_b,
    ):
        fake.webhooks.route(
            "hooks.test", WebhookApp(WebhookDispatcher(fake.api_key, client=atlas_a))
        )
        env = await atlas_b.envelopes.create_and_send(
            PDF,
            parties=[Party(email="jane@example.com", name="Jane", role="Customer")],
            webhook_url="http://hooks.test/",
        )
        eid = str(env.envelope_id)
        result: dict[str, object] = {}

        async def wait() -> None:
            if many:
                waited = await atlas_b.envelopes.wait_many([eid], poll_interval=60, timeout=CEILING)
                result["source"] = waited.finished[eid].source
                return
            status = await atlas_b.envelopes.wait_until_signed(
                eid, poll_interval=60, timeout=CEILING
            )
            result["source"] = status.source

        async with anyio.create_task_group() as tg:
            tg.start_soon(wait)
            await until(lambda: bus_b.waiting(eid), "B's waiter subscribed")
            # ... and asked once (pending): the signature below is news only a webhook brings.
            status_path = f"/api/envelope/{eid}/status"
            await until(lambda: any(r.path == status_path for r in fake.requests), "B polled")
            await fake.sign(eid)
        assert result == {"source": "webhook"}
