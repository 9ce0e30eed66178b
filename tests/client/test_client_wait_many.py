"""``envelopes.wait_many``: many envelopes in one call, against the emulator (asyncio and trio)."""

from __future__ import annotations

from typing import Any

import anyio
import anyio.lowlevel
import pytest

from atlas_async import (
    Atlas,
    InternalServerError,
    NotFoundError,
    SigningStatus,
    WaitManyResult,
)
from atlas_async.testing import FakeAtlas

from .._support.envelopes import PARTIES, PDF
from .._support.http import httpx

pytestmark = pytest.mark.anyio


async def _sent(atlas: Atlas) -> str:
    created = await atlas.envelopes.create(PDF, parties=PARTIES)
    env = await atlas.envelopes.wait_for_fields(created.envelope_id)
    await atlas.envelopes.send(env.envelope_id)
    return str(env.envelope_id)


def _polls(fake: FakeAtlas) -> int:
    return sum(1 for r in fake.requests if r.path.endswith("/status"))


async def test_every_way_an_envelope_ends_is_an_outcome(atlas: Atlas, fake: FakeAtlas) -> None:
    signed = await _sent(atlas)
    declined = await _sent(atlas)
    voided = await _sent(atlas)
    await fake.sign(signed)
    await fake.sign(signed)
    await fake.decline(declined, "wrong amount")
    await atlas.envelopes.void(voided)
    seen: list[SigningStatus] = []
    with anyio.fail_after(10):
        result = await atlas.envelopes.wait_many(
            [signed, declined, voided], poll_interval=0.05, on_outcome=seen.append
        )
    assert isinstance(result, WaitManyResult)
    assert (result.signed, result.declined, result.voided) == ([signed], [declined], [voided])
    assert result.pending == ()
    assert not result.failed
    assert seen == list(result.finished.values())
    assert {outcome.source for outcome in seen} == {"poll"}
    assert (result.finished[signed].signed_count, result.finished[signed].total) == (2, 2)
    assert repr(result) == ("<WaitManyResult signed=1 declined=1 voided=1 failed=0 pending=0>")


async def test_webhooks_end_the_waits_without_another_poll(atlas: Atlas, fake: FakeAtlas) -> None:
    eids = [await _sent(atlas) for _ in range(4)]
    before = _polls(fake)
    seen: list[str] = []

    async def record(outcome: SigningStatus) -> None:
        await anyio.lowlevel.checkpoint()
        seen.append(outcome.envelope_id)

    async def notify() -> None:
        with anyio.fail_after(10):
            while _polls(fake) < before + len(eids):  # noqa: ASYNC110 - no event in the log
                await anyio.sleep(0.01)
        for eid in reversed(eids):
            assert atlas._shared.bus.waiting(eid) == 1  # type: ignore[attr-defined]
            await atlas.notify_envelope(eid, "pending")  # nothing new: no poll
            await atlas.notify_envelope(eid, "signed")

    started = anyio.current_time()
    async with anyio.create_task_group() as tg:
        tg.start_soon(notify)
        result = await atlas.envelopes.wait_many(
            eids, timeout=20, poll_interval=10, on_outcome=record
        )
    assert anyio.current_time() - started < 5  # not the 10 s poll interval
    assert result.signed == list(reversed(eids)) == seen
    assert {o.source for o in result.finished.values()} == {"webhook"}
    assert _polls(fake) == before + len(eids)  # one poll each, the first
    assert all(atlas._shared.bus.waiting(eid) == 0 for eid in eids)  # type: ignore[attr-defined]


async def test_a_notice_without_a_status_asks_now(atlas: Atlas, fake: FakeAtlas) -> None:
    eid = await _sent(atlas)
    before = _polls(fake)

    async def sign_and_notify() -> None:
        with anyio.fail_after(10):
            while _polls(fake) == before:  # noqa: ASYNC110 - no event in the log
                await anyio.sleep(0.01)
        await fake.sign(eid)
        await fake.sign(eid)
        await atlas.notify_envelope(eid)  # something happened: poll now

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(sign_and_notify)
            result = await atlas.envelopes.wait_many([eid], poll_interval=30)
    assert result.finished[eid].source == "poll"
    assert _polls(fake) == before + 2


async def test_the_deadline_returns_what_is_left(atlas: Atlas, fake: FakeAtlas) -> None:
    pending, signed = await _sent(atlas), await _sent(atlas)
    await fake.sign(signed)
    await fake.sign(signed)
    started = anyio.current_time()
    with anyio.fail_after(10):
        result = await atlas.envelopes.wait_many([pending, signed], timeout=0.5, poll_interval=0.1)
    assert anyio.current_time() - started < 5
    assert result.pending == (pending,)
    assert result.signed == [signed]
    assert atlas._shared.bus.waiting(pending) == 0  # type: ignore[attr-defined]


async def test_an_unknown_envelope_fails_alone(atlas: Atlas, fake: FakeAtlas) -> None:
    eid = await _sent(atlas)
    await fake.sign(eid)
    await fake.sign(eid)
    missing = "00000000-0000-4000-8000-000000000000"
    with anyio.fail_after(10):
        result = await atlas.envelopes.wait_many([missing, eid], poll_interval=0.05)
    assert result.signed == [eid]
    assert isinstance(result.failed[missing], NotFoundError)
    assert result.pending == ()


async def test_any_other_error_ends_the_call_as_itself(atlas: Atlas, fake: FakeAtlas) -> None:
    eid = await _sent(atlas)
    fake.faults.add("status", "GET /api/envelope/{id}/status", status=500, count=None)
    with anyio.fail_after(10), pytest.raises(InternalServerError):
        await atlas.envelopes.wait_many([eid], poll_interval=0.05, max_retries=0)
    assert atlas._shared.bus.waiting(eid) == 0  # type: ignore[attr-defined]


async def test_on_outcome_errors_end_the_call_as_themselves(atlas: Atlas, fake: FakeAtlas) -> None:
    eids = [await _sent(atlas) for _ in range(2)]
    for eid in eids:
        await fake.sign(eid)
        await fake.sign(eid)

    def refuse(outcome: SigningStatus) -> None:
        raise LookupError(outcome.envelope_id)

    with anyio.fail_after(10), pytest.raises(LookupError):
        await atlas.envelopes.wait_many(eids, poll_interval=0.05, on_outcome=refuse)
    assert all(atlas._shared.bus.waiting(eid) == 0 for eid in eids)  # type: ignore[attr-defined]


async def test_bad_input_is_refused_before_any_request(atlas: Atlas, fake: FakeAtlas) -> None:
    before = len(fake.requests)
    with pytest.raises(TypeError, match="not a single string"):
        await atlas.envelopes.wait_many("3f0c6a4e-0000-4000-8000-000000000000")
    with pytest.raises(ValueError, match="is not an id"):
        await atlas.envelopes.wait_many(["ok-id", ".."])
    with pytest.raises(TypeError, match="must be a string"):
        await atlas.envelopes.wait_many([42])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="timeout"):
        await atlas.envelopes.wait_many(["ok-id"], timeout=0)
    with pytest.raises(ValueError, match="poll_interval"):
        await atlas.envelopes.wait_many(["ok-id"], poll_interval=0)
    assert len(fake.requests) == before
    empty = await atlas.envelopes.wait_many([])
    assert (empty.finished, empty.failed, empty.pending) == ({}, {}, ())
    assert len(fake.requests) == before


async def test_duplicates_are_waited_for_once(atlas: Atlas, fake: FakeAtlas) -> None:
    eid = await _sent(atlas)
    await fake.sign(eid)
    await fake.sign(eid)
    before = _polls(fake)
    with anyio.fail_after(10):
        result = await atlas.envelopes.wait_many([eid, eid, eid])
    assert result.signed == [eid]
    assert _polls(fake) == before + 1


async def test_thousands_poll_once_each_a_bounded_number_at_once() -> None:
    in_flight = deepest = 0
    polled: list[str] = []

    async def answer(request: Any) -> Any:
        nonlocal in_flight, deepest
        in_flight += 1
        deepest = max(deepest, in_flight)
        await anyio.sleep(0.001)
        in_flight -= 1
        polled.append(request.url.path)
        eid = request.url.path.split("/")[3]
        return httpx.Response(200, json={"envelope_id": eid, "status": "signed"})

    waits = 2000
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with (
        http,
        Atlas(
            "atlas_live_many_tests", base_url="https://a.test", http_client=http, max_connections=8
        ) as atlas,
    ):
        with anyio.fail_after(30):
            result = await atlas.envelopes.wait_many(
                [f"env-{i}" for i in range(waits)], max_poll_interval=0.5
            )
    assert len(result.signed) == waits
    assert len(polled) == len(set(polled)) == waits
    assert deepest <= 4  # half the client's pool: its other calls keep their way through


@pytest.mark.parametrize("webhooks", [False, True], ids=["polling only", "webhooks flowing"])
async def test_while_webhooks_flow_polling_keeps_to_the_budget(webhooks: bool) -> None:
    # 200 envelopes: their share of the budget is one poll each every 200 / 50 = 4 s, longer
    # than max_poll_interval (0.5 s). Polling alone, max_poll_interval wins (it is the only
    # way to learn of a signature); with webhooks reaching the client, the budget does.
    polled: list[str] = []

    def answer(request: Any) -> Any:
        polled.append(request.url.path)
        return httpx.Response(200, json={"envelope_id": "e", "status": "pending"})

    waits = 200
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with (
        http,
        Atlas("atlas_live_many_tests", base_url="https://a.test", http_client=http) as atlas,
    ):

        async def other_news() -> None:  # webhooks about other envelopes, every 0.1 s
            for _ in range(100):
                await atlas.notify_envelope("another-envelope", "pending")
                await anyio.sleep(0.1)

        async with anyio.create_task_group() as tg:
            if webhooks:
                tg.start_soon(other_news)
            result = await atlas.envelopes.wait_many(
                [f"env-{i}" for i in range(waits)],
                timeout=2.0,
                poll_interval=0.05,
                max_poll_interval=0.5,
            )
            tg.cancel_scope.cancel()
    assert len(result.pending) == waits
    assert len(set(polled)) == waits  # every envelope polled at least once
    if webhooks:
        assert len(polled) == waits  # and only once: the next is 4 s away
    else:
        assert len(polled) >= 2 * waits  # every 0.5 s at most (at least twice in 2 s, even loaded)
