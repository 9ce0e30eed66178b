"""A worker's side of taskiq: what it holds of the task stream, and items it did not finish.

taskiq's defaults fall short in three ways for a queue where a lost item must never happen and a
redelivered one should be rare:

- Its receiver catches the cancellation of a task function and then, acknowledging "when
  executed", acknowledges the task anyway: a worker stopped mid-item (Ctrl-C) would drop the
  item, and the producer would never hear of it. :class:`ItemReceiver` lets the cancellation
  through instead, so the task stays pending and another worker runs it after ``idle_timeout``.
  Its runner also leaves running items behind when it is cancelled; :meth:`Deliveries.stop`
  cancels and awaits them, so nothing runs on a connection pool that is about to close.
- Redis counts a pending entry's idle time from its delivery, not from the last sign of life of
  the worker running it: an item running longer than ``idle_timeout`` would look abandoned.
  :class:`Deliveries` knows which entries this worker holds (taken from the stream and not
  finished), so the worker's heartbeat refreshes exactly those. An entry whose run ended without
  an acknowledgement (an item cancelled, an acknowledgement lost) is no longer held, and goes
  back to the queue after ``idle_timeout`` like a dead worker's.
- taskiq-redis's reader takes entries in batches and claims stale ones into the reading worker,
  where they wait, unseen, behind the running items. :meth:`StreamBroker.listen` takes one entry
  at a time, when taskiq has room for it, and leaves stale entries to the reaper.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from redis.asyncio import Redis
from taskiq import AckableMessage, AsyncBroker, TaskiqMessage, TaskiqResult
from taskiq.receiver import Receiver
from taskiq_redis import RedisStreamBroker

from ..._log import logger as get_logger

__all__ = ["ACK_GRACE", "Deliveries", "ItemReceiver", "StreamBroker", "StreamEntry"]

logger = get_logger("atlas_async.contrib.taskiq")

#: Seconds a stopping worker gives items that already finished to acknowledge their task.
ACK_GRACE = 10.0


class StreamEntry(AckableMessage):
    """A task as :class:`StreamBroker` hands it to taskiq: with its stream entry id."""

    entry_id: str


class Deliveries:
    """The task-stream entries one worker holds (by entry id), and the asyncio tasks running
    them."""

    def __init__(self) -> None:
        self._taken: dict[str, object] = {}  # entry id -> the broker read that took it
        self._running: dict[asyncio.Task[Any], str | None] = {}  # taskiq callback -> its entry
        self._returned: set[asyncio.Task[Any]] = set()  # callbacks whose item ran to its end
        self.stopping = False

    def held(self) -> frozenset[str]:
        """The ids of the entries this worker took and has not finished with."""
        running = (entry for entry in self._running.values() if entry is not None)
        return frozenset(self._taken).union(running)

    def take(self, entry_id: str, reader: object) -> None:
        self._taken[entry_id] = reader

    def drop_reader(self, reader: object) -> None:
        """A broker read ended: what it took and no callback started will never run here."""
        self._taken = {entry: r for entry, r in self._taken.items() if r is not reader}

    @contextmanager
    def running(self, entry_id: str | None) -> Iterator[None]:
        """The current task (taskiq's callback) holds the entry until it returns."""
        task = asyncio.current_task()
        assert task is not None
        if entry_id is not None:
            self._taken.pop(entry_id, None)
        self._running[task] = entry_id
        try:
            yield
        finally:
            del self._running[task]
            self._returned.discard(task)

    def returned(self) -> None:
        """The current callback's item ran to its end: a stop lets it acknowledge."""
        task = asyncio.current_task()
        if task in self._running:
            self._returned.add(task)

    async def stop(self) -> None:
        """Cancel every item still running (its task stays unacknowledged), give those that
        returned up to :data:`ACK_GRACE` seconds to acknowledge, and wait until none is left."""
        self.stopping = True
        callbacks = set(self._running)
        for task in callbacks - self._returned:
            task.cancel()
        if not callbacks:
            return
        _done, late = await asyncio.wait(callbacks, timeout=ACK_GRACE)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)


class StreamBroker(RedisStreamBroker):
    """taskiq-redis's stream broker (queueing, the consumer group, the connection pool) with a
    reader of its own: one entry per read, each recorded in :attr:`deliveries`."""

    def __init__(self, url: str, **options: Any) -> None:
        super().__init__(url, **options)
        self.deliveries = Deliveries()

    async def listen(self) -> AsyncGenerator[StreamEntry, None]:
        reader = object()
        deliveries = self.deliveries
        try:
            async with Redis(connection_pool=self.connection_pool) as redis:
                while True:
                    fetched: Any = await redis.xreadgroup(
                        self.consumer_group_name,
                        self.consumer_name,
                        {self.queue_name: ">"},
                        count=1,
                        block=self.block,
                    )
                    _reassert_cancellation()
                    for _stream, entries in fetched or ():
                        for raw_id, fields in entries:
                            entry_id = _text(raw_id)
                            deliveries.take(entry_id, reader)
                            yield StreamEntry(
                                data=fields[b"data"], ack=self._acker(entry_id), entry_id=entry_id
                            )
        finally:
            deliveries.drop_reader(reader)

    def _acker(self, entry_id: str) -> Callable[[], Any]:
        async def ack() -> None:
            async with Redis(connection_pool=self.connection_pool) as redis:
                await redis.xack(self.queue_name, self.consumer_group_name, entry_id)

        return ack


def _reassert_cancellation() -> None:
    """Raise the cancellation a command swallowed. On Python 3.11, ``asyncio.wait_for`` (which
    redis-py wraps around sending a command) loses a cancellation that lands as the send
    completes; taskiq cancels its read once and then waits for it, so a lost cancellation would
    keep a stopping worker reading forever."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class ItemReceiver(Receiver):
    """taskiq's receiver, except that an item that did not run to its end is not acknowledged.

    Runs on a :class:`StreamBroker` only (``run_receiver_task(broker, receiver_cls=...)``).
    """

    def __init__(self, broker: AsyncBroker, *args: Any, **kwargs: Any) -> None:
        super().__init__(broker, *args, **kwargs)
        if not isinstance(broker, StreamBroker):
            raise TypeError("ItemReceiver runs on the BulkQueue's StreamBroker")
        self._deliveries = broker.deliveries

    async def callback(self, message: bytes | AckableMessage, raise_err: bool = False) -> None:
        deliveries = self._deliveries
        if deliveries.stopping:  # started as the worker stopped: leave the task pending
            raise asyncio.CancelledError
        entry_id = message.entry_id if isinstance(message, StreamEntry) else None
        with deliveries.running(entry_id):
            try:
                await super().callback(message, raise_err)
            except Exception as exc:  # the acknowledgement failed (Redis away), say
                logger.warning(
                    "a task ended unacknowledged (%s); a worker runs it again after idle_timeout",
                    type(exc).__name__,
                )

    # taskiq 0.13 added a third parameter; passed through whatever the installed version takes.
    async def run_task(
        self, target: Callable[..., Any], message: TaskiqMessage, *args: Any, **kwargs: Any
    ) -> TaskiqResult[Any]:
        result = await super().run_task(target, message, *args, **kwargs)
        if isinstance(result.error, asyncio.CancelledError):
            # taskiq caught the item's cancellation; returning would acknowledge an unfinished
            # item. Ending cancelled leaves the task pending, for another worker to run.
            logger.info(
                "stopped before the end of task %s: left unacknowledged, another worker runs "
                "it after idle_timeout",
                message.task_id,
            )
            raise result.error
        self._deliveries.returned()
        return result


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
