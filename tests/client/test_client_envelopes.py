"""Every envelope method against the in-process emulator, including each error path.

All traffic is validated against openapi.json by the wire hook (see conftest.py).
"""

from __future__ import annotations

import io
import json
import logging
import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from atlas_async import (
    Atlas,
    Attempt,
    AttemptResponse,
    AuthenticationError,
    DocumentURL,
    EnvelopeDeclinedError,
    EnvelopeStatus,
    EnvelopeVoidedError,
    FieldDetectionFailedError,
    FieldsStatus,
    FieldsVersionConflictError,
    InsufficientCreditsError,
    InvalidDocumentError,
    InvalidStateError,
    LocalWaiterBus,
    ManualPlacementRequiredError,
    NotFoundError,
    Party,
    RateLimitError,
    WaitTimeoutError,
    get_request_id,
    was_replayed,
)
from atlas_async._resources._keys import send_idempotency_key
from atlas_async.testing import FakeAtlas

from .._support.envelopes import PARTIES, PDF
from .._support.http import httpx
from .conftest import hooks_of

pytestmark = pytest.mark.anyio

SAMPLES = Path(__file__).resolve().parents[2] / "atlas_async" / "samples"
FIELD = {
    "type": "signature",
    "page": 1,
    "x_pct": 0.1,
    "y_pct": 0.8,
    "w_pct": 0.3,
    "h_pct": 0.05,
    "party_order": 1,
}


async def _ready(atlas: Atlas, **kwargs: Any) -> str:
    created = await atlas.envelopes.create(PDF, parties=PARTIES, **kwargs)
    env = await atlas.envelopes.wait_for_fields(created.envelope_id)
    return str(env.envelope_id)


async def _sent(atlas: Atlas) -> str:
    eid = await _ready(atlas)
    await atlas.envelopes.send(eid)
    return eid


# Create ---------------------------------------------------------------------------------------


async def test_create_from_every_source(atlas: Atlas, fake: FakeAtlas, tmp_path: Path) -> None:
    path = tmp_path / "contract.pdf"
    path.write_bytes(PDF)
    fake.add_document("https://files.example.com/c.pdf", PDF)
    sources: list[Any] = [
        path,
        str(path),
        PDF,
        io.BytesIO(PDF),
        SAMPLES / "sample.docx",
        DocumentURL("https://files.example.com/c.pdf"),
    ]
    ids = set()
    for source in sources:
        created = await atlas.envelopes.create(source, parties=PARTIES)
        assert created.status == EnvelopeStatus.DRAFT
        assert get_request_id(created)
        ids.add(str(created.envelope_id))
    assert len(ids) == len(sources)
    assert len(fake.envelopes()) == len(sources)


async def test_create_rejects_non_documents_without_a_request(
    atlas: Atlas, fake: FakeAtlas, wire: Any
) -> None:
    with pytest.raises(InvalidDocumentError):
        await atlas.envelopes.create(b"just text, no pdf", parties=PARTIES)
    with pytest.raises(InvalidDocumentError):
        await atlas.envelopes.create(io.BytesIO(b"GIF89a...."), parties=PARTIES)
    assert wire.checked == 0
    assert fake.envelopes() == []


async def test_create_with_same_key_replays(atlas: Atlas, fake: FakeAtlas) -> None:
    first = await atlas.envelopes.create(PDF, parties=PARTIES, idempotency_key="create-1")
    again = await atlas.envelopes.create(PDF, parties=PARTIES, idempotency_key="create-1")
    assert first.envelope_id == again.envelope_id
    assert len(fake.envelopes()) == 1


async def test_create_auto_send_without_credits_is_402(atlas: Atlas, fake: FakeAtlas) -> None:
    fake.set_credits(0)
    with pytest.raises(InsufficientCreditsError):
        await atlas.envelopes.create(PDF, parties=PARTIES, auto_send=True)


# Read -----------------------------------------------------------------------------------------


async def test_get_status_and_not_found(atlas: Atlas) -> None:
    eid = await _ready(atlas)
    env = await atlas.envelopes.get(eid)
    assert [p.email for p in env.parties] == ["jane@example.com", "sam@example.com"]
    progress = await atlas.envelopes.status(eid)
    assert progress.status == "draft"
    assert progress.total == 2
    with pytest.raises(NotFoundError) as info:
        await atlas.envelopes.get("00000000-0000-4000-8000-000000000000")
    assert info.value.request_id
    assert info.value.code == "not_found"


async def test_list_filters_and_pages(atlas: Atlas) -> None:
    for i in range(3):
        await atlas.envelopes.create(PDF, parties=PARTIES, metadata={"external_id": f"ord-{i}"})
    everything = [e async for e in atlas.envelopes.list(limit=1)]
    assert len(everything) == 3
    only = [e async for e in atlas.envelopes.list(external_id="ord-1")]
    assert len(only) == 1
    first = await atlas.envelopes.list(limit=2)
    assert len(first.items) == 2
    assert first.next_cursor is not None
    assert [e async for e in atlas.envelopes.list(status="pending")] == []


# Fields ---------------------------------------------------------------------------------------


async def test_wait_for_fields_polls_until_ready(atlas: Atlas, fake: FakeAtlas) -> None:
    fake.set_detection("ready", delay=0.6)
    created = await atlas.envelopes.create(PDF, parties=PARTIES)
    assert created.fields_status == FieldsStatus.PENDING
    env = await atlas.envelopes.wait_for_fields(created.envelope_id, timeout=10)
    assert env.fields_status == FieldsStatus.READY
    assert env.fields


async def test_wait_for_fields_deadline(atlas: Atlas, fake: FakeAtlas) -> None:
    fake.set_detection("ready", delay=3600)
    created = await atlas.envelopes.create(PDF, parties=PARTIES)
    with pytest.raises(WaitTimeoutError) as info:
        await atlas.envelopes.wait_for_fields(created.envelope_id, timeout=0.4)
    assert info.value.last.fields_status == "pending"


async def test_detection_failure_raises_with_the_servers_error(
    atlas: Atlas, fake: FakeAtlas
) -> None:
    fake.set_detection("failed")
    created = await atlas.envelopes.create(PDF, parties=PARTIES)
    with pytest.raises(FieldDetectionFailedError) as info:
        await atlas.envelopes.wait_for_fields(created.envelope_id)
    assert info.value.detection_error


async def test_recovered_empty_is_returned_or_the_fallback_applied(
    atlas: Atlas, fake: FakeAtlas
) -> None:
    fake.set_detection("recovered_empty", count=2)
    a = await atlas.envelopes.create(PDF, parties=PARTIES)
    env = await atlas.envelopes.wait_for_fields(a.envelope_id)
    assert env.fields_status == FieldsStatus.RECOVERED_EMPTY
    assert env.fields == []
    b = await atlas.envelopes.create(PDF, parties=PARTIES)
    env = await atlas.envelopes.wait_for_fields(b.envelope_id, fields=[FIELD])
    assert len(env.fields) == 1
    assert env.fields[0].type_ == "signature"


async def test_update_fields_and_stale_version_conflict(atlas: Atlas) -> None:
    eid = await _ready(atlas)
    version = (await atlas.envelopes.get(eid)).fields_version
    result = await atlas.envelopes.update_fields(eid, [FIELD])
    assert result.fields_version == version + 1
    with pytest.raises(FieldsVersionConflictError) as info:
        await atlas.envelopes.update_fields(eid, [FIELD], fields_version=version)
    assert info.value.current_fields_version == version + 1


# Send -----------------------------------------------------------------------------------------


async def test_send_waits_when_fields_are_pending(atlas: Atlas, fake: FakeAtlas) -> None:
    fake.set_detection("ready", delay=0.6)
    created = await atlas.envelopes.create(PDF, parties=PARTIES)
    env = await atlas.envelopes.send(created.envelope_id)  # reads v1 while detection runs
    assert env.status == EnvelopeStatus.PENDING


async def test_send_fields_pending_409_waits_then_retries(atlas: Atlas, fake: FakeAtlas) -> None:
    fake.set_detection("ready", delay=0.6)
    created = await atlas.envelopes.create(PDF, parties=PARTIES)
    # fields_version given: no read first, so the server answers 409 fields_pending.
    env = await atlas.envelopes.send(created.envelope_id, fields_version=1)
    assert env.status == EnvelopeStatus.PENDING


async def test_send_without_credits_is_402_and_not_retried(
    atlas: Atlas, fake: FakeAtlas, wire: Any
) -> None:
    eid = await _ready(atlas)
    fake.set_credits(0)
    before = wire.checked
    with pytest.raises(InsufficientCreditsError):
        await atlas.envelopes.send(eid)
    assert wire.checked == before + 2  # one GET for fields_version, one POST: never retried


async def test_send_twice_is_invalid_state_but_same_send_replays(
    atlas: Atlas, fake: FakeAtlas
) -> None:
    eid = await _ready(atlas)
    credits = fake.credits()
    first = await atlas.envelopes.send(eid)
    replay = await atlas.envelopes.send(eid, fields_version=first.fields_version)
    assert replay.envelope_id == first.envelope_id
    assert fake.credits() == credits - 1
    with pytest.raises(InvalidStateError):
        await atlas.envelopes.send(eid, parties=[Party(email="x@y.io", name="X", role="R")])


async def test_send_needs_parties_somewhere(atlas: Atlas) -> None:
    created = await atlas.envelopes.create(PDF)
    await atlas.envelopes.wait_for_fields(created.envelope_id)
    with pytest.raises(Exception, match="part") as info:
        await atlas.envelopes.send(created.envelope_id)
    assert getattr(info.value, "status_code", None) == 400
    env = await atlas.envelopes.send(created.envelope_id, parties=PARTIES)
    assert env.status == EnvelopeStatus.PENDING


# Conflict path: a PATCH lands between the read and the send ----------------------------------------


def _event_after(atlas: Atlas, method: str, suffix: str) -> tuple[anyio.Event, list[str]]:
    """An event set after ``atlas`` receives the answer to ``method .../suffix``; the envelope
    ids seen go into the list."""
    event = anyio.Event()
    seen: list[str] = []

    async def hook(attempt: Attempt, response: AttemptResponse) -> None:
        if attempt.method == method and attempt.path.endswith(suffix):
            seen.append(attempt.path.split("/")[3])
            event.set()

    hooks_of(atlas).after.append(hook)
    return event, seen


def _patch_before_each_send(atlas: Atlas, other: Atlas, times: int) -> list[int]:
    """Make ``other`` PATCH the fields right before ``atlas``'s next ``times`` sends go out."""
    patched: list[int] = []

    async def hook(attempt: Attempt) -> None:
        if attempt.path.endswith("/send") and len(patched) < times:
            eid = attempt.path.split("/")[-2]
            result = await other.envelopes.update_fields(eid, [FIELD])
            patched.append(result.fields_version)

    hooks_of(atlas).before.append(hook)
    return patched


async def test_conflict_rereads_asks_the_hook_and_sends(
    atlas: Atlas, make_client: Any, fake: FakeAtlas
) -> None:
    eid = await _ready(atlas)
    patched = _patch_before_each_send(atlas, make_client(), times=1)
    seen: list[int] = []

    async def on_conflict(current: Any) -> bool:
        seen.append(current.fields_version)
        return True

    sends: list[tuple[str, dict[str, Any]]] = []

    async def record(attempt: Attempt) -> None:
        if attempt.path.endswith("/send"):
            sends.append((attempt.headers["Idempotency-Key"], json.loads(attempt.content or b"")))

    hooks_of(atlas).before.append(record)
    version = (await atlas.envelopes.get(eid)).fields_version
    credits = fake.credits()
    env = await atlas.envelopes.send(eid, on_conflict=on_conflict)
    assert len(patched) == 1
    assert seen == patched  # the hook saw the fields as they were after the PATCH
    assert env.status == EnvelopeStatus.PENDING
    assert env.fields_version == patched[0]
    assert fake.credits() == credits - 1
    # No caller key: each send's key is derived from what it sends, so the retry after the
    # conflict (a new fields_version) is a new request with a new key, and a re-run of either
    # send derives the same key again.
    assert [body["fields_version"] for _, body in sends] == [version, patched[0]]
    assert [key for key, _ in sends] == [
        send_idempotency_key(eid, body["fields_version"], body) for _, body in sends
    ]
    assert sends[0][0] != sends[1][0]


async def test_conflict_hook_can_veto(atlas: Atlas, make_client: Any, fake: FakeAtlas) -> None:
    eid = await _ready(atlas)
    _patch_before_each_send(atlas, make_client(), times=1)
    credits = fake.credits()
    with pytest.raises(FieldsVersionConflictError):
        await atlas.envelopes.send(eid, on_conflict=lambda current: False)
    assert (await atlas.envelopes.get(eid)).status == EnvelopeStatus.DRAFT
    assert fake.credits() == credits


async def test_conflict_retries_are_bounded(atlas: Atlas, make_client: Any) -> None:
    eid = await _ready(atlas)
    patched = _patch_before_each_send(atlas, make_client(), times=10)
    with pytest.raises(FieldsVersionConflictError):
        await atlas.envelopes.send(eid, max_conflict_retries=2)
    assert len(patched) == 3  # the first send and two retries, each beaten by a PATCH


# Waiting for signatures -------------------------------------------------------------------------


async def test_wait_until_signed_polls_until_both_sign(atlas: Atlas, fake: FakeAtlas) -> None:
    eid = await _sent(atlas)
    status_path = f"/api/envelope/{eid}/status"

    def polls() -> int:
        return sum(1 for r in fake.requests if r.path == status_path)

    async def after_poll(count: int) -> None:
        # Sign only once the waiter has seen the state before: each signature lands between polls.
        with anyio.fail_after(10):
            while polls() < count:  # noqa: ASYNC110 - the emulator's request log has no event
                await anyio.sleep(0.01)

    async def signers() -> None:
        await after_poll(1)
        await fake.sign(eid)
        await after_poll(polls() + 1)
        await fake.sign(eid)

    async with anyio.create_task_group() as tg:
        tg.start_soon(signers)
        done = await atlas.envelopes.wait_until_signed(eid, timeout=20, poll_interval=0.05)
    assert done.source == "poll"
    assert done.signed_count == 2
    assert polls() >= 3  # pending, one signed, both signed


async def test_wait_until_signed_raises_on_decline_and_void(atlas: Atlas, fake: FakeAtlas) -> None:
    declined = await _sent(atlas)
    await fake.decline(declined, "wrong amount")
    with pytest.raises(EnvelopeDeclinedError):
        await atlas.envelopes.wait_until_signed(declined, timeout=5)
    voided = await _sent(atlas)
    await atlas.envelopes.void(voided)
    with pytest.raises(EnvelopeVoidedError):
        await atlas.envelopes.wait_until_signed(voided, timeout=5)


async def test_wait_until_signed_deadline(atlas: Atlas) -> None:
    eid = await _sent(atlas)
    with pytest.raises(WaitTimeoutError) as info:
        await atlas.envelopes.wait_until_signed(eid, timeout=0.3, poll_interval=0.1)
    assert info.value.last.status == "pending"


async def test_the_wait_deadline_cuts_a_poll_in_flight(atlas: Atlas, fake: FakeAtlas) -> None:
    eid = await _sent(atlas)
    fake.faults.add("latency", "GET /api/envelope/{id}/status", seconds=30, count=None)
    started = anyio.current_time()
    with anyio.fail_after(10), pytest.raises(WaitTimeoutError) as info:
        await atlas.envelopes.wait_until_signed(eid, timeout=0.3)
    assert anyio.current_time() - started < 5  # not the server's 30 s
    assert info.value.last is None  # no poll ever answered


async def test_the_wait_deadline_cuts_the_sleep_between_polls(atlas: Atlas) -> None:
    eid = await _sent(atlas)
    started = anyio.current_time()
    with anyio.fail_after(10), pytest.raises(WaitTimeoutError) as info:
        await atlas.envelopes.wait_until_signed(eid, timeout=0.3, poll_interval=20)
    assert anyio.current_time() - started < 5  # not the 20 s to the next poll
    assert info.value.last.status == "pending"


async def test_webhook_wakes_the_waiter_without_another_request(atlas: Atlas, wire: Any) -> None:
    eid = await _sent(atlas)
    polled, _ = _event_after(atlas, "GET", "/status")
    result: list[Any] = []

    async def waiter() -> None:
        # A long poll interval: only the notification can end this wait quickly.
        result.append(await atlas.envelopes.wait_until_signed(eid, timeout=30, poll_interval=25))

    async with anyio.create_task_group() as tg:
        tg.start_soon(waiter)
        with anyio.fail_after(5):
            await polled.wait()  # subscribed, first poll answered "pending"
        requests = wire.checked
        copy = atlas.with_options(timeout=5.0)  # every copy shares the client's waiter bus
        assert isinstance(copy.waiter_bus, LocalWaiterBus)
        assert copy.waiter_bus.waiting(eid) == 1
        await copy.notify_envelope(eid, "signed")
    assert result[0].source == "webhook"
    assert wire.checked == requests  # no further HTTP call


async def test_webhook_declined_raises(atlas: Atlas) -> None:
    eid = await _sent(atlas)
    polled, _ = _event_after(atlas, "GET", "/status")
    raised: list[BaseException] = []

    async def waiter() -> None:
        try:
            await atlas.envelopes.wait_until_signed(eid, timeout=30, poll_interval=25)
        except EnvelopeDeclinedError as exc:
            raised.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(waiter)
        with anyio.fail_after(5):
            await polled.wait()
        await atlas.notify_envelope(eid, "declined")
    assert len(raised) == 1


def _status_polls(fake: FakeAtlas, eid: str) -> int:
    return sum(1 for r in fake.requests if r.path == f"/api/envelope/{eid}/status")


async def test_non_final_webhooks_keep_the_waiter_waiting(atlas: Atlas, fake: FakeAtlas) -> None:
    eid = await _sent(atlas)
    polled, _ = _event_after(atlas, "GET", "/status")
    result: list[Any] = []

    async def waiter() -> None:
        result.append(await atlas.envelopes.wait_until_signed(eid, timeout=30, poll_interval=25))

    async with anyio.create_task_group() as tg:
        tg.start_soon(waiter)
        with anyio.fail_after(5):
            await polled.wait()
        assert _status_polls(fake, eid) == 1
        for status in ("pending", "pending", "draft"):  # envelope.sent, envelope.viewed...
            await atlas.notify_envelope(eid, status)
            await anyio.wait_all_tasks_blocked()  # the waiter has seen it and sleeps again
            assert _status_polls(fake, eid) == 1  # ...cost no request
        assert not result  # and did not end the wait
        await atlas.notify_envelope(eid, "signed")
    assert result[0].source == "webhook"
    assert _status_polls(fake, eid) == 1


async def test_a_webhook_without_a_known_status_makes_the_waiter_poll(
    atlas: Atlas, fake: FakeAtlas
) -> None:
    eid = await _sent(atlas)
    polled, _ = _event_after(atlas, "GET", "/status")
    raised: list[BaseException] = []

    async def waiter() -> None:
        try:
            await atlas.envelopes.wait_until_signed(eid, timeout=30, poll_interval=25)
        except EnvelopeVoidedError as exc:
            raised.append(exc)

    async with anyio.create_task_group() as tg:
        tg.start_soon(waiter)
        with anyio.fail_after(5):
            await polled.wait()
        for status, polls in ((None, 2), ("archived", 3)):  # unknown: only the server can say
            await atlas.notify_envelope(eid, status)
            with anyio.fail_after(5):
                while _status_polls(fake, eid) < polls:
                    await anyio.wait_all_tasks_blocked()
        await atlas.envelopes.void(eid)
        await atlas.notify_envelope(eid, None)  # the next poll sees the void
    assert len(raised) == 1
    assert _status_polls(fake, eid) == 3 + 1


async def test_while_webhooks_flow_the_safety_net_polls_ten_times_less_often(
    atlas: Atlas, fake: FakeAtlas
) -> None:
    eid = await _sent(atlas)
    await atlas.notify_envelope("another-envelope", "pending")  # webhooks reach this process
    polled, _ = _event_after(atlas, "GET", "/status")
    result: list[Any] = []

    async def waiter() -> None:
        result.append(await atlas.envelopes.wait_until_signed(eid, timeout=30, poll_interval=0.2))

    async with anyio.create_task_group() as tg:
        tg.start_soon(waiter)
        with anyio.fail_after(5):
            await polled.wait()
        first_poll = anyio.current_time()
        await fake.sign(eid)  # its webhook is lost: only the safety-net poll can see it
        await fake.sign(eid)
    # The next poll came 10 x poll_interval later, not 0.2 s (a lower bound: load cannot break it).
    assert anyio.current_time() - first_poll >= 10 * 0.2 * 0.95
    assert result[0].source == "poll"
    assert _status_polls(fake, eid) == 2


@pytest.mark.parametrize("news", ["none", "from the start", "after the first polls"])
async def test_while_webhooks_flow_the_waits_keep_to_the_poll_budget(
    news: str, caplog: pytest.LogCaptureFixture
) -> None:
    # 200 waits: with webhooks reaching the client, the poll is a safety net at the waits' share
    # of the budget, one poll each every 200 / 50 = 4 s, longer than max_poll_interval (1 s),
    # for the polls scheduled before the webhooks began to flow as for those after. Polling
    # alone (the control), a wait polls again within max_poll_interval: it is the only way to
    # learn of a signature.
    waits, safety_net = 200, 4.0
    polled: set[str] = set()
    # The test reads what the waits decide (their debug records), not the gaps between their
    # polls: on a machine loaded enough that 200 polls take the event loop 3.5 s a round (seen
    # under three busy loops), the gaps are the round's length whatever the waits chose, and the
    # first waits can be due again before the last have polled once (then, before any webhook,
    # they poll). After each poll a wait records the interval it chose; when its next poll comes
    # due, how long after the last answer (wall clock: each record's `created`).
    caplog.set_level(logging.DEBUG, logger="atlas_async")
    news_at: list[float] = []  # by the wall clock, when each webhook was delivered

    first_polls, news_began = anyio.Event(), anyio.Event()

    def answer(request: Any) -> Any:
        polled.add(request.url.path)
        if len(polled) == waits:
            first_polls.set()
        return httpx.Response(200, json={"envelope_id": "e", "status": "pending"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with (
        http,
        Atlas("atlas_live_budget_tests", base_url="https://a.test", http_client=http) as atlas,
    ):

        async def other_news() -> None:  # webhooks about other envelopes, every 0.1 s
            if news == "after the first polls":
                await first_polls.wait()
            for _ in range(1000):
                await atlas.notify_envelope("another-envelope", "pending")
                news_at.append(time.time())
                news_began.set()
                await anyio.sleep(0.1)

        async def wait(eid: str) -> None:
            await atlas.envelopes.wait_until_signed(
                eid, timeout=60, poll_interval=1.0, max_poll_interval=1.0
            )

        async with anyio.create_task_group() as tg:
            if news != "none":
                tg.start_soon(other_news)
            async with anyio.create_task_group() as waiting:
                for i in range(waits):
                    waiting.start_soon(wait, f"env-{i}")
                with anyio.fail_after(30):  # waited for, so a loaded machine cannot fail it
                    await first_polls.wait()
                    if news != "none":
                        await news_began.wait()
                # Every wait has polled once: a sleep of max_poll_interval scheduled after its
                # poll would end within this window. All are cut short together (a deadline
                # would end them one by one, and the share of the waits left would grow).
                await anyio.sleep(1.5)
                waiting.cancel_scope.cancel()
            tg.cancel_scope.cancel()
    assert len(polled) == waits  # every envelope polled
    records = [r for r in caplog.records if r.name == "atlas_async" and isinstance(r.args, tuple)]
    # (the interval chosen after a poll, when: wall clock)
    chosen = [(r.args[2], r.created) for r in records if "next poll in" in r.msg]
    # (seconds from the last answer to the next poll's coming due, when: wall clock)
    ended = [(r.args[1], r.created) for r in records if "poll due" in r.msg]
    if news == "none":
        # The second round was due within max_poll_interval (1 s), not at the safety net's 4 s.
        assert len(chosen) >= waits
        assert max(interval for interval, _ in chosen) <= 1.0
        return

    def flowing(at: float) -> bool:  # a webhook within the last second (max_poll_interval)?
        return any(at - 0.95 < sent <= at for sent in news_at)

    # A sleep after a poll that ends while webhooks flow ends a safety net after that poll, one
    # scheduled before they began included (no wait polls again within 4 s of its last poll).
    while_flowing = [after for after, wall in ended if flowing(wall)]
    assert all(after >= safety_net - 0.01 for after in while_flowing)
    if news == "after the first polls":
        # Not a vacuous pass: sleeps were under way when the webhooks began (with the first
        # polls done before, all of them), and a second poll of max_poll_interval would end
        # inside the window, so with the put-off gone the check above fails.
        assert any(began < news_at[0] for _, began in chosen)


# The whole flow -------------------------------------------------------------------------------------


async def test_create_and_send_is_idempotent_end_to_end(atlas: Atlas, fake: FakeAtlas) -> None:
    credits = fake.credits()
    first = await atlas.envelopes.create_and_send(PDF, parties=PARTIES, idempotency_key="order-42")
    again = await atlas.envelopes.create_and_send(PDF, parties=PARTIES, idempotency_key="order-42")
    assert first.envelope_id == again.envelope_id
    assert again.status == EnvelopeStatus.PENDING
    assert len(fake.envelopes()) == 1
    assert fake.credits() == credits - 1


async def test_create_and_send_waits_for_signatures(atlas: Atlas, fake: FakeAtlas) -> None:
    sent, ids = _event_after(atlas, "POST", "/send")

    async def signer() -> None:
        with anyio.fail_after(10):
            await sent.wait()
        eid = ids[0]
        await fake.sign(eid)
        await fake.sign(eid)

    async with anyio.create_task_group() as tg:
        tg.start_soon(signer)
        env = await atlas.envelopes.create_and_send(
            PDF,
            parties=PARTIES,
            wait_signed=True,
            sign_timeout=20,
        )
    assert env.status == EnvelopeStatus.SIGNED


async def test_create_and_send_without_fields_needs_placement(
    atlas: Atlas, fake: FakeAtlas
) -> None:
    fake.set_detection("recovered_empty", count=2)
    with pytest.raises(ManualPlacementRequiredError):
        await atlas.envelopes.create_and_send(PDF, parties=PARTIES)
    env = await atlas.envelopes.create_and_send(PDF, parties=PARTIES, fields=[FIELD])
    assert env.status == EnvelopeStatus.PENDING


def _send_keys(fake: FakeAtlas) -> list[str | None]:
    return [r.idempotency_key for r in fake.requests if r.path.endswith("/send")]


async def test_rerun_of_a_send_with_a_callers_key_after_a_conflict_replays(
    atlas: Atlas, make_client: Any, fake: FakeAtlas
) -> None:
    eid = await _ready(atlas)
    version = (await atlas.envelopes.get(eid)).fields_version
    _patch_before_each_send(atlas, make_client(), times=1)
    credits = fake.credits()
    first = await atlas.envelopes.send(eid, fields_version=version, idempotency_key="order-7")
    assert _send_keys(fake) == ["order-7", f"order-7-v{first.fields_version}"]
    # The caller died before recording the result and re-runs exactly the same call.
    again = await atlas.envelopes.send(eid, fields_version=version, idempotency_key="order-7")
    assert again.envelope_id == first.envelope_id
    assert again.status == EnvelopeStatus.PENDING
    assert was_replayed(again)  # proven by the server: the earlier send under this call's key
    assert fake.credits() == credits - 1


async def test_rerun_with_derived_keys_and_a_stale_version_replays(
    atlas: Atlas, make_client: Any, fake: FakeAtlas
) -> None:
    eid = await _ready(atlas)
    version = (await atlas.envelopes.get(eid)).fields_version
    _patch_before_each_send(atlas, make_client(), times=1)
    credits = fake.credits()
    first = await atlas.envelopes.send(eid, fields_version=version)
    again = await atlas.envelopes.send(eid, fields_version=version)
    assert again.envelope_id == first.envelope_id
    assert was_replayed(again)
    assert fake.credits() == credits - 1


async def test_a_send_made_by_someone_else_is_not_claimed(
    atlas: Atlas, make_client: Any, fake: FakeAtlas
) -> None:
    eid = await _ready(atlas)
    version = (await atlas.envelopes.get(eid)).fields_version
    await make_client().envelopes.send(eid, idempotency_key="someone-else")
    with pytest.raises(InvalidStateError):
        await atlas.envelopes.send(eid, fields_version=version, idempotency_key="order-8")
    with pytest.raises(InvalidStateError):
        await atlas.envelopes.send(eid)  # derived keys: no earlier send of ours either
    # The proof attempt reused this call's own key rule and was refused like the first.
    assert _send_keys(fake)[1:3] == ["order-8", f"order-8-v{version}"]


def _patches(fake: FakeAtlas) -> int:
    return sum(1 for r in fake.requests if r.method == "PATCH")


async def test_create_and_send_rerun_with_fallback_fields_returns_the_sent_envelope(
    atlas: Atlas, fake: FakeAtlas
) -> None:
    fake.set_detection("recovered_empty", count=1)
    credits = fake.credits()
    run = {"parties": PARTIES, "fields": [FIELD], "idempotency_key": "order-77"}
    first = await atlas.envelopes.create_and_send(PDF, **run)
    # The caller crashed before recording the result, and runs the same call again.
    again = await atlas.envelopes.create_and_send(PDF, **run)
    assert again.envelope_id == first.envelope_id
    assert again.status == EnvelopeStatus.PENDING
    assert len(again.fields) == 1
    assert _patches(fake) == 1  # the fallback was placed once, never onto the sent envelope
    assert fake.credits() == credits - 1


async def test_create_and_send_rerun_after_fields_were_placed_sends_them(
    atlas: Atlas, fake: FakeAtlas
) -> None:
    fake.set_detection("recovered_empty", count=1)
    # The first run got as far as placing its fallback fields, then died before the send.
    created = await atlas.envelopes.create(PDF, parties=PARTIES, idempotency_key="order-78")
    await atlas.envelopes.wait_for_fields(created.envelope_id, fields=[FIELD])
    env = await atlas.envelopes.create_and_send(
        PDF, parties=PARTIES, fields=[FIELD], idempotency_key="order-78"
    )
    assert env.envelope_id == created.envelope_id
    assert env.status == EnvelopeStatus.PENDING
    assert _patches(fake) == 1
    assert len(fake.envelopes()) == 1


# Lifecycle actions and the PDF ------------------------------------------------------------------------


async def test_void_refunds_and_then_is_invalid_state(atlas: Atlas, fake: FakeAtlas) -> None:
    eid = await _sent(atlas)
    credits = fake.credits()
    env = await atlas.envelopes.void(eid, reason="sent by mistake")
    assert env.status == EnvelopeStatus.VOIDED
    assert env.credit_refunded is True
    assert fake.credits() == credits + 1
    with pytest.raises(InvalidStateError):
        await atlas.envelopes.void(eid)


async def test_decline_with_the_signers_token(atlas: Atlas) -> None:
    eid = await _sent(atlas)
    env = await atlas.envelopes.get(eid)
    sign_url = next(p.sign_url for p in env.parties if isinstance(p.sign_url, str))
    with pytest.raises(AuthenticationError):
        await atlas.envelopes.decline(eid, reason="no", signer_token="not-a-token")
    declined = await atlas.envelopes.decline(eid, reason="wrong amount", sign_url=sign_url)
    assert declined.status == EnvelopeStatus.DECLINED
    with pytest.raises(ValueError, match="exactly one"):
        await atlas.envelopes.decline(eid, reason="x")


async def test_remind_and_its_cooldown(atlas: Atlas, wire: Any) -> None:
    eid = await _sent(atlas)
    reminded = await atlas.envelopes.remind(eid)
    assert reminded.reminded_email == "jane@example.com"
    before = wire.checked
    with pytest.raises(RateLimitError) as info:
        await atlas.envelopes.remind(eid)
    assert info.value.code == "remind_cooldown"
    assert info.value.retry_after is not None
    assert wire.checked == before + 1  # not retried
    draft = await _ready(atlas)
    with pytest.raises(InvalidStateError):
        await atlas.envelopes.remind(draft)


async def test_pdf_before_signing_and_streamed_after(atlas: Atlas, fake: FakeAtlas) -> None:
    eid = await _sent(atlas)
    with pytest.raises(InvalidStateError) as info:
        await atlas.envelopes.download_signed_pdf(eid)
    assert info.value.code == "not_signed"
    await fake.sign(eid)
    await fake.sign(eid)
    chunks = []
    async with atlas.envelopes.stream_signed_pdf(eid, chunk_size=256) as stream:
        async for chunk in stream:
            chunks.append(chunk)
    assert len(chunks) > 1
    assert b"".join(chunks) == fake.signed_pdf(eid)
    assert b"".join([c async for c in atlas.envelopes.stream_signed_pdf(eid)]) == b"".join(chunks)
    assert await atlas.envelopes.download_signed_pdf(eid) == b"".join(chunks)


async def test_download_to_a_path_leaves_nothing_on_error(atlas: Atlas, tmp_path: Path) -> None:
    eid = await _sent(atlas)
    target = tmp_path / "signed.pdf"
    with pytest.raises(InvalidStateError):
        await atlas.envelopes.download_signed_pdf(eid, target)
    assert [p async for p in anyio.Path(tmp_path).iterdir()] == []


async def _signed_behind_a_redirect(fake: FakeAtlas, atlas: Atlas) -> str:
    eid = await _sent(atlas)
    await fake.sign(eid)
    await fake.sign(eid)
    return eid


def _storage_fetches(fake: FakeAtlas) -> list[int | None]:
    return [r.status for r in fake.requests if r.path.startswith("/storage/")]


async def test_pdf_redirect_to_storage_is_followed_without_credentials(tmp_path: Path) -> None:
    # As Atlas may: the PDF endpoint answers 302 to a presigned URL on another host, which (like
    # S3) rejects a request that carries an Authorization header. In process, no sockets.
    fake = FakeAtlas(detection_delay=0.0, pdf_redirect=True)
    async with (
        httpx.AsyncClient(transport=fake.transport()) as http,
        Atlas(fake.api_key, base_url=fake.base_url, http_client=http) as atlas,
    ):
        eid = await _signed_behind_a_redirect(fake, atlas)
        expected = fake.signed_pdf(eid)
        assert await atlas.envelopes.download_signed_pdf(eid) == expected
        target = await atlas.envelopes.download_signed_pdf(eid, tmp_path / "signed.pdf")
        assert await anyio.Path(target).read_bytes() == expected
        async with atlas.envelopes.stream_signed_pdf(eid, chunk_size=256) as stream:
            chunks = [chunk async for chunk in stream]
        assert len(chunks) > 1
        assert b"".join(chunks) == expected
        tenant_copy = atlas.with_options(timeout=5.0)  # a copy follows it the same way
        assert await tenant_copy.envelopes.download_signed_pdf(eid) == expected
    assert fake.leaked_credentials == []
    assert _storage_fetches(fake) == [200, 200, 200, 200]
    pdf_answers = [r.status for r in fake.requests if r.path.endswith(f"{eid}/pdf")]
    assert pdf_answers == [302, 302, 302, 302]


async def test_pdf_redirect_over_real_sockets(tmp_path: Path) -> None:
    # Served on 127.0.0.1, the storage host is "localhost": another origin, over TCP, with the
    # client's own connection pool.
    fake = FakeAtlas(detection_delay=0.0, pdf_redirect=True)
    async with fake.serve() as url, Atlas(fake.api_key, base_url=url) as atlas:
        eid = await _signed_behind_a_redirect(fake, atlas)
        target = await atlas.envelopes.download_signed_pdf(eid, tmp_path / "signed.pdf")
        assert await anyio.Path(target).read_bytes() == fake.signed_pdf(eid)
    assert fake.leaked_credentials == []
    assert _storage_fetches(fake) == [200]


async def test_wrong_api_key_is_authentication_error(make_client: Any) -> None:
    with pytest.raises(AuthenticationError) as info:
        await make_client(api_key="atlas_live_wrong").envelopes.get(
            "00000000-0000-4000-8000-000000000000"
        )
    assert "atlas_live_wrong" not in str(info.value)


async def test_conflict_with_a_callers_key_uses_a_versioned_key(
    atlas: Atlas, make_client: Any, fake: FakeAtlas
) -> None:
    eid = await _ready(atlas)
    _patch_before_each_send(atlas, make_client(), times=1)
    keys: list[str] = []

    async def record(attempt: Attempt) -> None:
        if attempt.path.endswith("/send"):
            keys.append(attempt.headers["Idempotency-Key"])

    hooks_of(atlas).before.append(record)
    credits = fake.credits()
    env = await atlas.envelopes.send(eid, idempotency_key="send-order-7")
    assert env.status == EnvelopeStatus.PENDING
    assert keys[0] == "send-order-7"  # the caller's key, untouched, for what they asked
    assert keys[1] == f"send-order-7-v{env.fields_version}"  # a new request, a new key
    assert fake.credits() == credits - 1
