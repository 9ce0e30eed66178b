"""Fixtures for the OAuth suite: the emulator's authorization server in a small Starlette app,
reached in process through an ASGI transport, with a clock the tests move by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

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


@pytest.fixture
def app(server: OAuthServer) -> Counter:
    return Counter(Starlette(routes=server.routes()))


@pytest.fixture
async def http(app: Counter) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as client:
        yield client
