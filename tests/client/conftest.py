"""Fixtures for the client suite: an in-process emulator, clients wired to it, and the wire check.

Every ``Atlas`` built anywhere in this suite (by a fixture, by the README examples, by the demo)
gets the openapi-core wire validator in its httpx response hooks, and the test fails at teardown
if any request or response broke ``openapi.json``: the whole client suite doubles as a
wire-conformance suite. Modules that feed the client deliberately off-contract answers (an HTML
520, a teapot) opt out with ``pytestmark = pytest.mark.no_wire``.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "wire"))

from openapi_wire import WireValidator

from atlas_async import Atlas
from atlas_async._transport import Transport
from atlas_async.testing import FakeAtlas

MakeClient = Callable[..., Atlas]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "no_wire: this module's fake answers are off-contract on purpose"
    )


@pytest.fixture(autouse=True)
def wire(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[WireValidator]:
    """The validator hooked into every client transport created during the test."""
    validator = WireValidator()
    checked = request.node.get_closest_marker("no_wire") is None
    # The emulator's own request log is the independent witness: if it saw traffic and the
    # validator checked none, the hook below no longer reaches the client's transport (say
    # Transport.__init__ changed shape) and the suite has silently stopped checking the wire.
    emulator = request.getfixturevalue("fake") if "fake" in request.fixturenames else None
    if checked:
        original = Transport.__init__

        def hooked(self: Transport, **kwargs: Any) -> None:
            original(self, **kwargs)
            validator.api_hosts.add(httpx.URL(self.base_url).host)
            hooks = self.http.event_hooks
            if validator not in hooks["response"]:
                hooks["response"] = [*hooks["response"], validator]
                self.http.event_hooks = hooks

        monkeypatch.setattr(Transport, "__init__", hooked)
    yield validator
    validator.assert_clean()
    if checked and emulator is not None and emulator.requests:
        assert validator.checked > 0, (
            f"the emulator answered {len(emulator.requests)} request(s) but the wire validator "
            "checked none: it is no longer hooked into the client's transport"
        )


@pytest.fixture
def fake() -> FakeAtlas:
    # Detection settles at once unless a test says otherwise: polling tests set their own delay.
    return FakeAtlas(detection_delay=0.0)


@pytest.fixture
async def make_client(fake: FakeAtlas) -> AsyncIterator[MakeClient]:
    """``make_client(api_key=..., **Atlas kwargs)``: a client on the in-process emulator."""
    made: list[httpx.AsyncClient] = []

    def make(api_key: str | None = None, **kwargs: Any) -> Atlas:
        http = httpx.AsyncClient(transport=fake.transport())
        made.append(http)
        return Atlas(api_key or fake.api_key, base_url=fake.base_url, http_client=http, **kwargs)

    yield make
    for http in made:
        await http.aclose()


@pytest.fixture
def atlas(make_client: MakeClient) -> Atlas:
    return make_client()
