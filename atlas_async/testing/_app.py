"""The emulator's HTTP face: a Starlette app implementing every route of the Atlas API
(``openapi.json``).

The routes live in :mod:`._routes`, one module per resource; :class:`._edge.Edge` wraps them with
request ids, the request log, injected faults and last-resort error handling.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from ._apierror import ApiError
from ._edge import Edge, error_response, request_id
from ._routes import (
    ControlRoutes,
    DiscoveryRoutes,
    EnvelopeRoutes,
    Handlers,
    PlatformRoutes,
    SigningRoutes,
    TemplateRoutes,
)

if TYPE_CHECKING:
    from ._fake import FakeAtlas

__all__ = ["build_app"]


def build_app(fake: FakeAtlas) -> ASGIApp:
    handlers: list[Handlers] = [
        EnvelopeRoutes(fake),
        SigningRoutes(fake),
        TemplateRoutes(fake),
        PlatformRoutes(fake),
        DiscoveryRoutes(fake),
        ControlRoutes(fake),
    ]
    routes = [route for h in handlers for route in h.routes()]
    routes += fake.oauth.routes()

    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(exc, request_id(request))

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        err = ApiError(exc.status_code, code, str(exc.detail), headers=exc.headers)
        return error_response(err, request_id(request))

    async def on_crash(request: Request, exc: Exception) -> Response:
        # Starlette answers with this, then re-raises; the Edge logs the crash and swallows it.
        err = ApiError(500, "internal_error", "The emulator hit an internal error.")
        return error_response(err, request_id(request))

    app = Starlette(
        routes=routes,
        exception_handlers={ApiError: on_api_error, HTTPException: on_http_error, 500: on_crash},
        lifespan=fake._lifespan,
    )
    return Edge(app, fake)
