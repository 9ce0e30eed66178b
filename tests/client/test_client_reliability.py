"""Retries and idempotency against the emulator's fault injection.

Whatever goes wrong on the wire (a 5xx, a 429, the connection dropped after the server already
committed), create and send still yield exactly one envelope and spend exactly one credit.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from atlas_async import (
    Atlas,
    EnvelopeStatus,
    IdempotencyKeyReusedError,
    InternalServerError,
    was_replayed,
)
from atlas_async.testing import FakeAtlas

from .._support.envelopes import PARTIES, PDF

pytestmark = pytest.mark.anyio


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the client's backoff delays instead of waiting them out (the emulator is in
    process, so nothing needs the time to pass)."""
    recorded: list[float] = []

    async def record(seconds: float) -> None:
        recorded.append(seconds)
        await anyio.lowlevel.checkpoint()

    monkeypatch.setattr("atlas_async._transport._sleep", record)
    return recorded


@pytest.mark.parametrize(
    ("kind", "status"),
    [("status", 503), ("status", 500), ("status", 429), ("drop_before", 0), ("drop_after", 0)],
)
async def test_create_then_send_through_faults_one_envelope_one_credit(
    atlas: Atlas, fake: FakeAtlas, sleeps: list[float], kind: Any, status: int
) -> None:
    credits = fake.credits()
    # Retry-After: 0 on the 429s, so the recorded backoff is the client's own, not the server's.
    fault = {"status": status or 503, "retry_after": 0 if status == 429 else None, "count": 2}
    create = fake.faults.add(kind, "POST /api/envelope", **fault)
    created = await atlas.envelopes.create(PDF, parties=PARTIES)
    assert create.fired == 2
    send = fake.faults.add(kind, "POST /api/envelope/{id}/send", **fault)
    env = await atlas.envelopes.send(created.envelope_id)
    assert send.fired == 2
    assert env.status == EnvelopeStatus.PENDING
    assert len(fake.envelopes()) == 1
    assert fake.credits() == credits - 1
    assert len(sleeps) == 4


# The wire validator reads each body in a response hook, inside the send; without it the drop
# happens where it does in production: while the transport reads the body.
@pytest.mark.no_wire
async def test_connection_dropped_after_commit_on_a_real_port_replays_the_send(
    sleeps: list[float],
) -> None:
    fake = FakeAtlas(detection_delay=0.0)
    async with fake.serve(port=0) as url, Atlas(fake.api_key, base_url=url) as atlas:
        created = await atlas.envelopes.create(PDF, parties=PARTIES)
        await atlas.envelopes.wait_for_fields(created.envelope_id)
        credits = fake.credits()
        # On a socket the emulator answers 200 with headers, then closes before the body.
        drop = fake.faults.add("drop_after", "POST /api/envelope/{id}/send", count=1)
        env = await atlas.envelopes.send(created.envelope_id)
    assert drop.fired == 1
    sends = [r for r in fake.requests if r.path.endswith("/send")]
    assert len(sends) == 2
    assert sends[0].idempotency_key == sends[1].idempotency_key
    assert sends[0].fault == "drop_after"
    assert sends[1].status == 200
    assert env.status == EnvelopeStatus.PENDING
    assert not was_replayed(env)  # the replay answered this call's own lost attempt
    assert fake.credits() == credits - 1  # one dispatch, one credit
    assert len(sleeps) == 1


async def test_was_replayed_tells_a_rerun_from_this_calls_own_work(
    atlas: Atlas, fake: FakeAtlas, sleeps: list[float]
) -> None:
    created = await atlas.envelopes.create(PDF, parties=PARTIES, idempotency_key="order-9")
    assert not was_replayed(created)
    again = await atlas.envelopes.create(PDF, parties=PARTIES, idempotency_key="order-9")
    assert again.envelope_id == created.envelope_id
    assert was_replayed(again)  # a re-run: the server answered from its idempotency store
    # The answer to this call's own first attempt was lost after the commit; the retry gets
    # the replay, but the work was this call's.
    drop = fake.faults.add("drop_after", "POST /api/envelope/{id}/send", count=1)
    env = await atlas.envelopes.send(created.envelope_id, idempotency_key="order-9-send")
    assert drop.fired == 1
    assert not was_replayed(env)
    # A 429 is refused before anything happens: a replay after it is still a replay.
    fake.faults.add("status", "POST /api/envelope/{id}/send", status=429, retry_after=0)
    rerun = await atlas.envelopes.send(created.envelope_id, idempotency_key="order-9-send")
    assert was_replayed(rerun)
    assert len(sleeps) == 2


async def test_a_key_reused_for_another_document_is_refused_and_not_retried(
    atlas: Atlas, fake: FakeAtlas, sleeps: list[float]
) -> None:
    await atlas.envelopes.create(PDF, parties=PARTIES, idempotency_key="k")
    other_pdf = PDF + b"% another document\n"
    with pytest.raises(IdempotencyKeyReusedError) as info:
        await atlas.envelopes.create(other_pdf, parties=PARTIES, idempotency_key="k")
    assert info.value.status_code == 422
    creates = [r for r in fake.requests if r.method == "POST" and r.path == "/api/envelope"]
    assert [r.status for r in creates] == [201, 422]  # one attempt for the refused call
    assert sleeps == []
    assert len(fake.envelopes()) == 1


async def test_429_retry_after_is_honoured(
    atlas: Atlas, fake: FakeAtlas, sleeps: list[float]
) -> None:
    eid = str((await atlas.envelopes.create(PDF, parties=PARTIES)).envelope_id)
    fake.faults.add("status", "GET /api/envelope/{id}", status=429, retry_after=2, count=1)
    env = await atlas.envelopes.get(eid)
    assert str(env.envelope_id) == eid
    assert sleeps == [2.0]


async def test_faults_beyond_max_retries_surface(
    make_client: Any, fake: FakeAtlas, sleeps: list[float]
) -> None:
    atlas = make_client(max_retries=1)
    fault = fake.faults.add("status", "POST /api/envelope", status=502, count=None)
    with pytest.raises(InternalServerError) as info:
        await atlas.envelopes.create(PDF, parties=PARTIES)
    assert info.value.status_code == 502
    assert fault.fired == 2
    assert fake.envelopes() == []


async def test_proxy_html_error_page_is_tolerated(
    atlas: Atlas, fake: FakeAtlas, sleeps: list[float]
) -> None:
    page = b"<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"
    fake.faults.add("status", "GET /api/envelopes", status=502, body=page, count=None)
    with pytest.raises(InternalServerError) as info:
        await atlas.envelopes.list()
    assert "502 Bad Gateway" in info.value.message
    assert isinstance(info.value.body, str)


async def test_create_and_send_end_to_end_through_faults(
    atlas: Atlas, fake: FakeAtlas, sleeps: list[float]
) -> None:
    credits = fake.credits()
    fake.faults.add("drop_after", "POST /api/envelope", count=1)
    fake.faults.add("status", "GET /api/envelope/{id}", status=503, count=1)
    fake.faults.add("drop_after", "POST /api/envelope/{id}/send", count=1)
    env = await atlas.envelopes.create_and_send(PDF, parties=PARTIES, idempotency_key="run-1")
    assert env.status == EnvelopeStatus.PENDING
    # The whole call crashed at the caller's end and is re-run with the same key:
    fake.faults.add("drop_after", "POST /api/envelope/{id}/send", count=1)
    again = await atlas.envelopes.create_and_send(PDF, parties=PARTIES, idempotency_key="run-1")
    assert again.envelope_id == env.envelope_id
    assert len(fake.envelopes()) == 1
    assert fake.credits() == credits - 1


async def test_concurrent_duplicate_waits_for_the_first(atlas: Atlas, fake: FakeAtlas) -> None:
    # The first create is slow; a duplicate with the same key meanwhile gets 409
    # idempotency_key_in_use, backs off (Retry-After) and then receives the replay.
    fake.faults.add("latency", "POST /api/envelope", seconds=0.3, count=1)
    ids: list[str] = []

    async def create() -> None:
        created = await atlas.envelopes.create(PDF, parties=PARTIES, idempotency_key="dup-1")
        ids.append(str(created.envelope_id))

    async with anyio.create_task_group() as tg:
        tg.start_soon(create)
        tg.start_soon(create)
    assert len(ids) == 2
    assert ids[0] == ids[1]
    assert len(fake.envelopes()) == 1


async def test_template_upload_answer_lost_after_commit_leaves_one_template(
    atlas: Atlas, fake: FakeAtlas, sleeps: list[float]
) -> None:
    fields = [
        {
            "type": "signature",
            "page": 1,
            "x_pct": 0.1,
            "y_pct": 0.8,
            "w_pct": 0.3,
            "h_pct": 0.05,
            "party_order": 1,
            "role": "Customer",
        }
    ]
    drop = fake.faults.add("drop_after", "POST /api/templates/upload", count=1)
    template = await atlas.templates.upload("NDA", PDF, fields=fields)
    assert drop.fired == 1
    uploads = [r for r in fake.requests if r.path == "/api/templates/upload"]
    assert len({r.idempotency_key for r in uploads}) == 1
    assert uploads[0].idempotency_key is not None
    assert [t.template_id async for t in atlas.templates.list()] == [template.template_id]
    assert len(sleeps) == 1
