"""RedisTokenStore against a real redis-server: tokens round-trip, an unreadable value is a
clear error that never echoes it, the refresh lock is a lease with a bounded wait."""

from __future__ import annotations

import json

import pytest
from redis.asyncio import Redis

from atlas_async.contrib.redis import RedisTokenStore
from atlas_async.oauth import OAuthError, OAuthTokens, SharedTokenStore

pytestmark = pytest.mark.anyio

TOKENS = OAuthTokens(
    access_token="at_secret_value_1",
    refresh_token="rt_secret_value_1",
    expires_at=1_800_000_000.0,
    client_id="client_1",
    issuer="http://127.0.0.1:1",
)


async def test_round_trip(redis: Redis) -> None:
    store = RedisTokenStore(redis)
    assert isinstance(store, SharedTokenStore)
    assert await store.load() is None
    await store.save(TOKENS)
    assert await RedisTokenStore(redis).load() == TOKENS
    await store.clear()
    assert await store.load() is None
    assert "secret" not in repr(store)


async def test_one_key_per_grant(redis: Redis) -> None:
    await RedisTokenStore(redis, key="tenant-a:tokens").save(TOKENS)
    assert await RedisTokenStore(redis, key="tenant-b:tokens").load() is None


async def test_an_unreadable_value_is_a_clear_error(redis: Redis) -> None:
    store = RedisTokenStore(redis)
    await redis.set(store.key, json.dumps({"format": "other", "access_token": "leak_me"}))
    with pytest.raises(OAuthError, match="log in again") as caught:
        await store.load()
    assert "leak_me" not in str(caught.value)


async def test_the_refresh_lock_is_exclusive_and_bounded(redis: Redis) -> None:
    holder = RedisTokenStore(redis, lock_timeout=30)
    waiter = RedisTokenStore(redis, lock_wait=0.2)
    async with holder.refresh_lock():
        assert 0 < await redis.pttl(holder.key + ":refresh-lock") <= 30_000  # a lease
        with pytest.raises(OAuthError, match="held the token refresh lock"):
            async with waiter.refresh_lock():
                pass
    async with waiter.refresh_lock():  # free again
        pass


async def test_a_lock_whose_lease_ran_out_is_not_released_twice(redis: Redis) -> None:
    store = RedisTokenStore(redis)
    async with store.refresh_lock():
        await redis.delete(store.key + ":refresh-lock")  # the lease expired meanwhile
        other = redis.lock(store.key + ":refresh-lock", timeout=30)
        assert await other.acquire(blocking=False)
    assert await redis.exists(store.key + ":refresh-lock")  # the other holder keeps it
