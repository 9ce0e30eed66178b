"""Receive Atlas webhooks in a FastAPI app.

    pip install 'atlas-async[fastapi]' uvicorn
    ATLAS_API_KEY=test_... python examples/webhooks_fastapi.py --port 8000

then create envelopes with ``webhook_url="https://<your host>/webhooks/atlas"``.

What the glue does for you: reads the raw body (never FastAPI's parsed JSON, which would break the
HMAC), verifies ``X-Atlas-Signature`` before anything else (400, nothing processed), runs each
event's handlers once (Atlas retries, so duplicates arrive; they get 200 and are skipped), and
answers 500 when a handler raised so that Atlas redelivers the event later. Because the dispatcher
knows the ``Atlas`` client, ``wait_until_signed`` anywhere in this process returns the moment the
``envelope.signed`` event arrives, instead of at its next poll.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from atlas_async.webhooks import (
    ContractExtractedEvent,
    EnvelopeDeclinedEvent,
    EnvelopeSignedEvent,
    WebhookDispatcher,
    WebhookEvent,
)
from atlas_async.webhooks.fastapi import webhook_router

log = logging.getLogger("example.webhooks")


def create_app(secret: str | list[str], *, client: object | None = None) -> FastAPI:
    """The app. ``secret`` is the API key that created the envelopes (a list while rotating)."""
    hooks = WebhookDispatcher(secret=secret, client=client)
    # Stand-in for your database: envelope id -> what we know about it.
    deals: dict[str, str] = {}

    @hooks.on(EnvelopeSignedEvent)
    async def mark_deal_signed(event: EnvelopeSignedEvent) -> None:
        # Idempotent by construction (a set, not an append): if another handler fails, Atlas
        # redelivers the event and this runs again.
        deals[event.envelope_id] = "signed"
        log.info("envelope %s signed (external id %s)", event.envelope_id, event.external_id)

    @hooks.on(EnvelopeDeclinedEvent)
    async def mark_deal_lost(event: EnvelopeDeclinedEvent) -> None:
        deals[event.envelope_id] = "declined"

    @hooks.on(ContractExtractedEvent)
    async def store_extract(event: ContractExtractedEvent) -> None:
        log.info("extract for %s: %s", event.envelope_id, sorted(event.extract))

    @hooks.on_any
    async def audit(event: WebhookEvent) -> None:
        log.info("webhook %s %s", event.event_id, event.type)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if hooks.client is None and os.environ.get("ATLAS_API_KEY"):
            # Wire the client so wait_until_signed in this process is woken by these webhooks.
            from atlas_async import Atlas

            async with Atlas() as atlas:
                hooks.client = atlas
                app.state.atlas = atlas
                yield
        else:
            yield

    app = FastAPI(title="Atlas webhook receiver", lifespan=lifespan)
    app.include_router(webhook_router(hooks, path="/webhooks/atlas"))
    app.state.webhooks = hooks
    app.state.deals = deals
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    secret = os.environ.get("ATLAS_WEBHOOK_SECRET") or os.environ.get("ATLAS_API_KEY")
    if not secret:
        raise SystemExit(
            "set ATLAS_API_KEY (the key that creates your envelopes signs their webhooks)"
        )
    import uvicorn

    logging.basicConfig(level=logging.INFO)
    uvicorn.run(create_app(secret), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
