"""``RedisRateGate``: one 429 pause shared by every process that uses the same gate name.

The pause is one key, ``<prefix>:gate:<name>``, holding when it ends, in milliseconds on the Redis
server's clock (``TIME``): processes on several machines agree on it whatever their own clocks
say. Extending it is a Lua max(): a later, shorter ``Retry-After`` never shortens a pause. The key
expires with the pause, so an open gate costs one round trip per attempt and nothing else.

If Redis cannot be reached, the gate degrades to this process's own pause (and says so in the
log) instead of failing every request: a rate gate is a courtesy to the server, not a lock.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import anyio
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..._log import logger as get_logger
from ..._ratelimit import RateGate
from ..._retry import DEFAULT_RETRY, RetryPolicy
from .._asyncio import require_asyncio
from ._connection import check_redis, key_prefix

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisRateGate"]

logger = get_logger("atlas_async.contrib.redis")

# What "Redis is away" looks like; any other error (a script bug) is raised, not hidden.
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)

# -> milliseconds left on the pause (0: open). Server time, so every process agrees.
_REMAINING = """
local ends = tonumber(redis.call('GET', KEYS[1]) or '0')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ends > now then return ends - now end
return 0
"""

# ARGV[1] the pause in ms. Only ever extends; -> milliseconds left on the (possibly longer) pause.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local want = now + tonumber(ARGV[1])
local ends = tonumber(redis.call('GET', KEYS[1]) or '0')
if want > ends then
  redis.call('SET', KEYS[1], want, 'PX', tonumber(ARGV[1]) + 1000)
  ends = want
end
return ends - now
"""


class RedisRateGate(RateGate):
    """A :class:`~atlas_async.RateGate` shared through Redis: a 429 seen by any process pauses
    every process using the same ``name`` until its ``Retry-After`` has passed.

    ``Atlas(middleware=[gate])``, or ``send_all(..., rate_gate=gate)`` for bulk sending. Give one
    ``name`` per API key (the server limits per key). ``policy`` supplies the backoff for a 429
    without ``Retry-After`` and the cap on one with it. asyncio only.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        name: str = "default",
        prefix: str = "atlas",
        policy: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        super().__init__(policy)
        check_redis(redis)
        if not name or any(c.isspace() for c in name):
            raise ValueError(f"name must be a non-empty string without spaces, got {name!r}")
        self._redis = redis
        self.key = f"{key_prefix(prefix)}:gate:{name}"
        self._remaining = redis.register_script(_REMAINING)
        self._pause = redis.register_script(_PAUSE)
        # This process's own view of the pause (time.monotonic), used when Redis is away.
        self._local_until = 0.0
        self._degraded = False

    def __repr__(self) -> str:
        return f"<RedisRateGate key={self.key!r} pauses={self.pauses}>"

    async def remaining(self) -> float:
        """Seconds left on the shared pause (0 when the gate is open)."""
        require_asyncio("RedisRateGate")
        local = max(self._local_until - time.monotonic(), 0.0)
        try:
            shared = int(await self._remaining(keys=[self.key])) / 1000
        except _UNREACHABLE as exc:
            self._redis_failed(exc)
            return local
        self._redis_back()
        return max(shared, local)

    async def wait(self, deadline: float | None) -> None:
        # A loop: a pause another process extended while we slept is honoured too.
        while True:
            left = await self.remaining()
            if deadline is not None:
                left = min(left, deadline - anyio.current_time())
            if left <= 0:
                return
            await anyio.sleep(left)

    async def pause(self, seconds: float) -> None:
        require_asyncio("RedisRateGate")
        seconds = max(seconds, 0.0)
        self._local_until = max(self._local_until, time.monotonic() + seconds)
        try:
            await self._pause(keys=[self.key], args=[int(seconds * 1000)])
        except _UNREACHABLE as exc:
            self._redis_failed(exc)
            return
        self._redis_back()

    def _redis_failed(self, exc: Exception) -> None:
        if not self._degraded:
            self._degraded = True
            logger.warning(
                "rate gate %s: Redis unreachable (%s); pausing this process only until it is back",
                self.key,
                type(exc).__name__,
            )

    def _redis_back(self) -> None:
        if self._degraded:
            self._degraded = False
            logger.info("rate gate %s: Redis reachable again; the pause is shared again", self.key)
