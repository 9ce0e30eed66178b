"""Receive Atlas webhooks in a FastAPI app that runs as several replicas behind a load balancer.

    pip install 'atlas-async[fastapi,redis]' uvicorn
    ATLAS_API_KEY=test_... ATLAS_REDIS_URL=redis://localhost:6379/0 \\
        python examples/webhooks_replicas.py --port 8000    # and again on 8001, 8002...

Every replica shares one Redis, which makes three things true whichever replica a delivery
reaches (and Atlas may deliver one event to two of them):

- each event's handlers run once (``RedisEventStore``: leased claims, compare-and-set);
- ``wait_until_signed`` on any replica returns as soon as any replica received
  ``envelope.signed`` (``RedisWaiterBus``), so ``GET /deals/{id}/signed`` needs no tight polling;
- ``GET /health`` says whether this replica's waiter bus reads Redis (when it does not, waits fall
  back to polling, and nothing is lost).

Runs under asyncio (uvicorn's default loop): redis-py's asyncio client does not run under trio.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException

from atlas_async import Atlas, EnvelopeDeclinedError, EnvelopeVoidedError, WaitTimeoutError
from atlas_async.contrib.redis import RedisEventStore, RedisWaiterBus, connect
from atlas_async.webhooks import EnvelopeSignedEvent, WebhookDispatcher, WebhookEvent
from atlas_async.webhooks.fastapi import webhook_router

log = logging.getLogger("example.replicas")

# With webhooks waking every waiter, polling is only the fallback: poll rarely.
POLL_INTERVAL = 15.0
MAX_POLL_INTERVAL = 60.0


def create_app(secret: str | list[str], redis_url: str) -> FastAPI:
    """The app. ``secret``: the API key that created the envelopes; ``redis_url``: the Redis
    every replica shares."""
    hooks = WebhookDispatcher(secret=secret)
    # Stand-in for your database: what this replica's handlers did, by event id.
    handled: list[dict[str, str]] = []

    @hooks.on(EnvelopeSignedEvent)
    async def mark_deal_signed(event: EnvelopeSignedEvent) -> None:
        handled.append({"handler": "mark_deal_signed", "event_id": event.event_id})
        log.info("envelope %s signed", event.envelope_id)

    @hooks.on_any
    async def audit(event: WebhookEvent) -> None:
        handled.append({"handler": "audit", "event_id": event.event_id})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = connect(redis_url)
        async with redis, RedisWaiterBus(redis) as bus, Atlas(waiter_bus=bus) as atlas:
            hooks.client = atlas
            hooks.store = RedisEventStore(redis)
            app.state.atlas, app.state.bus = atlas, bus
            yield

    app = FastAPI(title="Atlas webhook receiver (replicated)", lifespan=lifespan)
    app.include_router(webhook_router(hooks, path="/webhooks/atlas"))

    @app.get("/deals/{envelope_id}/signed")
    async def wait_signed(envelope_id: str, timeout: float = 60.0) -> dict[str, Any]:  # noqa: ASYNC109 - a query parameter
        """Answer once the envelope is signed (a long poll), saying how we learned it."""
        atlas: Atlas = app.state.atlas
        try:
            status = await atlas.envelopes.wait_until_signed(
                envelope_id,
                timeout=timeout,
                poll_interval=POLL_INTERVAL,
                max_poll_interval=MAX_POLL_INTERVAL,
            )
        except WaitTimeoutError:
            raise HTTPException(504, "not signed yet") from None
        except (EnvelopeDeclinedError, EnvelopeVoidedError) as exc:
            raise HTTPException(409, str(exc)) from None
        return {"envelope_id": envelope_id, "status": str(status.status), "via": status.source}

    @app.get("/handled")
    async def what_ran() -> list[dict[str, str]]:
        return handled

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"waiter_bus_connected": app.state.bus.connected}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    secret = os.environ.get("ATLAS_WEBHOOK_SECRET") or os.environ.get("ATLAS_API_KEY")
    redis_url = os.environ.get("ATLAS_REDIS_URL")
    if not secret or not redis_url:
        raise SystemExit(
            "set ATLAS_API_KEY (the key that creates your envelopes signs their webhooks) and "
            "ATLAS_REDIS_URL (the Redis every replica shares)"
        )
    import uvicorn

    logging.basicConfig(level=logging.INFO)
    uvicorn.run(create_app(secret, redis_url), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
