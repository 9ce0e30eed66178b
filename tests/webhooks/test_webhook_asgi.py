"""The framework-free ASGI glue, exercised through examples/webhooks_asgi.py (asyncio and trio)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from atlas_async.webhooks import EnvelopeEvent, WebhookDispatcher, WebhookEvent
from atlas_async.webhooks.asgi import WebhookApp

from .atlas_webhook_samples import SECRET, asgi_post, event_payload, load_example, signed

pytestmark = pytest.mark.anyio

example = load_example("webhooks_asgi")
URL = "http://receiver.test/webhooks/atlas"


def sig_header(value: str) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"application/json"), (b"x-atlas-signature", value.encode())]


async def test_example_processes_each_event_once_and_keeps_the_newest_status() -> None:
    statuses: dict[str, str] = {}
    app = example.create_app(SECRET, statuses=statuses)
    signed_event = event_payload(
        "envelope.signed", envelope_id="env-1", created_at="2026-03-02T16:00:00Z"
    )
    late_sent = event_payload(
        "envelope.sent", envelope_id="env-1", created_at="2026-03-02T15:00:00Z"
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        answers = []
        for payload in (signed_event, signed_event, late_sent):
            body, header = signed(payload)
            response = await client.post(URL, content=body, headers={"X-Atlas-Signature": header})
            answers.append((response.status_code, response.json()["outcome"]))
    assert answers == [(200, "processed"), (200, "duplicate"), (200, "processed")]
    assert statuses == {"env-1": "signed"}  # the retried, older "sent" did not overwrite it


async def test_bad_signature_is_400_and_processes_nothing() -> None:
    statuses: dict[str, str] = {}
    app = example.create_app(SECRET, statuses=statuses)
    body, header = signed(event_payload("envelope.voided"))
    status, answer = await asgi_post(app, "/webhooks/atlas", [body + b"\n"], sig_header(header))
    assert status == 400
    assert json.loads(answer)["error"]["code"] == "invalid_signature"
    assert statuses == {}


async def test_chunked_body_is_reassembled_exactly() -> None:
    statuses: dict[str, str] = {}
    app = example.create_app(SECRET, statuses=statuses)
    body, header = signed(event_payload("envelope.declined", envelope_id="env-c"))
    chunks = [body[i : i + 7] for i in range(0, len(body), 7)]
    status, _ = await asgi_post(app, "/webhooks/atlas", chunks, sig_header(header))
    assert status == 200
    assert statuses == {"env-c": "declined"}


async def test_routing_method_and_size_refusals() -> None:
    app = WebhookApp(WebhookDispatcher(SECRET), path="/hook", max_body_size=10)
    assert (await asgi_post(app, "/elsewhere", [b"{}"]))[0] == 404
    status, _ = await asgi_post(app, "/hook", [], method="GET")
    assert status == 405
    assert (await asgi_post(app, "/hook", [b"x" * 6, b"x" * 6]))[0] == 413
    declared = [(b"content-length", b"11")]
    assert (await asgi_post(app, "/hook", [b"x" * 11], declared))[0] == 413


async def test_without_a_path_it_serves_any_path_as_under_a_mount() -> None:
    hooks = WebhookDispatcher(SECRET)
    seen: list[str] = []

    @hooks.on_any
    async def record(event: WebhookEvent) -> None:
        seen.append(event.event_id)

    body, header = signed(event_payload("envelope.sent", event_id="evt_m"))
    status, _ = await asgi_post(WebhookApp(hooks), "/anything/at/all", [body], sig_header(header))
    assert status == 200
    assert seen == ["evt_m"]


async def test_client_disconnect_mid_body_processes_nothing_and_sends_nothing() -> None:
    hooks = WebhookDispatcher(SECRET)
    seen: list[str] = []

    @hooks.on(EnvelopeEvent)
    async def record(event: EnvelopeEvent) -> None:
        seen.append(event.event_id)

    body, header = signed(event_payload("envelope.signed"))
    status, _ = await asgi_post(
        WebhookApp(hooks), "/", [body[:10], body[10:]], sig_header(header), disconnect_after=1
    )
    assert status is None
    assert seen == []


async def test_handler_failure_is_500() -> None:
    hooks = WebhookDispatcher(SECRET)

    @hooks.on_any
    async def broken(event: WebhookEvent) -> None:
        raise KeyError("nope")

    body, header = signed(event_payload("envelope.signed"))
    status, answer = await asgi_post(WebhookApp(hooks), "/", [body], sig_header(header))
    assert status == 500
    assert json.loads(answer)["error"]["code"] == "handler_failed"


async def test_lifespan_is_acknowledged() -> None:
    app = WebhookApp(WebhookDispatcher(SECRET))
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
