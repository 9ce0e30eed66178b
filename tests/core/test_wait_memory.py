"""What a parked ``wait_until_signed`` costs in memory: ten thousand of them in one process are
a use the SDK is built for, so the SDK's share of each (above the caller's own task) is held to
a budget. Measured with tracemalloc: each wait has polled once and parks until its next poll,
against the same number of tasks that made the same call and sleep."""

from __future__ import annotations

import gc
import tracemalloc
import uuid
from collections.abc import Awaitable, Callable

import anyio
import pytest

from atlas_async import Atlas

from .._support.loopback import LoopbackServer, serving

pytestmark = pytest.mark.anyio

WAITS = 200
# Bytes a parked wait may hold above its caller's task. Measured on CPython 3.11: 1.2 KB under
# asyncio, 1.9 KB under trio. Before: 4.5 and 5.3 KB (anyio's sleep in a cancel scope, a set per
# envelope on the bus, a poll's leftovers in the frames), then 2.6 and 3.1 KB (the sleeper's bare
# future or one trio scope), until the wait dropped the coroutines of the options wrapper, of
# the sleep between polls and of the sleeper, and a kept answer's request id its closure.
BUDGET = {"asyncio": 1_800, "trio": 2_700}


async def _held_per_task(
    server: LoopbackServer, ids: list[str], task: Callable[[str], Awaitable[None]]
) -> float:
    """Bytes held per task once every task has made its request and parked."""
    target = server.requests + len(ids)
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        async with anyio.create_task_group() as tg:
            for eid in ids:
                tg.start_soon(task, eid)
            for _ in range(1_000):  # until the server has answered every task (a few 100 ms)
                if server.requests >= target:
                    break
                await anyio.sleep(0.01)
            assert server.requests == target, "not every task made its request"
            held = await _settled()
            tg.cancel_scope.cancel()
    finally:
        tracemalloc.stop()
    return (held - before) / len(ids)


async def _settled() -> int:
    """The traced memory once it holds still: every answer has reached its task, which parked
    (a task still reading or parsing its answer holds kilobytes more, and soon frees them)."""
    previous, steady = -1, 0
    for _ in range(400):  # 20 s at most; on an idle machine, a few tenths of a second
        await anyio.sleep(0.05)
        gc.collect()
        now, _ = tracemalloc.get_traced_memory()
        steady = steady + 1 if abs(now - previous) < 1_024 else 0
        if steady == 3:
            return now
        previous = now
    raise AssertionError("the tasks' memory never settled")


@pytest.mark.slow
async def test_a_parked_wait_holds_little_more_than_its_task(anyio_backend: str) -> None:
    ids = [str(uuid.UUID(int=i + 1)) for i in range(WAITS)]
    async with (
        serving() as server,
        # Room for every wait's first poll at once (no queue at the gates, so no spread first
        # polls): each polls once, then parks for a minute.
        Atlas(api_key="test_sk_wait_memory", base_url=server.url, max_connections=1_000) as atlas,
    ):

        async def call_and_sleep(eid: str) -> None:
            await atlas.envelopes.status(eid)
            await anyio.sleep(600)

        async def wait(eid: str) -> None:
            await atlas.envelopes.wait_until_signed(eid, timeout=600, poll_interval=60)

        # The connections, imports and caches first: measured, they would be the first's.
        await _held_per_task(server, ids, call_and_sleep)
        reference = await _held_per_task(server, ids, call_and_sleep)
        waits = await _held_per_task(server, ids, wait)
    share = waits - reference
    print(
        f"\nparked wait: {waits:.0f} B, its task alone {reference:.0f} B: the SDK's {share:.0f} B"
    )
    assert share < BUDGET[anyio_backend], f"a parked wait holds {share:.0f} B above its task"
