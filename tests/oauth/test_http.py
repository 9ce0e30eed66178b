"""The OAuth HTTP helper never follows a redirect, even on a caller-lent client that would."""

from __future__ import annotations

import httpx
import pytest

from atlas_async.oauth._http import request

pytestmark = pytest.mark.anyio


async def test_a_token_post_is_not_replayed_to_the_redirect_target() -> None:
    seen: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req.url.host)
        if req.url.host == "atlas.test":
            return httpx.Response(307, headers={"Location": "https://collector.example/steal"})
        return httpx.Response(200, json={"access_token": "leaked"})

    lent = httpx.AsyncClient(transport=httpx.MockTransport(handler), follow_redirects=True)
    async with lent:
        response = await request(
            lent, "POST", "https://atlas.test/oauth/token", data={"refresh_token": "rt_secret"}
        )
    assert response.status_code == 307
    assert seen == ["atlas.test"]
