"""Every retry loop has an overall budget: a server that keeps failing cannot hold a call forever.

A transport call stops retrying once the next pause would pass ``RetryPolicy.budget``; a bulk item
whose requests keep getting 429 fails with the last error within its budget instead of stalling
the batch; the shared 429 gate never holds an attempt past the call's budget.
"""

from __future__ import annotations

import time

import anyio
import pytest

from atlas_async import (
    Atlas,
    InternalServerError,
    LocalRateGate,
    Party,
    RateLimitError,
    RetryPolicy,
)
from atlas_async.bulk import BulkItem, send_all
from atlas_async.samples import SAMPLE_PDF

from .._support.http import httpx

pytestmark = pytest.mark.anyio

KEY = "atlas_live_budget_tests"


def failing(status: int, retry_after: str) -> tuple[httpx.AsyncClient, list[float]]:
    times: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        times.append(time.monotonic())
        return httpx.Response(
            status,
            json={"error": {"code": "x", "message": "busy"}},
            headers={"Retry-After": retry_after},
        )

    return httpx.AsyncClient(transport=httpx.MockTransport(answer)), times


async def test_the_transport_stops_retrying_at_the_budget() -> None:
    http, times = failing(503, "0.2")
    policy = RetryPolicy(max_retries=100, budget=0.5)
    async with Atlas(KEY, base_url="https://api.atlas.test", http_client=http, retry=policy) as a:
        started = time.monotonic()
        with pytest.raises(InternalServerError):
            await a.envelopes.get("e1")
        elapsed = time.monotonic() - started
    assert 2 <= len(times) <= 4  # 0, 0.2, 0.4: the next pause would pass 0.5 s
    assert elapsed < 1.5
    await http.aclose()


async def test_a_bulk_item_facing_endless_429s_fails_within_its_budget() -> None:
    http, times = failing(429, "0.3")
    policy = RetryPolicy(max_retries=30, budget=1.0)
    item = BulkItem(
        document=SAMPLE_PDF, parties=[Party(email="a@example.com", name="A", role="Signer")]
    )
    async with Atlas(KEY, base_url="https://api.atlas.test", http_client=http) as atlas:
        started = time.monotonic()
        with anyio.fail_after(10):
            outcomes = []
            summary = await send_all(
                atlas, [item], retry=policy, lookup_existing=False, on_outcome=outcomes.append
            )
        elapsed = time.monotonic() - started
    assert summary.failed == 1
    assert isinstance(outcomes[0].error, RateLimitError)  # the last error, not a timeout
    assert elapsed < 3.0  # about the budget, never 30 pauses of Retry-After
    assert len(times) <= 6
    await http.aclose()


async def test_the_gate_never_holds_an_attempt_past_its_deadline() -> None:
    gate = LocalRateGate()
    await gate.pause(1000.0)
    started = anyio.current_time()
    with anyio.fail_after(5):
        await gate.wait(deadline=started + 0.2)
    assert 0.15 < anyio.current_time() - started < 2.0


async def test_a_later_shorter_pause_never_shortens_the_gate() -> None:
    now = 100.0
    gate = LocalRateGate(clock=lambda: now)
    await gate.pause(30.0)
    await gate.pause(5.0)
    assert gate.paused_until == 130.0
