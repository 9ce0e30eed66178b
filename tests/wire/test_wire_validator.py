"""The wire validator itself: it must catch what it exists to catch, or the client suite's
"zero violations" would mean nothing."""

from __future__ import annotations

import pytest

from atlas_async.testing import FakeAtlas

from .._support.http import httpx
from .openapi_wire import WireValidator

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


async def test_server_errors_are_checked_against_the_documented_5xx() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        headers = {"X-Request-Id": "req_1"}
        if request.url.path.endswith("/good"):
            body = {"error": {"code": "internal_error", "message": "m"}, "request_id": "req_1"}
            return httpx.Response(503, json=body, headers={**headers, "Retry-After": "2"})
        if request.url.path.endswith("/fraction"):
            body = {"error": {"code": "unavailable", "message": "m"}, "request_id": "req_1"}
            return httpx.Response(503, json=body, headers={**headers, "Retry-After": "1.5"})
        if request.url.path.endswith("/shape"):
            return httpx.Response(500, json={"oops": True}, headers=headers)
        page = b"<html><h1>502 Bad Gateway</h1>nginx</html>"
        return httpx.Response(502, content=page, headers={"Content-Type": "text/html"})

    wire = WireValidator({"atlas.test"})
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(server),
        base_url="http://atlas.test",
        headers={"Authorization": "Bearer k"},
        event_hooks={"response": [wire]},
    ) as http:
        for name in ("good", "fraction", "shape", "proxy"):
            await http.get(f"/api/envelope/{name}")
    joined = "\n".join(wire.violations)
    assert "/fraction -> 503" in joined  # Retry-After is an integer
    assert "/shape -> 500" in joined  # not an ErrorBody
    assert len(wire.violations) == 2
    # A proxy's HTML page is not Atlas speaking: tolerated, and recorded.
    assert wire.proxy_pages == ["GET /api/envelope/proxy -> 502"]
    assert wire.checked == 4


async def test_emulator_faults_conform_to_the_documented_5xx() -> None:
    fake = FakeAtlas()
    fake.faults.add("status", "GET /api/envelopes", status=503, retry_after=1.5)
    fake.faults.add("status", "GET /api/envelopes", status=500)
    wire = WireValidator({"atlas.test"})
    async with await _client(fake, wire) as http:
        assert (await http.get("/api/envelopes")).status_code == 503
        assert (await http.get("/api/envelopes")).status_code == 500
    assert (wire.checked, wire.proxy_pages) == (2, [])
    wire.assert_clean()
