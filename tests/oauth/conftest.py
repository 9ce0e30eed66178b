"""Fixtures for the OAuth suite: the emulator's authorization server in a small Starlette app,
reached in process through an ASGI transport, with a clock the tests move by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from atlas_async.testing._oauth_server import OAuthServer

ISSUER = "http://127.0.0.1:8765"
ORG = "org_test"


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Counter:
    """ASGI middleware counting requests per path, to prove how many refreshes happened."""

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self.paths: list[str] = []

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.app(scope, receive, send)

    def count(self, path: str) -> int:
        return self.paths.count(path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> OAuthServer:
    return OAuthServer(ISSUER, clock=clock, consent_org_id=ORG)


def resource_app(server: OAuthServer) -> Starlette:
    """The authorization server plus an MCP manifest and one Bearer-protected resource, which
    accepts exactly what the emulator's REST auth accepts: ``authenticate_access_token``."""

    async def mcp(request: Request) -> JSONResponse:
        return JSONResponse({"name": "atlas", "endpoint": f"{ISSUER}/api/mcp"})

    async def me(request: Request) -> JSONResponse:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        grant = server.authenticate_access_token(token) if scheme == "Bearer" else None
        if grant is None:
            return JSONResponse({"error": {"code": "unauthorized", "message": "no"}}, 401)
        return JSONResponse({"org_id": grant.org_id, "scopes": sorted(grant.scopes)})

    routes = [*server.routes(), Route("/.well-known/mcp", mcp), Route("/api/me", me)]
    return Starlette(routes=routes)


@pytest.fixture
def app(server: OAuthServer) -> Counter:
    return Counter(resource_app(server))


@pytest.fixture
async def http(app: Counter) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as client:
        yield client
