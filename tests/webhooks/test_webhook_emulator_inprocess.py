"""The emulator delivering to our ASGI glue in process, on a manual clock: deterministic retries
under asyncio and trio, the recipe for users' own receiver tests."""

from __future__ import annotations

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
