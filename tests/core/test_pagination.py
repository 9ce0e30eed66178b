"""Listing walks every page, item by item or page by page."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from .._support.http import httpx
from .._support.mock_api import Recorder, make

pytestmark = pytest.mark.anyio


async def test_pagination_walks_every_page() -> None:
    def summary(i: int) -> dict[str, Any]:
        return {
            "envelope_id": str(uuid.UUID(int=i)),
            "status": "draft",
            "fields_status": "ready",
            "created_at": "2026-11-28T12:00:00+00:00",
        }

    def answer(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        start = int(cursor) if cursor else 0
        items = [summary(i) for i in range(start, min(start + 2, 5))]
        nxt = str(start + 2) if start + 2 < 5 else None
        return httpx.Response(200, json={"items": items, "next_cursor": nxt})

    rec = Recorder(answer)
    atlas = make(rec)
    ids = [uuid.UUID(str(e.envelope_id)).int async for e in atlas.envelopes.list(status="draft")]
    assert ids == [0, 1, 2, 3, 4]
    assert len(rec.requests) == 3
    assert rec.requests[0].url.params.get("status") == "draft"
    assert "limit" not in rec.requests[0].url.params  # the server's default stays the server's
    first = await atlas.envelopes.list(limit=2)
    assert len(first.items) == 2
    assert first.has_next_page
    pages = [len(p.items) async for p in atlas.envelopes.list().pages()]
    assert pages == [2, 2, 1]
