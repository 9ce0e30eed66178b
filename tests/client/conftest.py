"""Fixtures for the client suite: an in-process emulator, clients wired to it, and the wire check.

Every ``Atlas`` built by ``make_client`` gets the openapi-core wire validator in the response hooks
of the HTTP client the test owns, and the test fails at teardown if any request or response broke
``openapi.json``: the client suite doubles as a wire-conformance suite. Modules that feed the client deliberately off-contract answers (an HTML
520, a teapot) opt out with ``pytestmark = pytest.mark.no_wire``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest

from atlas_async import Atlas, Attempt, AttemptResponse, CallNext
from atlas_async.testing import FakeAtlas

from .._support.http import httpx
from ..wire.openapi_wire import WireValidator

MakeClient = Callable[..., Atlas]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "no_wire: this module's fake answers are off-contract on purpose"
    )


@pytest.fixture(autouse=True)
def wire(request: pytest.FixtureRequest) -> Iterator[WireValidator]:
    """The validator every client made by ``make_client`` reports to (as an httpx response hook
    on the client the test owns)."""
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
    made: list[httpx.AsyncClient] = []

    def make(api_key: str | None = None, **kwargs: Any) -> Atlas:
        hooks: dict[str, list[Any]] = {"response": []}
        if request.node.get_closest_marker("no_wire") is None:
            hooks["response"].append(wire)
            wire.clients += 1
            wire.api_hosts.add(httpx.URL(fake.base_url).host)
        http = httpx.AsyncClient(transport=fake.transport(), event_hooks=hooks)
        made.append(http)
        kwargs.setdefault("middleware", [Hooks()])
        return Atlas(api_key or fake.api_key, base_url=fake.base_url, http_client=http, **kwargs)

    yield make
    for http in made:
        await http.aclose()


@pytest.fixture
def atlas(make_client: MakeClient) -> Atlas:
    return make_client()
