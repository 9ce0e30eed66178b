"""A bulk run fanned out to worker processes on taskiq (``pip install 'atlas-async[taskiq]'``).

::

    from atlas_async.contrib.taskiq import BulkQueue

    async with BulkQueue("redis://localhost:6379/0") as queue:       # the producer
        summary = await queue.send_all(items, on_outcome=log.record)

    async with BulkQueue("redis://localhost:6379/0") as queue, Atlas() as atlas:  # each worker
        await queue.work(atlas, concurrency=8)

The command line does the same: ``atlas-async bulk-send manifest.csv --queue redis://...`` and
``atlas-async worker --queue redis://...``. Tasks travel on taskiq-redis's stream broker (Redis
consumer groups), acknowledged after they ran to their end; each runs the one-process path with
the same idempotency keys, so at-least-once delivery sends every envelope exactly once. A worker
keeps the tasks it runs alive with a heartbeat: ``idle_timeout`` is how long a worker may stay
silent before its tasks go to another, not how long a task may run. asyncio only.
"""

from __future__ import annotations

from .._asyncio import AsyncioRequiredError
from ._codec import RemoteItemError
from ._producer import QueuedRun
from ._queue import TASK_NAME, BulkQueue

__all__ = ["TASK_NAME", "AsyncioRequiredError", "BulkQueue", "QueuedRun", "RemoteItemError"]
