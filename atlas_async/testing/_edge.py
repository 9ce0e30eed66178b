"""The emulator's edge: what happens to every request outside routing.

:class:`Edge` wraps the Starlette app. It gives every response an ``X-Request-Id``, records the
request in ``fake.requests``, applies injected faults (latency, error statuses, connections
dropped before or after the handler ran), and turns any crash into a 500 in the documented error
shape.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._apierror import ApiError
from ._faults import Fault

if TYPE_CHECKING:
    from ._fake import FakeAtlas

__all__ = [
    "CONTROL_PREFIX",
    "DROP_HEADER",
    "INPROCESS_SCOPE_KEY",
    "LATENCY_KEY",
    "Edge",
    "RequestRecord",
    "error_response",
    "request_id",
]

logger = logging.getLogger("atlas_async.testing")

# The emulator's own controls (not Atlas routes): injected faults never apply to them.
CONTROL_PREFIX = "/_emulator/"
DROP_HEADER = "x-atlas-emulator-drop"
INPROCESS_SCOPE_KEY = "atlas.inprocess"
LATENCY_KEY = "atlas.latency"
REQUEST_ID_KEY = "atlas.request_id"


def request_id(request: Request) -> str:
    return str(request.scope.get(REQUEST_ID_KEY, ""))


def error_response(exc: ApiError, request_id: str) -> JSONResponse:
    return JSONResponse(exc.body(request_id), status_code=exc.status, headers=exc.headers)


@dataclass
class RequestRecord:
    """One request the emulator received (``fake.requests``), for asserting on retries.

    ``status`` is what the client was sent (``None`` when the connection was dropped);
    ``fault`` names the injected fault that shaped the answer, if any.
    """

    method: str
    path: str
    query: str
    request_id: str
    idempotency_key: str | None
    account: str | None
    status: int | None = None
    fault: str | None = None


class Edge:
    """Request ids, faults, the request log and last-resort error handling, outside routing."""

    def __init__(self, app: ASGIApp, fake: FakeAtlas) -> None:
        self.app = app
        self.fake = fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = "req_" + secrets.token_hex(12)
        scope[REQUEST_ID_KEY] = rid
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        record = RequestRecord(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            request_id=rid,
            idempotency_key=headers.get("idempotency-key"),
            account=headers.get("atlas-account"),
        )
        self.fake.requests.append(record)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                record.status = message["status"]
                MutableHeaders(scope=message)["X-Request-Id"] = rid
            await send(message)

        controls = scope["path"].startswith(CONTROL_PREFIX)
        faults = [] if controls else self.fake.faults.take(scope["method"], scope["path"])
        kinds = {f.kind: f for f in faults}
        if "latency" in kinds:
            scope[LATENCY_KEY] = kinds["latency"].seconds
            record.fault = "latency"
        if "drop_before" in kinds:
            record.fault = "drop_before"
            await self._drop(scope, send, "before")
            return
        if "status" in kinds:
            record.fault = "status"
            await self._status_fault(kinds["status"], rid)(scope, receive, send_with_id)
            return
        if "drop_after" in kinds:
            record.fault = "drop_after"
            sink: list[Message] = []

            async def swallow(message: Message) -> None:
                sink.append(message)

            await self._guarded(scope, receive, swallow, rid, lambda: bool(sink))
            await self._drop(scope, send, "after")
            return
        await self._guarded(scope, receive, send_with_id, rid, lambda: started)

    async def _guarded(
        self, scope: Scope, receive: Receive, send: Send, rid: str, started: Callable[[], bool]
    ) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception:
            logger.exception("emulator crashed on %s %s (%s)", scope["method"], scope["path"], rid)
            if not started():
                err = ApiError(500, "internal_error", "The emulator hit an internal error.")
                await error_response(err, rid)(scope, receive, send)

    @staticmethod
    def _status_fault(fault: Fault, rid: str) -> Response:
        headers = {}
        if fault.retry_after is not None:
            # Retry-After is an integer in the contract (and in RFC 9110's delay-seconds): a
            # fractional ask is rounded up, so a client never retries before it was told to.
            headers["Retry-After"] = str(math.ceil(fault.retry_after))
        if fault.body is not None:
            return Response(fault.body, fault.status, headers, media_type=fault.content_type)
        codes = {
            429: "rate_limited",
            500: "internal_error",
            502: "bad_gateway",
            503: "service_unavailable",
            504: "gateway_timeout",
        }
        err = ApiError(
            fault.status,
            codes.get(fault.status, "injected_fault"),
            f"Injected fault: HTTP {fault.status}.",
            headers=headers,
        )
        return error_response(err, rid)

    @staticmethod
    async def _drop(scope: Scope, send: Send, when: str) -> None:
        if scope.get(INPROCESS_SCOPE_KEY):
            # The in-process transport turns this marker into an httpx transport error.
            await send(
                {
                    "type": "http.response.start",
                    "status": 599,
                    "headers": [(DROP_HEADER.encode(), when.encode())],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        # On a real socket: promise a body, send none, return. The server then closes the
        # connection mid-response, and the client sees a protocol error, not an answer.
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-length", b"64"), (b"content-type", b"application/json")],
            }
        )
