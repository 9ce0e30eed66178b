"""Receive Atlas webhooks with a bare ASGI app: no web framework at all.

    pip install atlas-async uvicorn
    ATLAS_API_KEY=test_... python examples/webhooks_asgi.py --port 8000

``WebhookApp`` reads the raw body from the ASGI ``receive`` channel itself, so nothing can parse
and re-serialise it before the signature check. Mount it under any ASGI framework too, e.g.
``Starlette(routes=[Mount("/webhooks/atlas", app=WebhookApp(hooks))])``.
"""

from __future__ import annotations

import argparse
import logging
import os
from datetime import datetime

from atlas_async.webhooks import EnvelopeEvent, WebhookDispatcher
from atlas_async.webhooks.asgi import WebhookApp

log = logging.getLogger("example.webhooks")


def create_app(
    secret: str | list[str],
    *,
    client: object | None = None,
    statuses: dict[str, str] | None = None,
) -> WebhookApp:
    """The app. ``secret`` is the API key that created the envelopes (a list while rotating);
    ``statuses`` stands in for your database (envelope id -> last status seen)."""
    hooks = WebhookDispatcher(secret=secret, client=client)
    statuses = {} if statuses is None else statuses
    as_of: dict[str, datetime] = {}

    @hooks.on(EnvelopeEvent)
    async def track(event: EnvelopeEvent) -> None:
        # Events can arrive out of order (a retried "sent" after "signed"): keep the newest.
        if event.envelope_id in as_of and event.created_at < as_of[event.envelope_id]:
            return
        as_of[event.envelope_id] = event.created_at
        statuses[event.envelope_id] = event.status
        log.info("envelope %s is %s", event.envelope_id, event.status)

    return WebhookApp(hooks, path="/webhooks/atlas")


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
    uvicorn.run(create_app(secret), host=args.host, port=args.port, lifespan="on")


if __name__ == "__main__":
    main()
