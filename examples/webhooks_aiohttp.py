"""Receive Atlas webhooks in an aiohttp application.

    pip install 'atlas-async[aiohttp]'
    ATLAS_API_KEY=test_... python examples/webhooks_aiohttp.py --port 8000

The handler reads the raw body, verifies ``X-Atlas-Signature`` before anything else, runs each
event's handlers once, and answers 500 when one raised so Atlas redelivers the event.
"""

from __future__ import annotations

import argparse
import logging
import os

from aiohttp import web

from atlas_async.webhooks import EnvelopeSignedEvent, EnvelopeVoidedEvent, WebhookDispatcher
from atlas_async.webhooks.aiohttp import add_webhook_route

log = logging.getLogger("example.webhooks")

DEALS: web.AppKey[dict[str, str]] = web.AppKey("deals", dict)
WEBHOOKS: web.AppKey[WebhookDispatcher] = web.AppKey("webhooks", WebhookDispatcher)


def create_app(secret: str | list[str], *, client: object | None = None) -> web.Application:
    """The app. ``secret`` is the API key that created the envelopes (a list while rotating)."""
    hooks = WebhookDispatcher(secret=secret, client=client)
    deals: dict[str, str] = {}  # stand-in for your database

    @hooks.on(EnvelopeSignedEvent)
    async def mark_signed(event: EnvelopeSignedEvent) -> None:
        deals[event.envelope_id] = "signed"
        log.info("envelope %s signed", event.envelope_id)

    @hooks.on(EnvelopeVoidedEvent)
    async def mark_voided(event: EnvelopeVoidedEvent) -> None:
        deals[event.envelope_id] = "voided"

    app = web.Application()
    add_webhook_route(app, hooks, "/webhooks/atlas")
    app[DEALS] = deals
    app[WEBHOOKS] = hooks
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
    logging.basicConfig(level=logging.INFO)
    web.run_app(create_app(secret), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
