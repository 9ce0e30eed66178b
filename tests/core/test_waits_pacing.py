"""How often many waits poll: all of one client's waits together about 50 times a second."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from atlas_async import Atlas, EnvelopeProgress
from atlas_async._polling import POLLS_PER_SECOND
from atlas_async._resources.envelopes import Envelopes

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


async def test_waits_started_together_spread_their_first_polls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A hundred waits on a client of one connection: once requests queue at the gate, the
    # first polls spread over the waits' share of the poll budget (100 / 50 = 2 s, capped at
    # max_poll_interval) instead of all joining the queue, each holding a built request.
    asked: list[float] = []  # when each wait asked for its first poll (before the gate)
    answered: list[float] = []
    ask = Envelopes.status

    async def status(self: Envelopes, envelope_id: str, **options: Any) -> EnvelopeProgress:
        asked.append(anyio.current_time())
        return await ask(self, envelope_id, **options)

    monkeypatch.setattr(Envelopes, "status", status)

    async def answer(request: Any) -> Any:
        answered.append(anyio.current_time())
        await anyio.sleep(0.002)
        return httpx.Response(200, json={"envelope_id": "e", "status": "signed"})

    waits, longest = 100, 1.0
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with (
        http,
        Atlas(
            "atlas_live_pacing_tests",
            base_url="https://a.test",
            http_client=http,
            max_connections=1,
        ) as atlas,
    ):

        async def one(i: int) -> None:
            await atlas.envelopes.wait_until_signed(
                f"e{i}", timeout=30, poll_interval=0.01, max_poll_interval=longest
            )

        started = anyio.current_time()
        with anyio.fail_after(20):
            async with anyio.create_task_group() as tg:
                for i in range(waits):
                    tg.start_soon(one, i)
    assert len(answered) == len(asked) == waits  # each returned on its first poll
    # Spread over up to max_poll_interval, not over poll_interval (10 ms): without the spread all
    # hundred ask within the few ms it takes to start the tasks (checked: the middle 80 within about
    # 20 ms) and 99 queue at the gate. The times are taken when each wait asks, not when the
    # server answers, so that a loaded machine, which answers one connection's queue slowly
    # (CI once saw 83 queued with the spread), cannot blur what the SDK decides.
    asked.sort()
    assert asked[89] - asked[10] > 0.3 * longest
    assert asked[-1] - started < 5 * longest  # and none put off far past the spread (1 s)
