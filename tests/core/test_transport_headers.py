"""What goes on the wire with each request: the User-Agent, the per-request timeout, the account
header (per request, never on the shared client) and a refreshed bearer token after a 401."""

from __future__ import annotations

import json

import pytest

import atlas_async
import atlas_async._transport
from atlas_async import Atlas, Attempt, AttemptResponse, AuthenticationError, CallNext

from .._support.http import httpx
from .._support.mock_api import BASE, ENV_ID, KEY, Recorder, api_error, envelope_json, make
from .._support.raw_server import Request, response, serve

pytestmark = pytest.mark.anyio


async def test_user_agent_and_per_request_timeout_on_the_wire() -> None:
    rec = Recorder(httpx.Response(200, json=envelope_json()))
    atlas = make(rec, timeout=7.5)
    await atlas.envelopes.get(ENV_ID)
    await atlas.with_options(timeout=2.0).envelopes.get(ENV_ID)
    first, second = rec.requests
    assert first.headers["User-Agent"].startswith(f"atlas-async/{atlas_async.__version__}")
    assert first.headers["Authorization"] == f"Bearer {KEY}"
    assert first.extensions["timeout"]["read"] == 7.5
    assert second.extensions["timeout"]["read"] == 2.0
    assert atlas.timeout == 7.5  # the copy did not change the original


async def test_account_is_per_request_and_copies_do_not_leak_it() -> None:
    rec = Recorder(httpx.Response(200, json=envelope_json()))
    base = make(rec)
    tenant = base.for_account("ext_acme")
    await tenant.envelopes.get(ENV_ID)
    await base.envelopes.get(ENV_ID)
    await base.with_options(max_retries=0).for_account("ext_beta").envelopes.get(ENV_ID)
    accounts = [r.headers.get("Atlas-Account") for r in rec.requests]
    assert accounts == ["ext_acme", None, "ext_beta"]
    assert base.account is None
    assert "atlas-account" not in base._transport.http.headers


async def test_token_provider_refreshes_once_on_401() -> None:
    class Provider:
        def __init__(self) -> None:
            self.current = "tok_old"
            self.refreshed: list[str] = []

        async def token(self) -> str:
            return self.current

        async def refresh(self, rejected: str) -> str | None:
            self.refreshed.append(rejected)
            self.current = "tok_new"
            return self.current

    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer tok_new":
            return httpx.Response(200, json=envelope_json())
        return api_error(401, "unauthorized")

    provider = Provider()
    rec = Recorder(answer)
    http = httpx.AsyncClient(transport=httpx.MockTransport(rec))
    atlas = Atlas(auth=provider, base_url=BASE, http_client=http)
    await atlas.envelopes.get(ENV_ID)
    assert provider.refreshed == ["tok_old"]
    assert [r.headers["Authorization"] for r in rec.requests] == [
        "Bearer tok_old",
        "Bearer tok_new",
    ]

    provider.current = "tok_dead"

    async def give_up(rejected: str) -> str | None:
        return None

    provider.refresh = give_up  # type: ignore[method-assign]
    with pytest.raises(AuthenticationError):
        await atlas.envelopes.get(ENV_ID)


async def test_a_callers_client_defaults_reach_neither_middleware_nor_the_wire() -> None:
    # The caller's own client carries its own credentials and encodings: the SDK's replace them
    # on the wire, and no middleware ever sees a token, theirs or ours.
    rec = Recorder(httpx.Response(200, json=envelope_json()))
    seen: list[str | None] = []

    async def look(attempt: Attempt, call_next: CallNext) -> AttemptResponse:
        seen.append(attempt.headers.get("Authorization"))
        return await call_next(attempt)

    http = httpx.AsyncClient(
        transport=httpx.MockTransport(rec),
        headers={
            "Authorization": "Bearer theirs",
            "User-Agent": "myapp/1.0",
            "Accept-Encoding": "br",
        },
    )
    async with http, Atlas(KEY, base_url=BASE, http_client=http, middleware=[look]) as atlas:
        await atlas.envelopes.get(ENV_ID)
    (sent,) = rec.requests
    assert seen == [None]
    assert sent.headers.get_list("Authorization") == [f"Bearer {KEY}"]
    assert sent.headers["User-Agent"] == f"myapp/1.0 {atlas_async._transport.USER_AGENT}"
    assert sent.headers["Accept-Encoding"] == "gzip, deflate"


async def test_the_sdks_own_client_sends_its_headers_once() -> None:
    # On a real socket, with the client the SDK builds itself (the path that skips re-checking
    # the headers it set on that client).
    heard: list[Request] = []

    def answer(request: Request) -> bytes:
        heard.append(request)
        return response(
            200, json.dumps(envelope_json()).encode(), {"Content-Type": "application/json"}
        )

    with serve(answer) as server:
        async with Atlas(KEY, base_url=server.url) as atlas:
            await atlas.envelopes.get(ENV_ID)
            await atlas.for_account("ext_acme").envelopes.get(
                ENV_ID, extra_headers={"X-Trace": "t"}
            )
    for request in heard:
        assert request.headers["user-agent"] == atlas_async._transport.USER_AGENT
        assert request.headers["accept-encoding"] == "gzip, deflate"
        assert request.headers["authorization"] == f"Bearer {KEY}"
    assert [r.headers.get("atlas-account") for r in heard] == [None, "ext_acme"]
    assert heard[1].headers["x-trace"] == "t"
