"""Webhook delivery: real HTTP POSTs, signed as Atlas signs them, retried on Atlas's schedule.

Events are queued as the state machine emits them. They go out when a worker runs
(``async with fake:``, ``fake.serve()`` or ``python -m atlas_async.testing``), or when a test calls
``await fake.webhooks.flush()``. A non-2xx answer or a timeout is retried after 1 min, 5 min,
30 min and 2 h (times ``time_scale``), measured on the emulator's clock; five attempts in all.
A receiver gets 10 s to answer (times ``time_scale``, unless ``timeout`` sets it apart).
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio

from ._clock import Clock, rfc3339
from ._http import ASGIApp, DeliveryClient
from ._signing import SIGNATURE_HEADER, sign_webhook

__all__ = ["RETRY_SCHEDULE", "Attempt", "Delivery", "WebhookSender"]

RETRY_SCHEDULE: tuple[float, ...] = (60.0, 300.0, 1800.0, 7200.0)
TIMEOUT = 10.0
# How often a running worker re-checks for work that was queued from another thread (a test
# signing in process while uvicorn serves in its own thread) or made due by fake.advance().
_POLL = 0.05


@dataclass(frozen=True)
class Attempt:
    """One POST: when (emulator clock), the status code answered, or the transport error."""

    at: float
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class Delivery:
    """One event for one webhook URL, with every attempt made so far."""

    event_id: str
    event_type: str
    envelope_id: str
    url: str
    body: bytes
    signature: str
    next_attempt_at: float | None
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].ok

    @property
    def gave_up(self) -> bool:
        return not self.delivered and self.next_attempt_at is None

    @property
    def event(self) -> dict[str, Any]:
        """The JSON payload that was (or will be) POSTed."""
        value: dict[str, Any] = json.loads(self.body)
        return value


class WebhookSender:
    """``fake.webhooks``: sends Atlas's webhooks. The queue, the delivery log, and the routing of
    URLs to in-process apps.

    (The receiving side, in your application, is ``atlas_async.webhooks.WebhookDispatcher``.)
    """

    def __init__(
        self,
        clock: Clock,
        time_scale: float = 1.0,
        timeout: float | None = None,
        *,
        before_delivery: Callable[[], None] = lambda: None,
    ) -> None:
        if timeout is not None and not timeout > 0:
            raise ValueError("webhook_timeout must be a positive number of seconds, or None")
        self._clock = clock
        self.time_scale = time_scale
        # None: Atlas's 10 s, scaled with the retry schedule. A number: that many seconds, whatever
        # the scale, so a test can compress the retries without leaving its receiver 200 ms.
        self.timeout = timeout
        self.deliveries: list[Delivery] = []
        self.events: list[dict[str, Any]] = []  # every event emitted, with or without a URL
        self._routes: dict[str, ASGIApp] = {}
        self._lock = threading.Lock()
        self._wake: anyio.Event | None = None
        self._worker_thread: int | None = None
        self._before_delivery = before_delivery  # the emulator's tick: events that came due

    # ---- configuration

    def route(self, host: str, app: ASGIApp) -> None:
        """Deliver webhooks whose URL has this host (``"hooks.test"`` or ``"hooks.test:8000"``)
        to an ASGI app in process, instead of over the network."""
        self._routes[host.lower()] = app

    # ---- producing

    def enqueue(self, event: dict[str, Any], url: str | None, secret: str) -> None:
        with self._lock:
            self.events.append(event)
            if not url:
                return
            body = json.dumps(event, separators=(",", ":"), sort_keys=True).encode()
            delivery = Delivery(
                event_id=event["event_id"],
                event_type=event["type"],
                envelope_id=event["envelope_id"],
                url=url,
                body=body,
                signature=sign_webhook(body, secret),
                next_attempt_at=self._clock(),
            )
            self.deliveries.append(delivery)
        self._poke()

    def _poke(self) -> None:
        wake = self._wake
        if wake is not None and self._worker_thread == threading.get_ident():
            wake.set()

    # ---- consuming

    def _due(self) -> list[Delivery]:
        now = self._clock()
        with self._lock:
            return [
                d
                for d in self.deliveries
                if d.next_attempt_at is not None and d.next_attempt_at <= now
            ]

    async def flush(self) -> int:
        """Attempt every delivery that is due now on the emulator's clock; the number attempted.

        Without a running worker this is how queued webhooks go out. First attempts are due at
        once; retries become due as the clock reaches them (``fake.advance(60)`` with a manual
        clock, or real time with ``time_scale`` compressed).
        """
        self._before_delivery()
        due = self._due()
        if not due:
            return 0
        async with self._client() as client:
            for delivery in due:
                await self._attempt(client, delivery)
        return len(due)

    async def run(self) -> None:
        """The delivery worker: runs until cancelled."""
        self._wake = anyio.Event()
        self._worker_thread = threading.get_ident()
        try:
            async with self._client() as client:
                while True:
                    self._before_delivery()
                    for delivery in self._due():
                        await self._attempt(client, delivery)
                    with anyio.move_on_after(_POLL):
                        await self._wake.wait()
                    self._wake = anyio.Event()
        finally:
            self._wake = None
            self._worker_thread = None

    def _client(self) -> DeliveryClient:
        timeout = self.timeout if self.timeout is not None else max(TIMEOUT * self.time_scale, 0.05)
        return DeliveryClient(self._routes, timeout)

    async def _attempt(self, client: DeliveryClient, delivery: Delivery) -> None:
        with self._lock:
            if delivery.next_attempt_at is None:
                return
            delivery.next_attempt_at = None  # claimed: nobody else attempts it meanwhile
        at = self._clock()
        status, error = await client.post(
            delivery.url,
            delivery.body,
            {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: delivery.signature,
                "User-Agent": "Atlas-Webhooks (atlas-async emulator)",
                "X-Atlas-Event": delivery.event_type,
                "X-Atlas-Delivery": delivery.event_id,
            },
        )
        attempt = Attempt(at, status, error)
        with self._lock:
            delivery.attempts.append(attempt)
            failures = len(delivery.attempts)
            if not attempt.ok and failures <= len(RETRY_SCHEDULE):
                delay = RETRY_SCHEDULE[failures - 1] * self.time_scale
                delivery.next_attempt_at = self._clock() + delay

    def clear(self) -> None:
        with self._lock:
            self.deliveries.clear()
            self.events.clear()


def new_event(
    event_type: str, envelope_id: str, data: dict[str, Any], now: float
) -> dict[str, Any]:
    return {
        "event_id": "evt_" + secrets.token_hex(12),
        "type": event_type,
        "created_at": rfc3339(now),
        "envelope_id": envelope_id,
        "data": data,
    }
