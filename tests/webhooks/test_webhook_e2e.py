"""End to end: the emulator delivers signed webhooks over real HTTP (127.0.0.1) to the FastAPI
example under uvicorn; the first delivery of every event fails, either because its answer is lost
after the work was done, or because a handler raises.

Proves: each event is processed exactly once despite the emulator's retries; a handler that raises
makes the app answer 5xx and the retry completes the event; a tampered body is rejected with
nothing processed; ``wait_until_signed`` in the same process returns on the ``envelope.signed``
webhook with no polling beyond its first ``/status`` request.

Timing: the retry schedule is compressed (``webhook_time_scale=0.01``: retries after 0.6 s, 3 s,
18 s) but the receiver's answer deadline is not (``webhook_timeout=30``), so a slow answer on a
busy machine is never a failed attempt. Every wait is for a condition, under a ceiling far above
what it needs (about a second), which only a hang reaches.

uvicorn serves in this test's own event loop (so the webhook and the waiter share it), which
means asyncio only.
"""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import pytest
import uvicorn

from atlas_async import Atlas, Party
from atlas_async.testing import FakeAtlas
from atlas_async.webhooks import InMemoryEventStore, WebhookEvent

from .atlas_webhook_samples import load_example

pytestmark = pytest.mark.anyio

example = load_example("webhooks_fastapi")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
# Retries 100x sooner than Atlas's; answers get 30 s, as on a real (if busy) machine.
FAST_RETRIES = {"webhook_time_scale": 0.01, "webhook_timeout": 30.0}
CEILING = 60.0  # for conditions that take about a second: only a hang reaches it
EVENT_TYPES = ["envelope.created", "envelope.sent", "envelope.signed", "contract.extracted"]
PARTIES = [
    Party(email="jane@example.com", name="Jane", role="Customer"),
    Party(email="sam@example.com", name="Sam", role="Supplier"),
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class RecordingStore(InMemoryEventStore):
    """The default store, plus a log of which events were marked processed."""

    def __init__(self) -> None:
        super().__init__()
        self.marked: list[str] = []

    async def mark_processed(self, event_id: str) -> None:
        self.marked.append(event_id)
        await super().mark_processed(event_id)


class LoseFirstAnswer:
    """ASGI middleware: the app fully handles every request, but the first answer for each event
    is replaced by a 500, as if the process died after its work and before its response. Atlas
    (here, the emulator) must retry, and the retry must be recognised as a duplicate."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: set[str] = set()
        self.answers: list[tuple[str, int]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        delivery = headers.get(b"x-atlas-delivery", b"").decode()
        lose = bool(delivery) and delivery not in self.seen
        self.seen.add(delivery)

        async def answer(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.answers.append((delivery, message["status"]))
                if lose:
                    message = {**message, "status": 500}
            await send(message)

        await self.app(scope, receive, answer)


async def _until(condition: Any, what: str, within: float = CEILING) -> None:
    """Wait for state owned by uvicorn or the emulator's worker, which offer nothing to await."""
    with anyio.move_on_after(within):
        while not condition():  # noqa: ASYNC110 - no event to wait on; the deadline fails the test
            await anyio.sleep(0.01)
    assert condition(), f"not within {within:g} s: {what}"


@asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """uvicorn on a free 127.0.0.1 port, in this event loop; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="warning", http="h11", ws="none")
    server = uvicorn.Server(config)
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve, [sock])
        await _until(lambda: server.started, "uvicorn started")
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
    sock.close()


async def test_emulator_to_fastapi_over_http_exactly_once_and_wakes_the_waiter() -> None:
    fake = FakeAtlas(detection_delay=0.0, **FAST_RETRIES)
    status_requests = 0
    first_poll_answered = anyio.Event()

    async def count_status(response: httpx.Response) -> None:
        nonlocal status_requests
        if response.request.url.path.endswith("/status"):
            status_requests += 1
            first_poll_answered.set()

    http = httpx.AsyncClient(transport=fake.transport(), event_hooks={"response": [count_status]})
    atlas = Atlas(fake.api_key, base_url=fake.base_url, http_client=http)
    app = example.create_app(fake.api_key, client=atlas)
    store = RecordingStore()
    app.state.webhooks.store = store
    effects: list[str] = []

    @app.state.webhooks.on_any
    async def record(event: WebhookEvent) -> None:
        effects.append(event.event_id)

    receiver = LoseFirstAnswer(app)

    def all_delivered() -> bool:
        return bool(fake.webhooks.deliveries) and all(d.delivered for d in fake.webhooks.deliveries)

    async with serve(receiver) as base, fake, http:
        hook_url = f"{base}/webhooks/atlas"
        created = await atlas.envelopes.create(PDF, parties=PARTIES, webhook_url=hook_url)
        envelope_id = created.envelope_id
        await atlas.envelopes.wait_for_fields(envelope_id)
        await atlas.envelopes.send(envelope_id)
        await _until(all_delivered, "envelope.created and envelope.sent delivered")
        assert status_requests == 0

        outcome: dict[str, Any] = {}

        async def wait() -> None:
            outcome["done"] = await atlas.envelopes.wait_until_signed(
                envelope_id, poll_interval=3 * CEILING, timeout=3 * CEILING
            )

        # The ceiling is far below poll_interval: the wait cannot end through a second poll.
        with anyio.fail_after(CEILING):
            async with anyio.create_task_group() as tg:
                tg.start_soon(wait)
                # Sign only once the waiter's first poll has answered "pending", so that only
                # the webhook can end the wait.
                await first_poll_answered.wait()
                await fake.sign(envelope_id)
                await fake.sign(envelope_id)

        done = outcome["done"]
        assert done.status == "signed"
        assert done.source == "webhook"
        assert status_requests == 1  # the first poll only: the webhook ended the wait

        await _until(all_delivered, "every event delivered after the emulator's retries")

        # A tampered copy of a real delivery, over real HTTP: rejected, nothing processed.
        signed_delivery = next(
            d for d in fake.webhooks.deliveries if d.event_type == "envelope.signed"
        )
        marked_before, effects_before = list(store.marked), list(effects)
        async with httpx.AsyncClient() as outsider:
            tampered = await outsider.post(
                hook_url,
                content=signed_delivery.body.replace(b'"signed"', b'"voided"', 1),
                headers={"X-Atlas-Signature": signed_delivery.signature},
            )
        assert tampered.status_code == 400
        assert tampered.json()["error"]["code"] == "invalid_signature"
        assert (store.marked, effects) == (marked_before, effects_before)

    types = [d.event_type for d in fake.webhooks.deliveries]
    assert Counter(types) == Counter(EVENT_TYPES)
    event_ids = [d.event_id for d in fake.webhooks.deliveries]
    for delivery in fake.webhooks.deliveries:
        # The first attempt was made to fail; the emulator retried until it got a 2xx.
        assert not delivery.attempts[0].ok, delivery.event_type
        assert delivery.attempts[-1].ok, delivery.event_type
        assert len(delivery.attempts) >= 2
    # Exactly once: each event marked processed once and its handlers' effects applied once,
    # although every event was delivered at least twice.
    assert Counter(store.marked) == Counter(event_ids)
    assert Counter(effects) == Counter(event_ids)
    # The app's own first answer to each event was a 200: it had processed the event when the
    # answer was lost, so every retry that followed was a duplicate, and was skipped.
    first_answers = {eid: status for eid, status in reversed(receiver.answers)}
    assert {first_answers[eid] for eid in event_ids} == {200}
    assert app.state.deals == {envelope_id: "signed"}


async def test_handler_raising_on_first_delivery_gets_5xx_and_the_retry_completes_it_once() -> None:
    """No middleware here: a handler of the app really raises on each event's first delivery.

    The glue answers 500, the emulator retries, the retry runs the handler to completion; a later
    redelivery of the same signed bytes is a duplicate. Every event is completed exactly once.
    """
    fake = FakeAtlas(detection_delay=0.0, **FAST_RETRIES)
    app = example.create_app(fake.api_key)
    store = RecordingStore()
    app.state.webhooks.store = store
    raised: list[str] = []
    completed: list[str] = []

    @app.state.webhooks.on_any
    async def fails_first_time(event: WebhookEvent) -> None:
        if event.event_id not in raised:
            raised.append(event.event_id)
            raise RuntimeError(f"first delivery of {event.event_id} fails")
        completed.append(event.event_id)

    def all_four_delivered() -> bool:
        deliveries = fake.webhooks.deliveries
        return len(deliveries) == len(EVENT_TYPES) and all(d.delivered for d in deliveries)

    async with serve(app) as base, fake, httpx.AsyncClient(transport=fake.transport()) as http:
        atlas = Atlas(fake.api_key, base_url=fake.base_url, http_client=http)
        hook_url = f"{base}/webhooks/atlas"
        created = await atlas.envelopes.create(PDF, parties=PARTIES, webhook_url=hook_url)
        envelope_id = created.envelope_id
        await atlas.envelopes.wait_for_fields(envelope_id)
        await atlas.envelopes.send(envelope_id)
        await fake.sign(envelope_id)
        await fake.sign(envelope_id)
        await _until(all_four_delivered, "every event delivered after one retry")

        # Atlas redelivering an event that was completed: answered 200, nothing runs again.
        again = fake.webhooks.deliveries[0]
        async with httpx.AsyncClient() as atlas_again:
            replay = await atlas_again.post(
                hook_url,
                content=again.body,
                headers={"X-Atlas-Signature": again.signature, "Content-Type": "application/json"},
            )
        assert replay.status_code == 200

    event_ids = [d.event_id for d in fake.webhooks.deliveries]
    assert Counter(d.event_type for d in fake.webhooks.deliveries) == Counter(EVENT_TYPES)
    for delivery in fake.webhooks.deliveries:
        # The raising handler turned the first delivery into a 5xx; the retry succeeded.
        assert [a.status_code for a in delivery.attempts] == [500, 200], delivery.event_type
    assert Counter(raised) == Counter(event_ids)
    assert Counter(completed) == Counter(event_ids)  # exactly once each, despite two deliveries
    assert Counter(store.marked) == Counter(event_ids)  # processed once each, after the retry
    assert app.state.deals == {envelope_id: "signed"}
