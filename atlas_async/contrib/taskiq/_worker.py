"""The worker's side of a queued bulk run: one task = one item, through the one-process path.

Each task runs :func:`atlas_async.bulk.send_all` on a batch of one item whose key is fixed, with
the worker's shared 429 gate, so the requests, their idempotency keys, the external_id look-up
and the retries are exactly those of a one-process run. The outcome goes to the run's results
stream before the task returns, and taskiq acknowledges the task only after it returned: a worker
killed or stopped before that leaves the task pending, and another worker runs it again (the same
keys make the second run send nothing twice).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import anyio
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..._middleware import Attempt, AttemptResponse, CallNext
from ..._retry import backoff
from ...bulk import BulkOutcome, RateGate, send_all
from ._codec import item_from_payload, result_for, retry_from_payload

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from ..._client import Atlas

__all__ = ["ItemWorker"]

#: Tries to report one outcome (about a minute of backoff): past that the report is lost and the
#: producer keeps waiting for it; running the producer again resumes (the row is found sent).
REPORT_ATTEMPTS = 8
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class _Count429:
    """Middleware counting the 429 answers one item met (each paused the shared gate)."""

    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen = 0

    async def __call__(self, attempt: Attempt, call_next: CallNext) -> AttemptResponse:
        response = await call_next(attempt)
        if response.status_code == 429:
            self.seen += 1
        return response


class ItemWorker:
    """Runs one task's item and reports its outcome to the run that queued it."""

    def __init__(
        self,
        atlas: Atlas,
        gate: RateGate,
        redis: Redis,
        *,
        keys: Callable[[str], tuple[str, str]],
        ttl: int,
    ) -> None:
        self._atlas = atlas
        self._gate = gate
        self._redis = redis
        self._keys = keys  # run id -> (results stream, stop flag)
        self._ttl = ttl
        #: Items this worker ran (sent or not), for logs and tests.
        self.done = 0

    async def __call__(self, payload: Mapping[str, Any]) -> None:
        # In a task of our own, not taskiq's: cancelling a scope makes anyio format the current
        # task's repr, and taskiq's tasks carry done-callbacks whose repr lists every running
        # task, recursively (about 0.3 s of CPU per item at 16 in flight, with the loop blocked).
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._run, payload)

    async def _run(self, payload: Mapping[str, Any]) -> None:
        run, index = str(payload["run"]), int(payload["index"])
        results, stop = self._keys(run)
        item = item_from_payload(payload)
        stopped = ""
        counter = _Count429()
        if await self._redis.exists(stop):
            # The batch stopped (402, 401, 403) after this task was queued: like one process,
            # start nothing new.
            outcome = BulkOutcome(index, item, "not_attempted", key=item.key)
        else:
            client = self._atlas
            if payload.get("account"):
                client = client.for_account(str(payload["account"]))
            client = client.with_options(middleware=[*client.middleware, counter])
            captured: list[BulkOutcome] = []
            summary = await send_all(
                client,
                [item],
                concurrency=1,
                retry=retry_from_payload(payload),
                rate_gate=self._gate,
                lookup_existing=bool(payload.get("lookup_existing", True)),
                on_outcome=captured.append,
            )
            outcome = captured[0]
            if summary.stopped_reason:
                stopped = summary.stopped_reason
                await self._redis.set(stop, stopped, nx=True, ex=self._ttl)
        fields = {**result_for(index, outcome, counter.seen), "stopped": stopped}
        await self._report(results, fields)
        self.done += 1

    async def _report(self, results: str, fields: dict[str, str]) -> None:
        """Put the outcome on the run's results stream, riding out a short Redis outage: the
        envelope went out, and the producer is waiting to hear it."""
        for attempt in range(REPORT_ATTEMPTS):
            try:
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.xadd(results, fields)  # type: ignore[arg-type]
                    pipe.expire(results, self._ttl)
                    await pipe.execute()
                return
            except _UNREACHABLE:
                if attempt == REPORT_ATTEMPTS - 1:
                    raise
                await anyio.sleep(backoff(attempt, initial=0.5, maximum=10.0))
