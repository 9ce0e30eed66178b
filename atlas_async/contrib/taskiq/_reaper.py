"""Keeping the task stream healthy: tasks of a dead worker go back in the queue, done ones go.

A worker that dies (SIGKILL, a lost machine) leaves the tasks it had taken pending in the
consumer group, unacknowledged. The reaper, run by every worker, puts a task pending longer than
``idle_timeout`` back at the end of the stream and acknowledges the old copy, in one Lua script,
so exactly one worker takes it next. It also trims the entries
every worker has read and acknowledged, so the stream does not grow with every batch.

Redis counts a pending task's idle time from its delivery, so a task a live worker runs for
longer than ``idle_timeout`` would look abandoned too. Every worker therefore sends a heartbeat
for the tasks it holds (:meth:`Reaper.heartbeat`, before each sweep, several times per
``idle_timeout``): ``idle_timeout`` is how long a worker may stay silent, not how long a task may
run.
"""

from __future__ import annotations

from collections.abc import Set
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["HEARTBEATS", "Reaper"]

#: Heartbeats (and sweeps) per ``idle_timeout``: a heartbeat may come late by three quarters of
#: ``idle_timeout`` (a busy event loop, a slow Redis) before a live worker's task looks abandoned.
HEARTBEATS = 4
#: The most pending entries one heartbeat looks at: far more than a worker holds at once.
_HELD_MAX = 1000

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
        #: Sweeps done, and held tasks kept alive by heartbeats (a task once per heartbeat).
        self.sweeps = 0
        self.refreshed = 0

    async def heartbeat(self, consumer: str, held: Set[str]) -> int:
        """Reset the idle time of the entries pending for ``consumer`` whose ids are in
        ``held`` (what that worker took and has not finished with); how many. Its entries it no
        longer holds (an item cancelled, an acknowledgement lost) are left to go back."""
        if not held:
            return 0
        pending = await self._redis.xpending_range(
            self.stream, self.group, min="-", max="+", count=_HELD_MAX, consumername=consumer
        )
        mine: list[Any] = [p["message_id"] for p in pending if _text(p["message_id"]) in held]
        if not mine:
            return 0
        # Claiming an entry for the consumer that has it resets its idle time (JUSTID: and
        # leaves its delivery count alone). An entry acknowledged meanwhile is not claimed.
        claimed = await self._redis.xclaim(
            self.stream, self.group, consumer, min_idle_time=0, message_ids=mine, justid=True
        )
        self.refreshed += len(claimed)
        return len(claimed)

    async def sweep(self) -> int:
        """One pass: requeue what has been pending too long, then trim; how many went back."""
        back = int(
            await self._requeue(
                keys=[self.stream], args=[self.group, "atlas-reaper", self.idle_ms, 100]
            )
        )
        self.requeued += back
        self.sweeps += 1
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
