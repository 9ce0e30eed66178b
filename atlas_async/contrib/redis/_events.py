"""``RedisEventStore``: webhook de-duplication shared by every replica that receives webhooks.

One key per event, ``<prefix>:webhook:event:<event_id>``, holding either ``claimed:<token>`` (a
delivery is running the handlers; the key expires with the lease) or ``processed`` (kept for
``processed_ttl``). Each claim gets a fresh random token, and marking or releasing is a
compare-and-set in Lua: a replica whose lease expired (its handlers ran longer than ``lease``)
can no longer release or overwrite the claim another replica took meanwhile.
"""

from __future__ import annotations

import secrets
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from ..._log import logger as get_logger
from .._asyncio import require_asyncio
from ._connection import check_redis, key_prefix

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from ...webhooks import ClaimResult

__all__ = ["ATLAS_RETRY_WINDOW", "RedisEventStore"]

logger = get_logger("atlas_async.contrib.redis")

#: Seconds from a delivery's first attempt to Atlas's last retry (1 min + 5 min + 30 min + 2 h):
#: a processed id must be remembered at least this long, or a late retry would run again.
ATLAS_RETRY_WINDOW = 60 + 300 + 1800 + 7200

# KEYS[1] the event's key; ARGV[1] "claimed:<token>", ARGV[2] the lease in ms.
_CLAIM = """
local current = redis.call('GET', KEYS[1])
if current == 'processed' then return 'processed' end
if current then return 'in_progress' end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 'claimed'
"""

# ARGV[1] "claimed:<token>", ARGV[2] the processed TTL in seconds. Marks only our own claim, or
# an event nobody holds any more (our lease ran out, but the handlers did succeed); never
# another delivery's live claim. 1: marked; 0: another delivery holds it.
_MARK = """
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] or not current then
  redis.call('SET', KEYS[1], 'processed', 'EX', ARGV[2])
  return 1
end
if current == 'processed' then return 1 end
return 0
"""

# ARGV[1] "claimed:<token>". Deletes the claim only if it is still ours.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# The tokens of the claims the current task holds (the dispatcher claims, runs the handlers
# and marks or releases in one task), so two deliveries of one event in one process never mix
# up their tokens; the instance's table is the fallback for a caller that splits the steps.
_HELD: ContextVar[dict[tuple[int, str], str] | None] = ContextVar(
    "atlas_redis_claims", default=None
)


class RedisEventStore:
    """An :class:`~atlas_async.webhooks.EventStore` in Redis, for webhook receivers running in
    several processes or machines: each event's handlers run once, wherever it lands.

    ``redis`` is a redis-py asyncio client (:func:`connect` makes one on a blocking pool).
    ``lease``: seconds a claim lasts; a delivery still running after it may be overtaken by a
    redelivery, so set it above your slowest handler (and well below Atlas's first retry, 60 s,
    if you want a crashed replica's event retried at once: the default is 60).
    ``processed_ttl``: seconds a processed id is remembered; at least Atlas's whole retry window
    (2 h 36 min, :data:`ATLAS_RETRY_WINDOW`); default 24 h. ``prefix`` starts every key.

    ``WebhookDispatcher(secret=..., store=RedisEventStore(client))``. asyncio only.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        lease: float = 60.0,
        processed_ttl: float = 24 * 3600,
        prefix: str = "atlas",
    ) -> None:
        check_redis(redis)
        if not lease > 0:
            raise ValueError("lease must be a positive number of seconds")
        if processed_ttl < ATLAS_RETRY_WINDOW:
            raise ValueError(
                f"processed_ttl must cover Atlas's retry window ({ATLAS_RETRY_WINDOW} s, "
                f"2 h 36 min), got {processed_ttl!r}: a late retry would run the handlers again"
            )
        self._redis = redis
        self.lease = float(lease)
        self.processed_ttl = float(processed_ttl)
        self._prefix = key_prefix(prefix) + ":webhook:event:"
        self._claim = redis.register_script(_CLAIM)
        self._mark = redis.register_script(_MARK)
        self._release = redis.register_script(_RELEASE)
        self._tokens: dict[str, str] = {}

    def __repr__(self) -> str:  # never the connection URL (it may hold a password)
        return f"<RedisEventStore prefix={self._prefix!r} lease={self.lease:g}s>"

    def key(self, event_id: str) -> str:
        """The Redis key of ``event_id``."""
        return self._prefix + event_id

    async def claim(self, event_id: str) -> ClaimResult:
        require_asyncio("RedisEventStore")
        token = "claimed:" + secrets.token_hex(16)
        result = _text(
            await self._claim(keys=[self.key(event_id)], args=[token, int(self.lease * 1000)])
        )
        if result == "claimed":
            held = dict(_HELD.get() or {})
            held[id(self), event_id] = token
            _HELD.set(held)
            self._tokens[event_id] = token
            return "claimed"
        if result == "processed":
            return "processed"
        return "in_progress"

    async def mark_processed(self, event_id: str) -> None:
        require_asyncio("RedisEventStore")
        token = self._take(event_id)
        marked = await self._mark(
            keys=[self.key(event_id)], args=[token or "", int(self.processed_ttl)]
        )
        if not marked:
            logger.warning(
                "webhook %s: the claim's lease (%gs) ran out before the handlers finished and "
                "another delivery holds it now; it will mark the event (raise lease= above your "
                "slowest handler)",
                event_id,
                self.lease,
            )

    async def release(self, event_id: str) -> None:
        require_asyncio("RedisEventStore")
        token = self._take(event_id)
        if token is not None:
            await self._release(keys=[self.key(event_id)], args=[token])

    def _take(self, event_id: str) -> str | None:
        held = _HELD.get() or {}
        mine = (id(self), event_id)
        token = held.get(mine) or self._tokens.get(event_id)
        if mine in held:
            _HELD.set({k: v for k, v in held.items() if k != mine})
        if self._tokens.get(event_id) == token:
            self._tokens.pop(event_id, None)
        return token


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
