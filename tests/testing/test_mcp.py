"""The MCP endpoint shares envelope rows with REST (ATLAS_API.md, OAuth / MCP section)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from atlas_async.testing import FakeAtlas
from atlas_async.testing._documents import render_pdf

from .conftest import PARTIES, b64, create_ready

FRESH = render_pdf([["a document detection has not seen yet"]])

pytestmark = pytest.mark.anyio


async def rpc(client: httpx.AsyncClient, method: str, params: Any = None, rid: int = 1) -> Any:
    r = await client.post(
        "/api/mcp", json={"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}}
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_mcp_and_rest_share_rows(client: httpx.AsyncClient, fake: FakeAtlas) -> None:
    init = await rpc(client, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {}})
    assert init["result"]["capabilities"]["tools"] is not None
    note = await client.post(
        "/api/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}
    )
    assert note.status_code == 202
    names = {t["name"] for t in (await rpc(client, "tools/list"))["result"]["tools"]}
    assert {"get_envelope", "create_envelope", "send_envelope"} <= names

    eid = await create_ready(client, fake)  # made over REST ...
    got = await rpc(
        client, "tools/call", {"name": "get_envelope", "arguments": {"envelope_id": eid}}
    )
    assert got["result"]["structuredContent"]["envelope_id"] == eid  # ... seen over MCP
    made = await rpc(
        client,
        "tools/call",
        {"name": "create_envelope", "arguments": {"document": b64(FRESH), "parties": PARTIES}},
    )
    mid = made["result"]["structuredContent"]["envelope_id"]
    assert (
        await client.get(f"/api/envelope/{mid}")
    ).status_code == 200  # made over MCP, seen over REST

    early = await rpc(
        client, "tools/call", {"name": "send_envelope", "arguments": {"envelope_id": mid}}
    )
    assert early["result"]["isError"] is True
    assert "fields_pending" in early["result"]["content"][0]["text"]
    assert (await rpc(client, "nope"))["error"]["code"] == -32601
    assert (await rpc(client, "tools/call", {"name": "nope"}))["error"]["code"] == -32602


async def test_mcp_needs_a_bearer(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
        headers={"Authorization": ""},
    )
    assert r.status_code == 401
    bad = await client.post(
        "/api/mcp", content=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert bad.json()["error"]["code"] == -32700
