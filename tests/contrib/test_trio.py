"""redis-py's asyncio client does not run under trio: every Redis-backed class says so, clearly,
before touching the network (no redis-server needed for these)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio
import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from atlas_async.contrib.redis import (
    AsyncioRequiredError,
    RedisEventStore,
    RedisRateGate,
    RedisTokenStore,
    RedisWaiterBus,
)

# A client that would fail loudly (and at once: no retries) if it were ever used: nothing may
# reach it under trio.
CLIENT = Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))


async def _bus_publish() -> None:
    await RedisWaiterBus(CLIENT).publish("env_1", "signed")


async def _bus_start() -> None:
    async with RedisWaiterBus(CLIENT):
        pass


async def _token_lock() -> None:
    async with RedisTokenStore(CLIENT).refresh_lock():
        pass


CALLS: dict[str, Callable[[], Awaitable[object]]] = {
    "RedisEventStore.claim": lambda: RedisEventStore(CLIENT).claim("evt_1"),
    "RedisEventStore.mark_processed": lambda: RedisEventStore(CLIENT).mark_processed("evt_1"),
    "RedisEventStore.release": lambda: RedisEventStore(CLIENT).release("evt_1"),
    "RedisWaiterBus.publish": _bus_publish,
    "RedisWaiterBus.__aenter__": _bus_start,
    "RedisTokenStore.load": lambda: RedisTokenStore(CLIENT).load(),
    "RedisTokenStore.refresh_lock": _token_lock,
    "RedisRateGate.wait": lambda: RedisRateGate(CLIENT).wait(None),
    "RedisRateGate.pause": lambda: RedisRateGate(CLIENT).pause(1),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_trio_gets_a_clear_error(name: str) -> None:
    with pytest.raises(AsyncioRequiredError, match=r"needs asyncio.*not trio"):
        anyio.run(CALLS[name], backend="trio")


def test_the_same_calls_run_under_asyncio() -> None:
    # The guard itself lets asyncio through (the call then fails on the closed port instead).
    with pytest.raises(Exception) as caught:  # noqa: PT011 - any error but the guard's
        anyio.run(CALLS["RedisEventStore.claim"], backend="asyncio")
    assert not isinstance(caught.value, AsyncioRequiredError)
