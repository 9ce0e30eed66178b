"""Webhook delivery: real HTTP POSTs to an in-process receiver, signed as Atlas signs, retried
on Atlas's schedule (compressible), every attempt inspectable; payloads match openapi.json."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import anyio
import httpx
import jsonschema
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atlas_async.testing import RETRY_SCHEDULE, FakeAtlas, ManualClock, sign_webhook

from .._support.tls import count_contexts
from .conftest import PARTIES, PDF, b64

pytestmark = pytest.mark.anyio

HOOK = "http://hooks.test/atlas"
SPEC = json.loads((Path(__file__).resolve().parents[2] / "openapi.json").read_text())


class Receiver:
    """A webhook endpoint that fails its first ``failures`` calls, optionally slowly."""

    def __init__(self, failures: int = 0, delay: float = 0.0) -> None:
        self.failures = failures
        self.delay = delay
        self.calls: list[tuple[bytes, dict[str, str]]] = []
        self.got_ok = anyio.Event()
        self.app = Starlette(routes=[Route("/atlas", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        self.calls.append((await request.body(), dict(request.headers)))
        if self.delay:
            await anyio.sleep(self.delay)
        if len(self.calls) <= self.failures:
            return Response(status_code=500)
        self.got_ok.set()
        return Response(status_code=204)


async def create_with_hook(fake: FakeAtlas, key: str | None = None) -> str:
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as c:
        r = await c.post(
            "/api/envelope",
            json={"document": b64(PDF), "parties": PARTIES[:1], "webhook_url": HOOK},
            headers={"Authorization": f"Bearer {key or fake.api_key}"},
        )
        assert r.status_code == 201, r.text
        return str(r.json()["envelope_id"])


async def test_signed_with_the_creating_key_and_schema_valid(clock: ManualClock) -> None:
    fake = FakeAtlas(clock=clock, detection_delay=0)
    receiver = Receiver()
    fake.webhooks.route("hooks.test", receiver.app)
    eid = await create_with_hook(fake, key=fake.test_key)
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as c:
        await c.post(
            f"/api/envelope/{eid}/send",
            json={},
            headers={"Authorization": f"Bearer {fake.test_key}"},
        )
    await fake.sign(eid)
    assert await fake.webhooks.flush() == 4
    types = []
    for body, headers in receiver.calls:
        expected = "sha256=" + hmac.new(fake.test_key.encode(), body, hashlib.sha256).hexdigest()
        assert headers["x-atlas-signature"] == expected == sign_webhook(body, fake.test_key)
        event = json.loads(body)
        types.append(event["type"])
        variant = SPEC["webhooks"][event["type"]]["post"]["requestBody"]["content"][
            "application/json"
        ]["schema"]
        jsonschema.validate(event, {**variant, "components": SPEC["components"]})
    assert types == ["envelope.created", "envelope.sent", "envelope.signed", "contract.extracted"]
    assert all(d.delivered for d in fake.webhooks.deliveries)
    assert await fake.webhooks.flush() == 0


async def test_flushes_share_one_tls_context(
    clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each flush makes a delivery client; httpx would build it a TLS context (parsing the whole
    # CA bundle: a flush took about 58 ms of CPU), even for an in-process receiver.
    built = count_contexts(httpx, monkeypatch, tmp_path)
    fake = FakeAtlas(clock=clock, detection_delay=0)
    receiver = Receiver()
    fake.webhooks.route("hooks.test", receiver.app)
    for _ in range(3):
        await create_with_hook(fake)
        assert await fake.webhooks.flush() == 1
    assert len(receiver.calls) == 3
    assert len(built) == 1


async def test_retry_schedule_on_the_emulator_clock(clock: ManualClock) -> None:
    fake = FakeAtlas(clock=clock, detection_delay=0)
    receiver = Receiver(failures=10)
    fake.webhooks.route("hooks.test", receiver.app)
    await create_with_hook(fake)
    await fake.webhooks.flush()
    (delivery,) = fake.webhooks.deliveries
    # Atlas's documented schedule, written out here so a wrong constant cannot pass by itself.
    assert RETRY_SCHEDULE == (60.0, 300.0, 1800.0, 7200.0)
    for wait in (60.0, 300.0, 1800.0, 7200.0):
        assert delivery.next_attempt_at == pytest.approx(clock() + wait)
        fake.advance(wait - 1)
        assert await fake.webhooks.flush() == 0  # not due yet
        fake.advance(1)
        assert await fake.webhooks.flush() == 1
    assert [a.status_code for a in delivery.attempts] == [500] * 5
    assert delivery.gave_up
    assert not delivery.delivered
    assert len(receiver.calls) == 5
    assert len({h["x-atlas-delivery"] for _, h in receiver.calls}) == 1  # the same event each time


async def test_background_worker_with_compressed_time() -> None:
    fake = FakeAtlas(detection_delay=0, webhook_time_scale=0.0005)  # 60 s -> 30 ms
    receiver = Receiver(failures=2)
    fake.webhooks.route("hooks.test", receiver.app)
    async with fake:
        await create_with_hook(fake)
        with anyio.fail_after(5):
            await receiver.got_ok.wait()
    (delivery,) = fake.webhooks.deliveries
    assert [a.status_code for a in delivery.attempts] == [500, 500, 204]
    assert delivery.delivered
    gaps = [b.at - a.at for a, b in zip(delivery.attempts, delivery.attempts[1:], strict=False)]
    assert gaps[0] >= 60 * 0.0005
    assert gaps[1] >= 300 * 0.0005


async def test_slow_receiver_times_out_and_is_retried(clock: ManualClock) -> None:
    fake = FakeAtlas(clock=clock, detection_delay=0, webhook_time_scale=0.01)  # 10 s -> 0.1 s
    receiver = Receiver(delay=1.0)
    fake.webhooks.route("hooks.test", receiver.app)
    await create_with_hook(fake)
    await fake.webhooks.flush()
    (delivery,) = fake.webhooks.deliveries
    assert delivery.attempts[0].error == "timeout"
    assert delivery.next_attempt_at is not None


async def test_unreachable_url_is_a_failed_attempt(clock: ManualClock) -> None:
    fake = FakeAtlas(clock=clock, detection_delay=0)
    async with httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as c:
        await c.post(
            "/api/envelope",
            json={"document": b64(PDF), "webhook_url": "http://127.0.0.1:9/closed"},
            headers={"Authorization": f"Bearer {fake.api_key}"},
        )
    await fake.webhooks.flush()
    (delivery,) = fake.webhooks.deliveries
    assert delivery.attempts[0].status_code is None
    assert delivery.attempts[0].error is not None
    event: dict[str, Any] = delivery.event
    assert event["event_id"].startswith("evt_")
