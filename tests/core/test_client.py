"""The client's life: a closed client refuses requests, closing a copy keeps the shared pool."""

from __future__ import annotations

import pytest

from atlas_async import Atlas

from .._support.http import httpx
from .._support.mock_api import BASE, ENV_ID, KEY, Recorder, envelope_json, make

pytestmark = pytest.mark.anyio


async def test_closed_client_refuses_requests() -> None:
    atlas = Atlas(api_key=KEY, base_url=BASE)
    await atlas.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await atlas.envelopes.get(ENV_ID)


async def test_closing_a_copy_keeps_the_pool_open() -> None:
    rec = Recorder(httpx.Response(200, json=envelope_json()))
    atlas = make(rec)
    async with atlas.for_account("ext_acme") as tenant:
        await tenant.envelopes.get(ENV_ID)
    await atlas.envelopes.get(ENV_ID)
    assert len(rec.requests) == 2
