"""WebhookDispatcher: routing, exactly-once by event_id, failure semantics, waking waiters."""

from __future__ import annotations

import json
import logging

import anyio
import pytest

from atlas_async import LocalWaiterBus, WebhookPayloadError, WebhookSignatureError
from atlas_async.webhooks import (
    ClaimResult,
    ContractExtractedEvent,
    EnvelopeEvent,
    EnvelopeSignedEvent,
    EventStore,
    InMemoryEventStore,
    UnknownEvent,
    WebhookDispatcher,
    WebhookEvent,
)

from .atlas_webhook_samples import SECRET, event_payload, signed

pytestmark = pytest.mark.anyio


class FakeClient:
    """Stands in for atlas_async.Atlas: all the dispatcher needs is its ``notify_envelope``."""

    def __init__(self) -> None:
        self.bus = LocalWaiterBus()
        self.calls: list[tuple[str, str | None]] = []

    async def notify_envelope(self, envelope_id: str, status: str | None = None) -> None:
        self.calls.append((envelope_id, status))
        await self.bus.publish(envelope_id, status)


async def test_routes_by_class_base_class_string_and_wildcard() -> None:
    hooks = WebhookDispatcher(SECRET)
    calls: list[str] = []

    @hooks.on(EnvelopeSignedEvent)
    async def by_class(event: EnvelopeSignedEvent) -> None:
        calls.append(f"class:{event.status}")

    @hooks.on(EnvelopeEvent)
    async def by_base(event: EnvelopeEvent) -> None:
        calls.append(f"base:{event.type}")

    async def by_string(event: WebhookEvent) -> None:
        calls.append(f"string:{event.type}")

    hooks.on("envelope.signed", by_string)

    @hooks.on_any
    async def everything(event: WebhookEvent) -> None:
        calls.append(f"any:{event.type}")

    @hooks.on(UnknownEvent)
    async def unknown(event: UnknownEvent) -> None:
        calls.append(f"unknown:{event.type}")

    result = await hooks.handle(*signed(event_payload("envelope.signed")))
    assert result.outcome == "processed"
    assert sorted(calls) == [
        "any:envelope.signed",
        "base:envelope.signed",
        "class:signed",
        "string:envelope.signed",
    ]

    calls.clear()
    await hooks.handle(*signed(event_payload("contract.extracted")))
    assert calls == ["any:contract.extracted"]

    calls.clear()
    await hooks.handle(*signed({"event_id": "evt_n", "type": "envelope.archived"}))
    assert sorted(calls) == ["any:envelope.archived", "unknown:envelope.archived"]


async def test_a_handler_registered_twice_runs_once_per_event() -> None:
    hooks = WebhookDispatcher(SECRET)
    calls: list[str] = []

    async def handler(event: WebhookEvent) -> None:
        calls.append(event.event_id)

    hooks.on("*", handler)
    hooks.on(EnvelopeSignedEvent, handler)
    payload = event_payload("envelope.signed")
    await hooks.handle(*signed(payload))
    assert calls == [payload["event_id"]]


async def test_each_event_is_processed_once() -> None:
    hooks = WebhookDispatcher(SECRET)
    seen: list[str] = []

    @hooks.on_any
    async def record(event: WebhookEvent) -> None:
        seen.append(event.event_id)

    first, second = event_payload("envelope.sent"), event_payload("envelope.signed")
    outcomes = [
        (await hooks.handle(*signed(p))).outcome for p in (first, first, second, first, second)
    ]
    assert outcomes == ["processed", "duplicate", "processed", "duplicate", "duplicate"]
    assert seen == [first["event_id"], second["event_id"]]


async def test_a_failing_handler_neither_stops_the_others_nor_loses_the_event(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hooks = WebhookDispatcher(SECRET, client=FakeClient())
    good_calls = 0
    attempts = 0

    @hooks.on(EnvelopeSignedEvent)
    async def flaky(event: EnvelopeSignedEvent) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("database is down")

    @hooks.on(EnvelopeSignedEvent)
    async def good(event: EnvelopeSignedEvent) -> None:
        nonlocal good_calls
        good_calls += 1

    payload = event_payload("envelope.signed")
    with caplog.at_level(logging.ERROR, logger="atlas_async.webhooks"):
        failed = await hooks.handle(*signed(payload))
    assert failed.outcome == "failed"
    assert not failed.ok
    assert failed.http_status == 500
    assert [f.handler for f in failed.failures] == [flaky.__qualname__]
    assert isinstance(failed.failures[0].error, RuntimeError)
    assert good_calls == 1
    assert payload["event_id"] not in hooks.store  # type: ignore[operator]
    assert payload["event_id"] in caplog.text
    assert "jane@example.com" not in caplog.text

    # Atlas's retry redelivers the same event: every handler runs again, then it is done.
    retried = await hooks.handle(*signed(payload))
    assert retried.outcome == "processed"
    assert (attempts, good_calls) == (2, 2)
    assert (await hooks.handle(*signed(payload))).outcome == "duplicate"
    assert (attempts, good_calls) == (2, 2)


async def test_concurrent_redelivery_is_in_progress_not_processed_twice() -> None:
    hooks = WebhookDispatcher(SECRET)
    entered, release = anyio.Event(), anyio.Event()
    runs = 0

    @hooks.on_any
    async def slow(event: WebhookEvent) -> None:
        nonlocal runs
        runs += 1
        entered.set()
        await release.wait()

    body, header = signed(event_payload("envelope.signed"))
    outcomes: list[str] = []

    async def deliver() -> None:
        outcomes.append((await hooks.handle(body, header)).outcome)

    async with anyio.create_task_group() as tg:
        tg.start_soon(deliver)
        await entered.wait()
        second = await hooks.handle(body, header)
        assert second.outcome == "in_progress"
        assert second.http_status == 409
        release.set()
    assert outcomes == ["processed"]
    assert runs == 1


async def test_cancellation_releases_the_claim() -> None:
    hooks = WebhookDispatcher(SECRET)
    entered = anyio.Event()
    runs = 0

    @hooks.on_any
    async def stuck(event: WebhookEvent) -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            entered.set()
            await anyio.sleep_forever()

    body, header = signed(event_payload("envelope.voided"))
    async with anyio.create_task_group() as tg:
        tg.start_soon(hooks.handle, body, header)
        await entered.wait()
        tg.cancel_scope.cancel()
    # Not stuck "in progress": the redelivery processes it.
    assert (await hooks.handle(body, header)).outcome == "processed"
    assert runs == 2


@pytest.mark.parametrize("tamper", ["body", "header", "secret"])
async def test_nothing_runs_or_is_recorded_for_a_bad_signature(tamper: str) -> None:
    store = InMemoryEventStore()
    client = FakeClient()
    hooks = WebhookDispatcher(
        "other-key" if tamper == "secret" else SECRET, client=client, store=store
    )
    ran = False

    @hooks.on_any
    async def handler(event: WebhookEvent) -> None:
        nonlocal ran
        ran = True

    body, header = signed(event_payload("envelope.signed"))
    if tamper == "body":
        body = body.replace(b'"signed"', b'"voided"')
    elif tamper == "header":
        header = None  # type: ignore[assignment]
    with pytest.raises(WebhookSignatureError):
        await hooks.handle(body, header)
    assert not ran
    assert len(store) == 0
    assert client.calls == []


async def test_an_invalid_signed_payload_runs_nothing() -> None:
    hooks = WebhookDispatcher(SECRET)
    ran = False

    @hooks.on_any
    async def handler(event: WebhookEvent) -> None:
        nonlocal ran
        ran = True

    payload = event_payload("envelope.signed")
    del payload["data"]["status"]
    with pytest.raises(WebhookPayloadError) as info:
        await hooks.handle(*signed(payload))
    assert info.value.field == "data.status"
    assert not ran


@pytest.mark.parametrize(
    ("event_type", "status"),
    [
        ("envelope.created", "draft"),
        ("envelope.sent", "pending"),
        ("envelope.viewed", "pending"),
        ("envelope.signed", "signed"),
        ("envelope.declined", "declined"),
        ("envelope.voided", "voided"),
        ("contract.extracted", "signed"),
    ],
)
async def test_wakes_waiters_with_the_implied_status(event_type: str, status: str) -> None:
    client = FakeClient()
    hooks = WebhookDispatcher(SECRET, client=client)
    payload = event_payload(event_type, envelope_id="env-1")
    async with client.bus.subscribe("env-1") as sub:
        await hooks.handle(*signed(payload))
        notice = await sub.next(0)
        assert notice is not None
        assert notice.status == status
    # A duplicate is not first-seen: no second wake-up.
    await hooks.handle(*signed(payload))
    assert client.calls == [("env-1", status)]


async def test_unknown_envelope_events_wake_with_their_data_status() -> None:
    client = FakeClient()
    hooks = WebhookDispatcher(SECRET, client=client)
    with_status = {
        "event_id": "evt_a",
        "type": "envelope.expired",
        "envelope_id": "e",
        "data": {"status": "expired"},
    }
    bare = {"event_id": "evt_b", "type": "envelope.reassigned", "envelope_id": "e"}
    no_envelope = {"event_id": "evt_c", "type": "account.updated"}
    for payload in (with_status, bare, no_envelope):
        await hooks.handle(*signed(payload))
    assert client.calls == [("e", "expired"), ("e", None)]


async def test_waiters_are_woken_after_the_handlers_ran_even_when_one_failed() -> None:
    client = FakeClient()
    hooks = WebhookDispatcher(SECRET, client=client)
    woken_during_handler: list[int] = []

    @hooks.on(EnvelopeSignedEvent)
    async def failing(event: EnvelopeSignedEvent) -> None:
        woken_during_handler.append(len(client.calls))
        raise ValueError("boom")

    result = await hooks.handle(*signed(event_payload("envelope.signed", envelope_id="env-5")))
    assert result.outcome == "failed"
    assert woken_during_handler == [0]
    assert client.calls == [("env-5", "signed")]


class SharedStore:
    """A store two dispatchers share, as two worker processes would share Redis."""

    def __init__(self) -> None:
        self.state: dict[str, str] = {}
        self.calls: list[tuple[str, str]] = []

    async def claim(self, event_id: str) -> ClaimResult:
        self.calls.append(("claim", event_id))
        current = self.state.get(event_id)
        if current == "done":
            return "processed"
        if current == "busy":
            return "in_progress"
        self.state[event_id] = "busy"
        return "claimed"

    async def mark_processed(self, event_id: str) -> None:
        self.calls.append(("mark_processed", event_id))
        self.state[event_id] = "done"

    async def release(self, event_id: str) -> None:
        self.calls.append(("release", event_id))
        self.state.pop(event_id, None)


async def test_a_pluggable_store_dedupes_across_dispatchers() -> None:
    store = SharedStore()
    assert isinstance(store, EventStore)
    worker_a, worker_b = (
        WebhookDispatcher(SECRET, store=store),
        WebhookDispatcher(SECRET, store=store),
    )
    runs: list[str] = []

    async def record(event: WebhookEvent) -> None:
        runs.append(event.event_id)

    worker_a.on_any(record)
    worker_b.on_any(record)
    payload = event_payload("envelope.signed", event_id="evt_shared")
    assert (await worker_a.handle(*signed(payload))).outcome == "processed"
    assert (await worker_b.handle(*signed(payload))).outcome == "duplicate"
    assert runs == ["evt_shared"]
    assert store.calls == [
        ("claim", "evt_shared"),
        ("mark_processed", "evt_shared"),
        ("claim", "evt_shared"),
    ]


async def test_a_store_failure_releases_the_claim_and_propagates() -> None:
    class BrokenMark(SharedStore):
        async def mark_processed(self, event_id: str) -> None:
            raise ConnectionError("redis went away")

    store = BrokenMark()
    hooks = WebhookDispatcher(SECRET, store=store)
    with pytest.raises(ConnectionError):
        await hooks.handle(*signed(event_payload("envelope.signed", event_id="evt_s")))
    assert store.calls[-1] == ("release", "evt_s")
    assert "evt_s" not in store.state


async def test_in_memory_store_is_bounded_lru() -> None:
    store = InMemoryEventStore(max_events=2)
    for event_id in ("a", "b"):
        assert await store.claim(event_id) == "claimed"
        await store.mark_processed(event_id)
    assert await store.claim("a") == "processed"  # touching "a" makes "b" the oldest
    assert await store.claim("c") == "claimed"
    await store.mark_processed("c")
    assert len(store) == 2
    assert "b" not in store
    assert "a" in store
    assert await store.claim("b") == "claimed"
    await store.release("b")
    assert await store.claim("b") == "claimed"
    with pytest.raises(ValueError, match="at least 1"):
        InMemoryEventStore(max_events=0)


async def test_respond_maps_outcomes_to_http_answers(caplog: pytest.LogCaptureFixture) -> None:
    hooks = WebhookDispatcher(SECRET)

    @hooks.on(ContractExtractedEvent)
    async def explode(event: ContractExtractedEvent) -> None:
        raise RuntimeError("secret customer data in this message")

    ok = await hooks.respond(*signed(event_payload("envelope.sent", event_id="evt_ok")))
    assert (ok.status_code, json.loads(ok.body)) == (
        200,
        {"event_id": "evt_ok", "outcome": "processed"},
    )
    again = await hooks.respond(*signed(event_payload("envelope.sent", event_id="evt_ok")))
    assert json.loads(again.body)["outcome"] == "duplicate"

    failed = await hooks.respond(*signed(event_payload("contract.extracted")))
    assert failed.status_code == 500
    assert json.loads(failed.body)["error"]["code"] == "handler_failed"
    assert b"secret customer data" not in failed.body

    with caplog.at_level(logging.WARNING, logger="atlas_async.webhooks"):
        bad_sig = await hooks.respond(b"{}", "sha256=" + "1" * 64)
    assert "rejected a webhook (mismatch)" in caplog.text
    assert SECRET not in caplog.text
    assert "1" * 64 not in caplog.text
    assert bad_sig.status_code == 400
    assert json.loads(bad_sig.body)["error"]["code"] == "invalid_signature"
    assert bad_sig.result is None

    bad_payload = await hooks.respond(*signed({"type": "envelope.signed"}))
    assert bad_payload.status_code == 400
    assert json.loads(bad_payload.body)["error"] == {
        "code": "invalid_payload",
        "message": "invalid webhook payload: 'event_id' is missing",
    }


def test_registration_mistakes_fail_at_registration() -> None:
    hooks = WebhookDispatcher(SECRET)

    def sync_handler(event: WebhookEvent) -> None: ...

    with pytest.raises(TypeError, match="must be async"):
        hooks.on("*", sync_handler)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-empty"):
        hooks.on("")
    with pytest.raises(TypeError, match="WebhookEvent class"):
        hooks.on(dict)  # type: ignore[call-overload]

    class AsyncCallable:
        async def __call__(self, event: WebhookEvent) -> None: ...

    hooks.on("*", AsyncCallable())


def test_construction_mistakes() -> None:
    with pytest.raises(TypeError, match="notify_envelope"):
        WebhookDispatcher(SECRET, client=object())
    with pytest.raises(ValueError, match="no webhook secret"):
        WebhookDispatcher([])
    assert SECRET not in repr(WebhookDispatcher(SECRET))
