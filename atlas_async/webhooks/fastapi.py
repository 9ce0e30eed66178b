"""FastAPI glue: a ready router, and a dependency that hands your route a verified event.

Both read the raw body (``request.stream()``, up to a size limit) and verify it before anything
else; neither declares a body parameter, so FastAPI never parses the JSON first. Install with
``pip install 'atlas-async[fastapi]'``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import aclosing
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response

from .._errors import WebhookPayloadError, WebhookSignatureError
from ._dispatcher import WebhookDispatcher
from ._events import WebhookEvent, parse_event
from ._http import DEFAULT_MAX_BODY_SIZE, join_signature_headers, too_large
from ._signature import SIGNATURE_HEADER, Secrets, normalize_secrets

__all__ = ["verified_event", "webhook_router"]


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    # aclosing: leaving the loop early (too large) must close the generator now, not at GC time.
    async with aclosing(request.stream()) as stream:
        async for chunk in stream:
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            chunks.append(chunk)
    return b"".join(chunks)


def _signature(request: Request) -> str | None:
    return join_signature_headers(request.headers.getlist(SIGNATURE_HEADER))


def webhook_router(
    dispatcher: WebhookDispatcher,
    *,
    path: str = "/webhooks/atlas",
    max_body_size: int = DEFAULT_MAX_BODY_SIZE,
    **router_kwargs: Any,
) -> APIRouter:
    """An ``APIRouter`` with ``POST path`` feeding ``dispatcher``; ``app.include_router(...)`` it.

    Answers 200 once every handler succeeded (or for a duplicate), 400 for a bad signature or
    payload (nothing ran), 409 while the same event is being processed, 413 above
    ``max_body_size``, 500 when a handler raised (so Atlas redelivers). ``router_kwargs`` go to
    ``APIRouter`` (``prefix``, ``tags``...).
    """
    router = APIRouter(**router_kwargs)

    async def receive_atlas_webhook(request: Request) -> Response:
        try:
            body = await _read_body(request, max_body_size)
        except _TooLarge:
            answer = too_large(max_body_size)
        else:
            answer = await dispatcher.respond(body, _signature(request))
        return Response(
            answer.body,
            status_code=answer.status_code,
            headers=answer.headers,
            media_type=answer.content_type,
        )

    router.add_api_route(
        path,
        receive_atlas_webhook,
        methods=["POST"],
        response_class=Response,
        summary="Receive an Atlas webhook",
    )
    return router


def verified_event(
    secret_or_secrets: Secrets, *, max_body_size: int = DEFAULT_MAX_BODY_SIZE
) -> Callable[[Request], Awaitable[WebhookEvent]]:
    """A dependency that verifies and parses the delivery, for routes that handle it themselves.

    ::

        @app.post("/hooks/atlas")
        async def hook(event: Annotated[WebhookEvent, Depends(verified_event(API_KEY))]) -> None:
            ...

    Bad signatures and payloads become ``HTTPException(400)`` before your route runs; the body
    is read raw, so it verifies byte for byte. De-duplication is then yours (``event.event_id``);
    :func:`webhook_router` does it for you.
    """
    secrets = normalize_secrets(secret_or_secrets)

    async def atlas_webhook_event(request: Request) -> WebhookEvent:
        try:
            body = await _read_body(request, max_body_size)
        except _TooLarge:
            raise HTTPException(413, f"webhook body exceeds {max_body_size} bytes") from None
        try:
            return parse_event(body, _signature(request), secrets)
        except (WebhookSignatureError, WebhookPayloadError) as exc:
            raise HTTPException(400, exc.message) from None

    return atlas_webhook_event
