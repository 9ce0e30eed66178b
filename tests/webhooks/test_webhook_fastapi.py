"""FastAPI glue, exercised through examples/webhooks_fastapi.py (in process, asyncio and trio)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI

from atlas_async.testing import sign_webhook
from atlas_async.webhooks import EnvelopeSignedEvent, WebhookEvent
from atlas_async.webhooks.fastapi import verified_event, webhook_router

from .atlas_webhook_samples import SECRET, asgi_post, event_payload, load_example, signed

pytestmark = pytest.mark.anyio

example = load_example("webhooks_fastapi")
URL = "http://receiver.test/webhooks/atlas"


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app))


async def post(client: httpx.AsyncClient, body: bytes, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Atlas-Signature"] = signature
    return await client.post(URL, content=body, headers=headers)


async def test_example_processes_a_signed_event_once() -> None:
    app = example.create_app(SECRET)
    payload = event_payload("envelope.signed", envelope_id="env-1")
    async with client_for(app) as client:
        first = await post(client, *signed(payload))
        again = await post(client, *signed(payload))
    assert first.status_code == 200
    assert first.json() == {"event_id": payload["event_id"], "outcome": "processed"}
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert app.state.deals == {"env-1": "signed"}


@pytest.mark.parametrize("tamper", ["body", "missing-header", "wrong-key"])
async def test_example_rejects_bad_signatures_and_processes_nothing(tamper: str) -> None:
    app = example.create_app(SECRET)
    body, header = signed(event_payload("envelope.signed", envelope_id="env-1"))
    if tamper == "body":
        body = body.replace(b"env-1", b"env-2")
    elif tamper == "wrong-key":
        header = sign_webhook(body, "another_key")
    async with client_for(app) as client:
        response = await post(client, body, None if tamper == "missing-header" else header)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert app.state.deals == {}
    assert len(app.state.webhooks.store) == 0


async def test_the_raw_body_is_verified_byte_for_byte() -> None:
    # Odd spacing, key order and escapes: any parse-and-reserialise step would change these bytes.
    body = (
        b'{ "type" : "envelope.signed",\n  "event_id":"evt_raw", "envelope_id": "env-r",'
        b' "created_at": "2026-03-02T15:41:22Z",'
        b' "data": {"status": "signed", "envelope_id": "env-r", "note": "J\\u00f6rg \xe2\x9c\x93"} }'
    )
    assert json.dumps(json.loads(body)).encode() != body
    app = example.create_app(SECRET)
    async with client_for(app) as client:
        response = await post(client, body, sign_webhook(body, SECRET))
    assert response.status_code == 200, response.text
    assert app.state.deals == {"env-r": "signed"}


async def test_a_failing_handler_answers_500_and_the_retry_processes_it() -> None:
    app = example.create_app(SECRET)
    attempts = 0

    @app.state.webhooks.on(EnvelopeSignedEvent)
    async def flaky(event: EnvelopeSignedEvent) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("transient")

    payload = event_payload("envelope.signed", envelope_id="env-f")
    async with client_for(app) as client:
        failed = await post(client, *signed(payload))
        retried = await post(client, *signed(payload))
    assert failed.status_code == 500
    assert failed.json()["error"]["code"] == "handler_failed"
    assert "transient" not in failed.text
    assert retried.status_code == 200
    assert retried.json()["outcome"] == "processed"
    assert attempts == 2


async def test_rotation_and_proxy_joined_headers() -> None:
    app = example.create_app(["old_key", SECRET])
    body, header = signed(event_payload("envelope.declined", envelope_id="env-d"))
    async with client_for(app) as client:
        response = await client.post(
            URL,
            content=body,
            headers=[("X-Atlas-Signature", "sha256=" + "0" * 64), ("X-Atlas-Signature", header)],
        )
    assert response.status_code == 200
    assert app.state.deals == {"env-d": "declined"}


async def test_limits_and_methods() -> None:
    app = FastAPI()
    from atlas_async.webhooks import WebhookDispatcher

    app.include_router(webhook_router(WebhookDispatcher(SECRET), path="/hook", max_body_size=64))
    async with client_for(app) as client:
        too_big = await client.post("http://t/hook", content=b"x" * 65)
        get = await client.get("http://t/hook")
    assert too_big.status_code == 413
    # No Content-Length: the limit must hold while streaming, not only on the declared size.
    status, _ = await asgi_post(app, "/hook", [b"x" * 40, b"y" * 40, b"z" * 40])
    assert status == 413
    assert get.status_code == 405


async def test_invalid_payload_is_400_naming_the_field() -> None:
    app = example.create_app(SECRET)
    payload = event_payload("envelope.signed")
    payload["data"]["status"] = 7
    async with client_for(app) as client:
        response = await post(client, *signed(payload))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_payload"
    assert "data.status" in response.json()["error"]["message"]


async def test_verified_event_dependency() -> None:
    app = FastAPI()
    received: list[WebhookEvent] = []

    @app.post("/hook")
    async def hook(
        event: Annotated[WebhookEvent, Depends(verified_event(SECRET))],
    ) -> dict[str, str]:
        received.append(event)
        return {"type": event.type}

    body, header = signed(event_payload("envelope.voided", envelope_id="env-v"))
    async with client_for(app) as client:
        ok = await client.post("http://t/hook", content=body, headers={"X-Atlas-Signature": header})
        bad = await client.post(
            "http://t/hook", content=body + b" ", headers={"X-Atlas-Signature": header}
        )
        unsigned = await client.post("http://t/hook", content=body)
    assert ok.status_code == 200
    assert ok.json() == {"type": "envelope.voided"}
    assert bad.status_code == 400
    assert "does not match" in bad.json()["detail"]
    assert unsigned.status_code == 400
    assert "missing" in unsigned.json()["detail"]
    assert [e.envelope_id for e in received] == ["env-v"]
