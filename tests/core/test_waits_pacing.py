"""How often many waits poll: all of one client's waits together about 50 times a second."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from atlas_async import Atlas
from atlas_async._polling import POLLS_PER_SECOND

from .._support.http import httpx

pytestmark = pytest.mark.anyio


async def wait(atlas: Atlas, envelope_id: str) -> None:
    await atlas.envelopes.wait_until_signed(envelope_id, timeout=None, poll_interval=0.01)


async def test_many_waits_share_one_poll_budget() -> None:
    polls: list[str] = []

    def answer(request: Any) -> Any:
        polls.append(request.url.path)
        return httpx.Response(200, json={"envelope_id": "e", "status": "pending"})

    waits = 200  # their share: one poll every 200 / 50 = 4 s each
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with (
        http,
        Atlas("atlas_live_pacing_tests", base_url="https://a.test", http_client=http) as atlas,
    ):
        with anyio.move_on_after(1.0):
            async with anyio.create_task_group() as tg:
                for i in range(waits):
                    tg.start_soon(wait, atlas, f"e{i}")
    # Each wait polled once, give or take the first few (which started when few waits shared the
    # budget): alone, at poll_interval=0.01 growing by half each time, each would poll about ten
    # times in that second.
    assert waits / POLLS_PER_SECOND > 1.0
    assert len(set(polls)) == waits
    assert len(polls) < 1.5 * waits
