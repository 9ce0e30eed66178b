"""Fixtures for the client suite: an in-process emulator, clients wired to it, and the wire check.

Every ``Atlas`` built by ``make_client`` gets the openapi-core wire validator on every answer (in
the response hooks of the HTTP client the test owns, or around the emulator's transport), and the
test fails at teardown if any request or response broke
``openapi.json``: the client suite doubles as a wire-conformance suite. Modules that feed the client deliberately off-contract answers (an HTML
520, a teapot) opt out with ``pytestmark = pytest.mark.no_wire``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from atlas_async import Atlas, Attempt, AttemptResponse, CallNext
from atlas_async.testing import FakeAtlas

from .._support.http import httpx
from ..wire.openapi_wire import WireValidator

MakeClient = Callable[..., Atlas]

#: How ``make_client`` connects a client to the emulator: ``direct`` (the default), the SDK's own
#: client on the emulator's transport (``http_transport=``), the path of an application that
#: lets the SDK make its client; ``client``, a client of the test's own (``http_client=``), the
#: path of one that hands its own in. ``make test`` runs the suite the first way on httpx and on
#: httpx2, and the second way on httpx (``make pytest-client-path``).
CLIENT_PATH = os.environ.get("ATLAS_TEST_CLIENT_PATH", "direct")
if CLIENT_PATH not in ("direct", "client"):
    raise RuntimeError(f"ATLAS_TEST_CLIENT_PATH must be direct or client, not {CLIENT_PATH!r}")


class _Checked:
    """The emulator's transport with the wire validator on every answer (the SDK's own client
    has no response hooks to hang it on)."""

    def __init__(self, transport: Any, checks: list[WireValidator]) -> None:
        self._transport = transport
        self._checks = checks

    async def handle_async_request(self, request: Any) -> Any:
        response = await self._transport.handle_async_request(request)
        response.request = request
        for check in self._checks:
            await check(response)
        return response

    async def aclose(self) -> None:
        await self._transport.aclose()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "no_wire: this module's fake answers are off-contract on purpose"
    )


@pytest.fixture(autouse=True)
def wire(request: pytest.FixtureRequest) -> Iterator[WireValidator]:
    """The validator every client made by ``make_client`` reports to (a response hook on the
    client the test owns, or around the emulator's transport)."""
    validator = WireValidator()
    checked = request.node.get_closest_marker("no_wire") is None
    # The emulator's own request log is the independent witness: if it saw traffic from
    # make_client's clients and the validator checked none, the hook no longer reaches the wire
    # and the suite has silently stopped checking it.
    emulator = request.getfixturevalue("fake") if "fake" in request.fixturenames else None
    yield validator
    validator.assert_clean()
    if checked and emulator is not None and emulator.requests and validator.clients:
        assert validator.checked > 0, (
            f"the emulator answered {len(emulator.requests)} request(s) but the wire validator "
            "checked none: it is no longer hooked into the clients' HTTP traffic"
        )


class Hooks:
    """Middleware that tests hang callbacks on, one per client made by ``make_client``.

    ``before`` callbacks see each attempt before it is sent; ``after`` callbacks see it with its
    answer. Find a client's with :func:`hooks_of`.
    """

    def __init__(self) -> None:
        self.before: list[Callable[[Attempt], Awaitable[None]]] = []
        self.after: list[Callable[[Attempt, AttemptResponse], Awaitable[None]]] = []

    async def __call__(self, attempt: Attempt, call_next: CallNext) -> AttemptResponse:
        for before in list(self.before):
            await before(attempt)
        response = await call_next(attempt)
        for after in list(self.after):
            await after(attempt, response)
        return response


def hooks_of(atlas: Atlas) -> Hooks:
    [hooks] = [m for m in atlas.middleware if isinstance(m, Hooks)]
    return hooks


@pytest.fixture
def fake() -> FakeAtlas:
    # Detection settles at once unless a test says otherwise: polling tests set their own delay.
    return FakeAtlas(detection_delay=0.0)


@pytest.fixture
async def make_client(
    fake: FakeAtlas, wire: WireValidator, request: pytest.FixtureRequest
) -> AsyncIterator[MakeClient]:
    """``make_client(api_key=..., **Atlas kwargs)``: a client on the in-process emulator."""
    made: list[httpx.AsyncClient | Atlas] = []  # closed at the end (an Atlas: its own client)

    def make(api_key: str | None = None, **kwargs: Any) -> Atlas:
        checks: list[WireValidator] = []
        if request.node.get_closest_marker("no_wire") is None:
            checks.append(wire)
            wire.clients += 1
            wire.api_hosts.add(httpx.URL(fake.base_url).host)
        kwargs.setdefault("middleware", [Hooks()])
        key = api_key or fake.api_key
        if CLIENT_PATH == "direct":
            transport = _Checked(fake.transport(), checks)
            atlas = Atlas(key, base_url=fake.base_url, http_transport=transport, **kwargs)
            made.append(atlas)
            return atlas
        http = httpx.AsyncClient(transport=fake.transport(), event_hooks={"response": checks})
        made.append(http)
        return Atlas(key, base_url=fake.base_url, http_client=http, **kwargs)

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
def atlas(make_client: MakeClient) -> Atlas:
    return make_client()
