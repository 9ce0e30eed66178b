"""Fixtures for the client suite: an in-process emulator and clients wired to it.

Every client made here carries the openapi-core wire validator in its httpx event hooks, and the
test fails at teardown if any request or response broke ``openapi.json``: the whole client suite
doubles as a wire-conformance suite.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "wire"))

from openapi_wire import WireValidator

from atlas_async import Atlas
from atlas_async.testing import FakeAtlas

MakeClient = Callable[..., Atlas]


@pytest.fixture
def fake() -> FakeAtlas:
    # Detection settles at once unless a test says otherwise: polling tests set their own delay.
    return FakeAtlas(detection_delay=0.0)


@pytest.fixture
async def wire(fake: FakeAtlas) -> AsyncIterator[WireValidator]:
    validator = WireValidator(api_host=httpx.URL(fake.base_url).host)
    yield validator
    validator.assert_clean()


@pytest.fixture
async def make_client(fake: FakeAtlas, wire: WireValidator) -> AsyncIterator[MakeClient]:
    """``make_client(api_key=..., **Atlas kwargs)``: a client on the emulator, wire-validated."""
    made: list[httpx.AsyncClient] = []

    def make(api_key: str | None = None, **kwargs: Any) -> Atlas:
        http = httpx.AsyncClient(
            transport=fake.transport(),
            event_hooks={"request": [], "response": [wire]},
        )
        made.append(http)
        return Atlas(api_key or fake.api_key, base_url=fake.base_url, http_client=http, **kwargs)

    yield make
    for http in made:
        await http.aclose()


@pytest.fixture
def atlas(make_client: MakeClient) -> Atlas:
    return make_client()
