"""``RedisWaiterBus``: a webhook handled on any replica wakes ``wait_until_signed`` on every one.

Notices travel on a Redis stream (``<prefix>:waiters``), not pub/sub: each process reads it from
the last entry it saw, so a reader that lost its connection resumes where it stopped and
nothing published meanwhile is lost. While the reader is cut off, waiters keep polling on their
own schedule (the SDK's waiters always poll; the bus only makes them return sooner), and once it
is back, every local waiter is nudged to poll at once, in case the stream was trimmed past the
gap. The stream is capped (``maxlen``, approximate trimming), so it never grows without bound.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio

from ..._log import logger as get_logger
from ..._retry import backoff
from ..._waiters import LocalWaiterBus, Subscription
from .._asyncio import require_asyncio
from ._connection import check_redis, key_prefix

if TYPE_CHECKING:
    from anyio.abc import TaskGroup
    from redis.asyncio import Redis

__all__ = ["RedisWaiterBus"]

logger = get_logger("atlas_async.contrib.redis")

_NO_STATUS = ""


class RedisWaiterBus:
    """A :class:`~atlas_async.WaiterBus` shared by every process on one Redis.

    ::

        redis = connect("redis://localhost:6379/0")
        async with RedisWaiterBus(redis) as bus, Atlas(waiter_bus=bus) as atlas:
            webhooks = WebhookDispatcher(secret=key, client=atlas, store=RedisEventStore(redis))
            ...

    ``async with bus:`` runs the reader that delivers notices to this process's waiters; a
    subscription outside it raises RuntimeError. ``maxlen``: entries the stream keeps (about).
    ``block``: seconds one read waits for news before asking again. asyncio only.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "atlas",
        maxlen: int = 10_000,
        block: float = 5.0,
    ) -> None:
        check_redis(redis)
        if maxlen < 100:
            raise ValueError("maxlen must be at least 100")
        if not 0 < block <= 60:
            raise ValueError("block must be between 0 and 60 seconds")
        self._redis = redis
        self.stream = key_prefix(prefix) + ":waiters"
        self.maxlen = maxlen
        self._block_ms = max(int(block * 1000), 1)
        self._local = LocalWaiterBus()
        self._tg: TaskGroup | None = None
        self._watched: dict[str, int] = {}
        self._ready: anyio.Event | None = None
        #: False while the reader cannot reach Redis (waiters then rely on polling alone).
        self.connected = False
        #: Notices read from the stream so far (this process).
        self.received = 0

    def __repr__(self) -> str:  # never the connection URL (it may hold a password)
        state = "running" if self._tg is not None else "stopped"
        return f"<RedisWaiterBus stream={self.stream!r} {state}>"

    # -- lifecycle --------------------------------------------------------------------------------

    async def __aenter__(self) -> RedisWaiterBus:
        require_asyncio("RedisWaiterBus")
        if self._tg is not None:
            raise RuntimeError("this RedisWaiterBus is already running")
        # The position is taken before the reader starts, so a notice published after
        # ``async with`` returned is never missed, even before the first read.
        start = await self._tail()
        self._ready = anyio.Event()
        tg = anyio.create_task_group()
        await tg.__aenter__()
        self._tg = tg
        tg.start_soon(self._read, start)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        tg, self._tg = self._tg, None
        assert tg is not None
        tg.cancel_scope.cancel()
        self.connected = False
        return await tg.__aexit__(exc_type, exc, tb)

    # -- the WaiterBus protocol -----------------------------------------------------------------

    @asynccontextmanager
    async def subscribe(self, envelope_id: str) -> AsyncIterator[Subscription]:
        require_asyncio("RedisWaiterBus")
        if self._tg is None:
            raise RuntimeError("start the bus first: `async with RedisWaiterBus(redis) as bus:`")
        self._watched[envelope_id] = self._watched.get(envelope_id, 0) + 1
        try:
            async with self._local.subscribe(envelope_id) as sub:
                yield sub
        finally:
            left = self._watched.pop(envelope_id) - 1
            if left:
                self._watched[envelope_id] = left

    async def publish(self, envelope_id: str, status: str | None = None) -> None:
        require_asyncio("RedisWaiterBus")
        try:
            await self._redis.xadd(
                self.stream,
                {"envelope_id": envelope_id, "status": status or _NO_STATUS},
                maxlen=self.maxlen,
                approximate=True,
            )
        except BaseException:
            # Redis is out of reach: this process's waiters still hear it; the others will at
            # their next poll (the dispatcher logs the failure).
            self._local.deliver(envelope_id, status)
            raise

    def waiting(self, envelope_id: str) -> int:
        """How many waiters of this process listen to ``envelope_id``."""
        return self._local.waiting(envelope_id)

    # -- the reader ------------------------------------------------------------------------------

    async def _tail(self) -> str:
        """The id of the stream's last entry ("0-0" for an empty stream)."""
        last = await self._redis.xrevrange(self.stream, count=1)
        return _text(last[0][0]) if last else "0-0"

    async def _read(self, position: str) -> None:
        failures = 0
        while True:
            try:
                batches = await self._redis.xread(
                    {self.stream: position}, block=self._block_ms, count=500
                )
            except Exception as exc:
                # A lost connection, a restarting server: wait, then resume from ``position``.
                if failures == 0:
                    logger.warning(
                        "waiter bus: cannot read %s (%s); waiters fall back to polling until "
                        "Redis is back",
                        self.stream,
                        type(exc).__name__,
                    )
                self.connected = False
                await anyio.sleep(backoff(failures, initial=0.1, maximum=5.0))
                failures += 1
                continue
            if not self.connected:
                self.connected = True
                if failures:
                    logger.info("waiter bus: reading %s again", self.stream)
                    self._nudge_everyone()
                failures = 0
            position = self._deliver(batches, position)

    def _deliver(self, batches: Any, position: str) -> str:
        for _stream, entries in batches or ():
            for entry_id, fields in entries:
                position = _text(entry_id)
                envelope_id = _field(fields, "envelope_id")
                status = _field(fields, "status") or None
                self.received += 1
                if envelope_id:
                    self._local.deliver(envelope_id, status)
        return position

    def _nudge_everyone(self) -> None:
        # Whatever the stream lost while we were away, one poll now finds it out.
        for envelope_id in list(self._watched):
            self._local.deliver(envelope_id, None)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _field(fields: Any, name: str) -> str:
    # bytes keys by default; str keys from a client made with decode_responses=True
    value = fields.get(name.encode(), fields.get(name, b""))
    return _text(value)
