"""The wire validator itself: it must catch what it exists to catch, or the client suite's
"zero violations" would mean nothing."""

from __future__ import annotations

import httpx
import pytest
from openapi_wire import WireValidator

from atlas_async.testing import FakeAtlas

pytestmark = pytest.mark.anyio


async def _client(fake: FakeAtlas, wire: WireValidator) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=fake.transport(),
        base_url=fake.base_url,
        headers={"Authorization": f"Bearer {fake.api_key}"},
        event_hooks={"response": [wire]},
    )


async def test_a_conforming_exchange_passes() -> None:
    fake = FakeAtlas()
    wire = WireValidator({"atlas.test"})
    async with await _client(fake, wire) as http:
        await http.get("/api/envelopes", params={"limit": 5})
    assert wire.checked == 1
    wire.assert_clean()


async def test_bad_requests_are_caught() -> None:
    fake = FakeAtlas()
    wire = WireValidator({"atlas.test"})
    async with await _client(fake, wire) as http:
        await http.get("/api/envelopes", params={"limit": 0})  # limit is 1..100
        await http.post(
            "/api/envelope/00000000-0000-4000-8000-000000000000/send",
            json={"fields_version": "1"},  # an integer in the contract
        )
        await http.get("/api/envelopes", headers={"Authorization": ""})  # no credentials
    joined = "\n".join(wire.violations)
    assert "limit" in joined
    assert "fields_version" in joined or "InvalidRequestBody" in joined
    assert "request GET /api/envelopes -> 401" in joined  # the missing credentials
    with pytest.raises(AssertionError, match="wire violations"):
        wire.assert_clean()


async def test_off_contract_responses_are_caught() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/status"):
            return httpx.Response(200, json={"status": "pending", "signed_count": "two"})
        return httpx.Response(418, json={"error": {"code": "teapot", "message": "no"}})

    wire = WireValidator({"atlas.test"})
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(server),
        base_url="http://atlas.test",
        headers={"Authorization": "Bearer k"},
        event_hooks={"response": [wire]},
    ) as http:
        await http.get("/api/envelope/e1/status")
        await http.get("/api/envelope/e1")
    joined = "\n".join(wire.violations)
    assert "/status -> 200" in joined  # wrong types, missing required properties
    assert "418" in joined  # a status the operation does not document
    assert len(wire.violations) == 2
