"""aiohttp glue, exercised through examples/webhooks_aiohttp.py on a real 127.0.0.1 socket.

aiohttp runs on asyncio only, so these tests do not take the trio parameter.
"""

from __future__ import annotations

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from atlas_async.testing import sign_webhook
from atlas_async.webhooks import EnvelopeSignedEvent, WebhookDispatcher
from atlas_async.webhooks.aiohttp import webhook_handler

from .atlas_webhook_samples import SECRET, event_payload, load_example, signed

pytestmark = pytest.mark.anyio

example = load_example("webhooks_aiohttp")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_example_end_to_end_over_a_socket() -> None:
    app = example.create_app(SECRET)
    attempts = 0

    @app[example.WEBHOOKS].on(EnvelopeSignedEvent)
    async def flaky(event: EnvelopeSignedEvent) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("first delivery fails")

    signed_payload = event_payload("envelope.signed", envelope_id="env-a")
    voided_body, voided_header = signed(event_payload("envelope.voided", envelope_id="env-b"))
    async with TestServer(app, host="127.0.0.1") as server:
        url = str(server.make_url("/webhooks/atlas"))
        async with httpx.AsyncClient() as client:

            async def post(body: bytes, header: str | None) -> httpx.Response:
                headers = {"X-Atlas-Signature": header} if header else {}
                return await client.post(url, content=body, headers=headers)

            failed = await post(*signed(signed_payload))
            retried = await post(*signed(signed_payload))
            duplicate = await post(*signed(signed_payload))
            tampered = await post(voided_body.replace(b"env-b", b"env-x"), voided_header)
            unsigned = await post(voided_body, None)
            voided = await post(voided_body, voided_header)
            wrong_method = await client.get(url)

    assert failed.status_code == 500
    assert retried.status_code == 200
    assert retried.json()["outcome"] == "processed"
    assert duplicate.json()["outcome"] == "duplicate"
    assert attempts == 2
    assert tampered.status_code == 400
    assert unsigned.status_code == 400
    assert unsigned.json()["error"]["message"] == "missing X-Atlas-Signature header"
    assert voided.status_code == 200
    assert wrong_method.status_code == 405
    assert app[example.DEALS] == {"env-a": "signed", "env-b": "voided"}


async def test_body_limit_stops_reading() -> None:
    app = web.Application()
    app.router.add_post("/hook", webhook_handler(WebhookDispatcher(SECRET), max_body_size=64))

    async def chunks() -> object:
        for _ in range(4):
            yield b"x" * 24

    async with TestServer(app, host="127.0.0.1") as server, httpx.AsyncClient() as client:
        url = str(server.make_url("/hook"))
        declared = await client.post(url, content=b"x" * 65)
        streamed = await client.post(url, content=chunks())  # type: ignore[arg-type]
        body = b'{"event_id": "evt_s", "type": "x.y"}'
        small = await client.post(
            url, content=body, headers={"X-Atlas-Signature": sign_webhook(body, SECRET)}
        )
    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert small.status_code == 200
