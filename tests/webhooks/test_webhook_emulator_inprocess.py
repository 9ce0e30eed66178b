"""The emulator delivering to our ASGI glue in process, on a manual clock: deterministic retries
under asyncio and trio, the recipe for users' own receiver tests."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
import pytest

from atlas_async import Atlas, Party
from atlas_async.testing import FakeAtlas, ManualClock
from atlas_async.webhooks import WebhookDispatcher, WebhookEvent
from atlas_async.webhooks.asgi import WebhookApp

pytestmark = pytest.mark.anyio

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


async def test_retry_schedule_step_by_step() -> None:
    fake = FakeAtlas(detection_delay=0.0, clock=ManualClock(1_800_000_000))
    hooks = WebhookDispatcher(fake.api_key)
    failed_once: set[str] = set()
    processed: list[str] = []

    @hooks.on_any
    async def first_delivery_fails(event: WebhookEvent) -> None:
        if event.event_id not in failed_once:
            failed_once.add(event.event_id)
            raise RuntimeError("first delivery fails")
        processed.append(event.type)

    fake.webhooks.route("hooks.test", WebhookApp(hooks))
    async with httpx.AsyncClient(transport=fake.transport()) as http:
        atlas = Atlas(fake.api_key, base_url=fake.base_url, http_client=http)
        env = await atlas.envelopes.create(
            PDF,
            parties=[Party(email="jane@example.com", name="Jane", role="Customer")],
            webhook_url="http://hooks.test/atlas",
        )
        await atlas.envelopes.wait_for_fields(env.envelope_id)
        await atlas.envelopes.send(env.envelope_id)
        await fake.sign(env.envelope_id)

    assert await fake.webhooks.flush() == 4  # first attempts: all answered 500
    assert processed == []
    assert await fake.webhooks.flush() == 0  # nothing due before the 1 min retry
    fake.advance(59)
    assert await fake.webhooks.flush() == 0
    fake.advance(1)
    assert await fake.webhooks.flush() == 4  # the retries: processed
    assert sorted(processed) == sorted(
        ["envelope.created", "envelope.sent", "envelope.signed", "contract.extracted"]
    )
    fake.advance(3 * 3600)
    assert await fake.webhooks.flush() == 0  # delivered: nothing more is retried
    for delivery in fake.webhooks.deliveries:
        assert [a.status_code for a in delivery.attempts] == [500, 200]
        assert delivery.attempts[1].at - delivery.attempts[0].at == 60


class SlowReceiver:
    """An ASGI receiver that takes ``seconds`` to answer 200 (``None``: never answers)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.started = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.started += 1
        if self.seconds is None:
            await anyio.sleep_forever()
        else:
            await anyio.sleep(self.seconds)  # the receiver's own work, slowed by a busy machine
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def created_with_hook(fake: FakeAtlas) -> None:
    async with httpx.AsyncClient(transport=fake.transport()) as http:
        atlas = Atlas(fake.api_key, base_url=fake.base_url, http_client=http)
        await atlas.envelopes.create(
            PDF,
            parties=[Party(email="jane@example.com", name="Jane", role="Customer")],
            webhook_url="http://hooks.test/atlas",
        )


async def test_answer_deadline_is_set_apart_from_the_time_scale() -> None:
    # The scale alone would leave the receiver 50 ms (10 s * 0.001, floored at 50 ms); with
    # webhook_timeout it keeps 5 s however compressed the retry schedule is.
    fake = FakeAtlas(detection_delay=0.0, webhook_time_scale=0.001, webhook_timeout=5.0)
    receiver = SlowReceiver(0.3)
    fake.webhooks.route("hooks.test", receiver)
    await created_with_hook(fake)
    assert await fake.webhooks.flush() == 1
    (delivery,) = fake.webhooks.deliveries
    assert [(a.status_code, a.error) for a in delivery.attempts] == [(200, None)]


async def test_answer_deadline_applies_at_full_time_scale() -> None:
    clock = ManualClock(1_800_000_000)
    fake = FakeAtlas(detection_delay=0.0, clock=clock, webhook_timeout=0.05)
    receiver = SlowReceiver(None)
    fake.webhooks.route("hooks.test", receiver)
    await created_with_hook(fake)
    with anyio.fail_after(5):  # 50 ms, not Atlas's 10 s
        assert await fake.webhooks.flush() == 1
    (delivery,) = fake.webhooks.deliveries
    assert delivery.attempts[0].error == "timeout"
    assert delivery.next_attempt_at == clock() + 60  # the retry schedule is not scaled


@pytest.mark.parametrize("timeout", [0, -1.0, float("nan")])
def test_answer_deadline_must_be_positive(timeout: float) -> None:
    with pytest.raises(ValueError, match="webhook_timeout"):
        FakeAtlas(webhook_timeout=timeout)
