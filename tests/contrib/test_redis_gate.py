"""RedisRateGate against a real redis-server: a 429 seen through one gate pauses another gate
of the same name (as in another process), only ever extended, on the server's clock; a Redis
that goes away degrades to a per-process pause instead of failing requests."""

from __future__ import annotations

import anyio
import pytest
from redis.asyncio import Redis

from atlas_async import RateGate, RetryPolicy
from atlas_async.contrib.redis import RedisRateGate, connect

from .conftest import RedisServer

pytestmark = pytest.mark.anyio


async def test_a_pause_is_shared(clients: tuple[Redis, Redis]) -> None:
    here, there = RedisRateGate(clients[0]), RedisRateGate(clients[1])
    assert isinstance(here, RateGate)
    assert await there.remaining() == 0
    await here.pause(30)
    assert 29 < await there.remaining() <= 30
    assert await RedisRateGate(clients[1], name="other-key").remaining() == 0


async def test_a_shorter_retry_after_never_shortens_the_pause(
    clients: tuple[Redis, Redis],
) -> None:
    here, there = RedisRateGate(clients[0]), RedisRateGate(clients[1])
    await here.pause(30)
    await there.pause(1)
    assert await here.remaining() > 29
    await there.pause(40)
    assert await here.remaining() > 39


async def test_the_key_expires_with_the_pause(clients: tuple[Redis, Redis]) -> None:
    gate = RedisRateGate(clients[0])
    await gate.pause(5)
    assert 5000 < await clients[0].pttl(gate.key) <= 6000


async def test_wait_stops_at_the_deadline(clients: tuple[Redis, Redis]) -> None:
    gate = RedisRateGate(clients[0])
    await RedisRateGate(clients[1]).pause(60)
    started = anyio.current_time()
    await gate.wait(started + 0.05)
    assert anyio.current_time() - started < 5


async def test_wait_returns_when_the_shared_pause_ends(clients: tuple[Redis, Redis]) -> None:
    gate = RedisRateGate(clients[0])
    await RedisRateGate(clients[1]).pause(0.2)
    with anyio.fail_after(10):
        await gate.wait(None)
    assert await gate.remaining() == 0


async def test_pause_for_caps_retry_after_by_the_policy(clients: tuple[Redis, Redis]) -> None:
    gate = RedisRateGate(clients[0], policy=RetryPolicy(max_retry_after=10))
    assert gate.pause_for(500) == 10


async def test_redis_away_degrades_to_this_process(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = connect(own_redis.url, socket_timeout=1.0)
    try:
        gate = RedisRateGate(client)
        own_redis.stop()
        await gate.pause(30)  # no error: this process still pauses
        assert await gate.remaining() > 29
        assert "pausing this process only" in caplog.text
    finally:
        await client.aclose()


def test_bad_names_are_refused() -> None:
    import redis.asyncio

    with pytest.raises(ValueError, match="name"):
        RedisRateGate(redis.asyncio.Redis(), name="two words")
