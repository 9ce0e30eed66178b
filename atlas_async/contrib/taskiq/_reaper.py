"""Keeping the task stream healthy: tasks of a dead worker go back in the queue, done ones go.

A worker that dies (SIGKILL, a lost machine) leaves the tasks it had taken pending in the
consumer group, unacknowledged. taskiq-redis reclaims such tasks only when a read brings new
ones, so the last tasks of a batch could wait forever; the reaper, run by every worker, puts a
task pending longer than ``idle_timeout`` back at the end of the stream and acknowledges the
old copy, in one Lua script, so exactly one worker takes it next. It also trims the entries
every worker has read and acknowledged, so the stream does not grow with every batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["Reaper"]

# KEYS[1] the stream; ARGV: group, consumer, min idle ms, count. -> how many went back.
_REQUEUE = """
local claimed = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], '0-0', 'COUNT', ARGV[4])
local n = 0
for _, entry in ipairs(claimed[2]) do
  if type(entry) == 'table' then
    if type(entry[2]) == 'table' then
      redis.call('XADD', KEYS[1], '*', unpack(entry[2]))
      n = n + 1
    end
    redis.call('XACK', KEYS[1], ARGV[1], entry[1])
  end
end
return n
"""


def _stream_id(value: Any) -> tuple[int, int]:
    text = value.decode() if isinstance(value, bytes) else str(value)
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


class Reaper:
    """Requeue stale tasks and trim acknowledged ones, for one stream and consumer group."""

    def __init__(self, redis: Redis, stream: str, group: str, idle_timeout: float) -> None:
        self._redis = redis
        self.stream = stream
        self.group = group
        self.idle_ms = max(int(idle_timeout * 1000), 1)
        self._requeue = redis.register_script(_REQUEUE)
        #: Tasks this reaper put back in the queue.
        self.requeued = 0

    async def sweep(self) -> int:
        """One pass: requeue what has been pending too long, then trim; how many went back."""
        back = int(
            await self._requeue(
                keys=[self.stream], args=[self.group, "atlas-reaper", self.idle_ms, 100]
            )
        )
        self.requeued += back
        await self._trim()
        return back

    async def _trim(self) -> None:
        groups = await self._redis.xinfo_groups(self.stream)
        mine = next((g for g in groups if _text(g.get("name")) == self.group), None)
        if mine is None:
            return
        floor = _stream_id(mine["last-delivered-id"])
        pending = await self._redis.xpending(self.stream, self.group)
        if pending.get("pending") and pending.get("min") is not None:
            floor = min(floor, _stream_id(pending["min"]))
        # Entries below the floor were delivered and acknowledged: nobody needs them again.
        await self._redis.xtrim(self.stream, minid=f"{floor[0]}-{floor[1]}", approximate=False)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
