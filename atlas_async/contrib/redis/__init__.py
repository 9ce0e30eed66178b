"""Redis-backed state for atlas_async running in several processes (``atlas-async[redis]``).

::

    from atlas_async.contrib.redis import (
        RedisEventStore, RedisRateGate, RedisTokenStore, RedisWaiterBus, connect,
    )

    redis = connect("redis://localhost:6379/0")  # redis-py asyncio, BlockingConnectionPool
    async with RedisWaiterBus(redis) as bus, Atlas(waiter_bus=bus) as atlas:
        webhooks = WebhookDispatcher(secret=key, client=atlas, store=RedisEventStore(redis))

- :class:`RedisEventStore`: each webhook's handlers run once, whichever replica it reaches.
- :class:`RedisWaiterBus`: a webhook on any replica wakes ``wait_until_signed`` on every replica.
- :class:`RedisTokenStore`: processes share one OAuth grant and refresh it once per expiry.
- :class:`RedisRateGate`: a 429 seen by one process pauses every process.

Built on redis-py's asyncio client, so asyncio only: under trio each raises
:class:`AsyncioRequiredError`. Needs Redis 6.2 or later.
"""

from __future__ import annotations

from .._asyncio import AsyncioRequiredError
from ._connection import connect
from ._events import ATLAS_RETRY_WINDOW, RedisEventStore
from ._gate import RedisRateGate
from ._tokens import RedisTokenStore
from ._waiters import RedisWaiterBus

__all__ = [
    "ATLAS_RETRY_WINDOW",
    "AsyncioRequiredError",
    "RedisEventStore",
    "RedisRateGate",
    "RedisTokenStore",
    "RedisWaiterBus",
    "connect",
]
