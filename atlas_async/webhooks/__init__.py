"""Receive Atlas webhooks safely: verify, parse, de-duplicate, dispatch, wake waiters.

::

    from atlas_async.webhooks import EnvelopeSignedEvent, WebhookDispatcher

    webhooks = WebhookDispatcher(secret=api_key, client=atlas)

    @webhooks.on(EnvelopeSignedEvent)
    async def on_signed(event: EnvelopeSignedEvent) -> None: ...

Framework glue lives in submodules that import their framework only when you import them:
``atlas_async.webhooks.fastapi``, ``atlas_async.webhooks.aiohttp``, ``atlas_async.webhooks.asgi``.
Importing this package pulls in neither FastAPI, aiohttp nor httpx.
"""

from __future__ import annotations

from .._errors import WebhookPayloadError, WebhookSignatureError
from ._dispatcher import DispatchResult, Handler, HandlerFailure, WebhookDispatcher
from ._events import (
    EVENT_TYPES,
    ContractExtractedEvent,
    EnvelopeCreatedEvent,
    EnvelopeDeclinedEvent,
    EnvelopeEvent,
    EnvelopeSentEvent,
    EnvelopeSignedEvent,
    EnvelopeViewedEvent,
    EnvelopeVoidedEvent,
    UnknownEvent,
    WebhookEvent,
    event_from_dict,
    parse_event,
)
from ._signature import SIGNATURE_HEADER, Secrets, verify_signature
from ._store import ClaimResult, EventStore, InMemoryEventStore

__all__ = [
    "EVENT_TYPES",
    "SIGNATURE_HEADER",
    "ClaimResult",
    "ContractExtractedEvent",
    "DispatchResult",
    "EnvelopeCreatedEvent",
    "EnvelopeDeclinedEvent",
    "EnvelopeEvent",
    "EnvelopeSentEvent",
    "EnvelopeSignedEvent",
    "EnvelopeViewedEvent",
    "EnvelopeVoidedEvent",
    "EventStore",
    "Handler",
    "HandlerFailure",
    "InMemoryEventStore",
    "Secrets",
    "UnknownEvent",
    "WebhookDispatcher",
    "WebhookEvent",
    "WebhookPayloadError",
    "WebhookSignatureError",
    "event_from_dict",
    "parse_event",
    "verify_signature",
]
