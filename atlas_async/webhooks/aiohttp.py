"""aiohttp glue: a request handler that verifies the raw body, dispatches, and answers Atlas.

Install with ``pip install 'atlas-async[aiohttp]'``. aiohttp runs on asyncio only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from ._dispatcher import WebhookDispatcher
from ._http import DEFAULT_MAX_BODY_SIZE, join_signature_headers, too_large
from ._signature import SIGNATURE_HEADER

__all__ = ["add_webhook_route", "webhook_handler"]

_CHUNK = 64 * 1024


async def _read_body(request: web.Request, limit: int) -> bytes | None:
    """The raw body, or None once it passes ``limit`` (reading stops there)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def webhook_handler(
    dispatcher: WebhookDispatcher, *, max_body_size: int = DEFAULT_MAX_BODY_SIZE
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler for ``POST`` deliveries: ``app.router.add_post(path, handler)``.

    Answers 200 once every handler succeeded (or for a duplicate), 400 for a bad signature or
    payload (nothing ran), 409 while the same event is being processed, 413 above
    ``max_body_size``, 500 when a handler raised (so Atlas redelivers).
    """

    async def receive_atlas_webhook(request: web.Request) -> web.Response:
        body = await _read_body(request, max_body_size)
        if body is None:
            answer = too_large(max_body_size)
        else:
            signature = join_signature_headers(request.headers.getall(SIGNATURE_HEADER, []))
            answer = await dispatcher.respond(body, signature)
        return web.Response(
            body=answer.body,
            status=answer.status_code,
            headers=answer.headers,
            content_type=answer.content_type,
        )

    return receive_atlas_webhook


def add_webhook_route(
    app: web.Application,
    dispatcher: WebhookDispatcher,
    path: str = "/webhooks/atlas",
    *,
    max_body_size: int = DEFAULT_MAX_BODY_SIZE,
) -> None:
    """Mount :func:`webhook_handler` on ``app`` at ``POST path``."""
    app.router.add_post(path, webhook_handler(dispatcher, max_body_size=max_body_size))
