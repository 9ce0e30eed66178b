"""A plain ASGI application that receives Atlas webhooks, with no web framework at all.

Serve it alone (``uvicorn module:app``), or mount it in any ASGI framework (Starlette's ``Mount``,
Litestar, Quart...). It reads the raw body itself, so nothing can re-serialise it before the
signature check. Needs nothing beyond atlas-async.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TypeAlias

from ._dispatcher import WebhookDispatcher
from ._http import (
    DEFAULT_MAX_BODY_SIZE,
    WebhookResponse,
    error_response,
    join_signature_headers,
    too_large,
)
from ._signature import SIGNATURE_HEADER

__all__ = ["WebhookApp"]


Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
Send: TypeAlias = Callable[[Message], Awaitable[None]]

_HEADER = SIGNATURE_HEADER.lower().encode("latin-1")


class _Disconnected(Exception):
    pass


class WebhookApp:
    """An ASGI 3 app: ``POST`` deliveries go to ``dispatcher``.

    ``path``: when set, only that path is served (404 elsewhere); when None (the default) every
    path is, which is what you want under a mount. Answers as the other glue does: 200, 400 (bad
    signature or payload, nothing ran), 405 (not POST), 409 (in progress), 413 (above
    ``max_body_size``), 500 (a handler raised, so Atlas redelivers). Lifespan events are
    acknowledged so servers start it cleanly.
    """

    def __init__(
        self,
        dispatcher: WebhookDispatcher,
        *,
        path: str | None = None,
        max_body_size: int = DEFAULT_MAX_BODY_SIZE,
    ) -> None:
        self.dispatcher = dispatcher
        self.path = path
        self.max_body_size = max_body_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # websockets are not ours; the server closes the connection
        try:
            answer = await self._answer(scope, receive)
        except _Disconnected:
            return  # Atlas hung up mid-body; it will retry, nothing was processed
        await send(
            {
                "type": "http.response.start",
                "status": answer.status_code,
                "headers": [
                    (b"content-type", answer.content_type.encode("latin-1")),
                    (b"content-length", str(len(answer.body)).encode("latin-1")),
                    *(
                        (k.lower().encode("latin-1"), v.encode("latin-1"))
                        for k, v in answer.headers.items()
                    ),
                ],
            }
        )
        await send({"type": "http.response.body", "body": answer.body})

    async def _answer(self, scope: Scope, receive: Receive) -> WebhookResponse:
        if self.path is not None and scope.get("path") != self.path:
            return error_response(404, "not_found", "no webhook receiver at this path")
        if scope.get("method") != "POST":
            return error_response(405, "method_not_allowed", "webhooks are POSTed", Allow="POST")
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or ())
        body = await self._read_body(headers, receive)
        if body is None:
            return too_large(self.max_body_size)
        signature = join_signature_headers(v for k, v in headers if k.lower() == _HEADER)
        return await self.dispatcher.respond(body, signature)

    async def _read_body(
        self, headers: list[tuple[bytes, bytes]], receive: Receive
    ) -> bytes | None:
        for key, value in headers:
            if (
                key.lower() == b"content-length"
                and value.isdigit()
                and int(value) > self.max_body_size
            ):
                return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_size:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
