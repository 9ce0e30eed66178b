"""How often many waits poll: all of one client's waits together about 50 times a second."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from atlas_async import Atlas
from atlas_async._admission import Admission
from atlas_async._polling import POLLS_PER_SECOND

from .._support.http import httpx

pytestmark = pytest.mark.anyio


def _atlas(http: Any, max_connections: int) -> Atlas:
    return Atlas(
        "atlas_live_pacing_tests",
        base_url="https://a.test",
        http_client=http,
        max_connections=max_connections,
    )


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
    # A hundred waits on a client of one connection: once polls queue for their turn, the
    # first polls spread over the waits' share of the poll budget (100 / 50 = 2 s, capped at
    # max_poll_interval) instead of all joining the queue at once.
    asked: list[float] = []  # when each wait asked for its first poll's turn
    answered: list[float] = []
    enter = Admission.enter
    turns: list[Admission] = []

    async def asking(self: Admission) -> Any:
        if self is turns[0]:
            asked.append(anyio.current_time())
        return await enter(self)

    monkeypatch.setattr(Admission, "enter", asking)

    async def answer(request: Any) -> Any:
        answered.append(anyio.current_time())
        await anyio.sleep(0.002)
        return httpx.Response(200, json={"envelope_id": "e", "status": "signed"})

    waits, longest = 100, 1.0
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with (
        http,
        _atlas(http, max_connections=1) as atlas,
    ):
        turns.append(atlas._shared.polls)

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
    # 20 ms) and 99 queue for their turn. The times are taken when each wait asks, not when its
    # turn comes or the server answers, so that a loaded machine, which answers one connection's
    # queue slowly (CI once saw 83 queued with the spread), cannot blur what the SDK decides.
    asked.sort()
    assert asked[89] - asked[10] > 0.3 * longest
    assert asked[-1] - started < 5 * longest  # and none put off far past the spread (1 s)


def _held_client(held: str) -> tuple[Any, anyio.Event, anyio.Event, list[str]]:
    """An HTTP client whose ``/status`` of envelope ``held`` answers only once ``release`` is
    set (``holding`` is set when it arrives); every other envelope is ``pending`` at once.
    Returns the client, ``holding``, ``release`` and the paths requested."""
    holding, release = anyio.Event(), anyio.Event()
    paths: list[str] = []

    async def answer(request: Any) -> Any:
        paths.append(request.url.path)
        if held in request.url.path:
            holding.set()
            await release.wait()
        return httpx.Response(200, json={"envelope_id": "e", "status": "pending"})

    return httpx.AsyncClient(transport=httpx.MockTransport(answer)), holding, release, paths


async def _queued(atlas: Atlas, count: int) -> None:
    """Until ``count`` waits queue for a poll's turn (bounded)."""
    with anyio.fail_after(10):
        while atlas._shared.polls.waiting < count:  # noqa: ASYNC110 - a count, not an event
            await anyio.sleep(0.01)


async def test_a_webhook_that_comes_while_a_wait_queues_for_its_turn_ends_it_with_no_request() -> (
    None
):
    # max_connections=2: the waits' polls take one turn at a time. The turn is held by the
    # poll of "busy" (its answer held back) while five more waits queue for it; their
    # envelope.signed arrives meanwhile. Their turns then end them, with no request.
    http, holding, release, paths = _held_client("busy")
    async with (
        http,
        _atlas(http, max_connections=2) as atlas,
    ):
        assert atlas._shared.polls.capacity == 1
        results: dict[str, Any] = {}

        async def one(eid: str) -> None:
            results[eid] = await atlas.envelopes.wait_until_signed(
                eid, timeout=30, poll_interval=0.01, max_poll_interval=0.05
            )

        async with anyio.create_task_group() as tg:
            tg.start_soon(one, "busy")
            with anyio.fail_after(10):
                await holding.wait()
            for i in range(5):
                tg.start_soon(one, f"e{i}")
            await _queued(atlas, 5)
            for i in range(5):
                await atlas.notify_envelope(f"e{i}", "signed")
            await atlas.notify_envelope("busy", "signed")
            release.set()
    assert {eid: r.source for eid, r in results.items()} == {
        "busy": "webhook",  # its poll said pending; the webhook that came meanwhile ended it
        **{f"e{i}": "webhook" for i in range(5)},
    }
    assert paths == ["/api/envelope/busy/status"]  # the one poll in flight, and no other


async def test_webhooks_that_begin_while_a_wait_queues_put_its_poll_off() -> None:
    # Wait "a" polls, then sleeps about a poll_interval (1 s: no webhooks yet). Its next poll
    # queues behind the held poll of "busy"; meanwhile webhooks begin to flow. When its turn
    # comes the poll is the safety net's (10 poll intervals, capped at max_poll_interval: 5 s
    # after its first), not one to make at once.
    http, holding, release, paths = _held_client("busy")
    async with (
        http,
        _atlas(http, max_connections=2) as atlas,
    ):

        async def one(eid: str) -> None:
            await atlas.envelopes.wait_until_signed(
                eid, timeout=30, poll_interval=1.0, max_poll_interval=5.0
            )

        async with anyio.create_task_group() as tg:
            tg.start_soon(one, "a")
            with anyio.fail_after(10):
                while "/api/envelope/a/status" not in paths:  # noqa: ASYNC110 - a log
                    await anyio.sleep(0.005)
            tg.start_soon(one, "busy")  # takes the turn, and holds it
            with anyio.fail_after(10):
                await holding.wait()
            await _queued(atlas, 1)  # "a" is due again, and queues for its turn
            await atlas.notify_envelope("another-envelope", "pending")  # webhooks flow now
            release.set()
            await anyio.sleep(1.0)  # "a" has had its turn: without the put-off it polls now
            tg.cancel_scope.cancel()
    assert paths.count("/api/envelope/a/status") == 1
