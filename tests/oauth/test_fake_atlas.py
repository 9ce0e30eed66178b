"""The whole story through the emulator: OAuth tokens from FakeAtlas drive ``Atlas(auth=...)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest

from atlas_async import Atlas, PermissionDeniedError
from atlas_async.oauth import (
    FileTokenStore,
    InvalidGrantError,
    OAuthTokenProvider,
    OAuthTokens,
    ServerMetadata,
    discover,
    exchange_code,
    login,
    logout,
    register_client,
    revoke_token,
    start_authorization,
)
from atlas_async.testing import FakeAtlas, ManualClock
from atlas_async.testing._documents import render_pdf

from ..wire.openapi_wire import WireValidator

pytestmark = pytest.mark.anyio

REDIRECT = "http://127.0.0.1:8123/callback"
PDF = render_pdf([["OAuth agreement", "", "Sign below."]], title="OAuth")


@pytest.fixture
def fake() -> FakeAtlas:
    return FakeAtlas(clock=ManualClock(1_800_000_000.0))


@pytest.fixture
async def http(fake: FakeAtlas) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the emulator whose every request and response is checked against openapi.json
    (openapi-core, the wire suite's validator): the OAuth calls here double as wire tests."""
    wire = WireValidator(api_host=httpx.URL(fake.base_url).host)
    async with httpx.AsyncClient(
        transport=fake.transport(), base_url=fake.base_url, event_hooks={"response": [wire]}
    ) as client:
        yield client
    assert wire.checked > 0
    wire.assert_clean()


async def grant(
    fake: FakeAtlas, http: httpx.AsyncClient, scope: str | None = None
) -> tuple[ServerMetadata, OAuthTokens]:
    metadata = await discover(fake.base_url, http_client=http)
    reg = await register_client(
        metadata, client_name="agent", redirect_uris=[REDIRECT], scope=scope, http_client=http
    )
    request = start_authorization(
        metadata, client_id=reg.client_id, redirect_uri=REDIRECT, scope=scope
    )
    response = await http.get(request.url)  # consent is auto-approved for the default org
    assert response.status_code == 302
    tokens = await exchange_code(
        metadata, request, response.headers["location"], http_client=http, clock=fake.now
    )
    return metadata, tokens


def atlas_for(fake: FakeAtlas, http: httpx.AsyncClient, provider: OAuthTokenProvider) -> Atlas:
    return Atlas(auth=provider, base_url=fake.base_url, http_client=http, max_retries=0)


async def connected(
    fake: FakeAtlas, http: httpx.AsyncClient, scope: str | None = None
) -> tuple[ServerMetadata, OAuthTokens, OAuthTokenProvider, Atlas]:
    """An agent that logged in: its tokens, a provider on the emulator's clock, a client."""
    metadata, tokens = await grant(fake, http, scope)
    provider = OAuthTokenProvider(tokens, metadata=metadata, http_client=http, clock=fake.now)
    return metadata, tokens, provider, atlas_for(fake, http, provider)


async def test_discovery_against_the_emulator(fake: FakeAtlas, http: httpx.AsyncClient) -> None:
    # http://atlas.test is allowed without an opt-in: *.test hosts are the client's rule too.
    metadata = await discover(fake.base_url, http_client=http)
    assert metadata.issuer == fake.base_url
    assert metadata.token_endpoint == f"{fake.base_url}/oauth/token"
    assert metadata.mcp_endpoint == f"{fake.base_url}/api/mcp"
    with pytest.raises(ValueError, match="HTTPS"):
        await discover("http://atlas.example.com", http_client=http)


async def test_rest_calls_with_oauth_tokens_refresh_on_expiry(
    fake: FakeAtlas, http: httpx.AsyncClient
) -> None:
    _metadata, tokens, provider, atlas = await connected(fake, http)
    created = await atlas.envelopes.create(PDF, filename="a.pdf")
    envelope = await atlas.envelopes.get(created.envelope_id)
    assert envelope.envelope_id == created.envelope_id
    assert provider.refresh_count == 0

    fake.advance(3600)  # the access token expires on both sides of the wire
    page = await atlas.envelopes.list()
    assert [e.envelope_id for e in page.items] == [created.envelope_id]
    assert provider.refresh_count == 1
    assert (await provider.current()).refresh_token != tokens.refresh_token


async def test_hundred_concurrent_rest_calls_at_expiry_one_refresh(
    fake: FakeAtlas, http: httpx.AsyncClient
) -> None:
    _metadata, _tokens, provider, atlas = await connected(fake, http)
    created = await atlas.envelopes.create(PDF, filename="a.pdf")
    fake.advance(3600)
    seen: list[str] = []

    async def call() -> None:
        seen.append((await atlas.envelopes.status(created.envelope_id)).status)

    async with anyio.create_task_group() as tg:
        for _ in range(100):
            tg.start_soon(call)
    assert len(seen) == 100
    assert provider.refresh_count == 1


async def test_401_triggers_one_refresh_and_a_resend(
    fake: FakeAtlas, http: httpx.AsyncClient
) -> None:
    metadata, tokens = await grant(fake, http)
    # The server revoked the access token behind the client's back (it is not expired locally).
    await revoke_token(metadata, tokens.access_token, client_id=tokens.client_id, http_client=http)
    provider = OAuthTokenProvider(tokens, metadata=metadata, http_client=http, clock=fake.now)
    atlas = atlas_for(fake, http, provider)
    page = await atlas.envelopes.list()
    assert page.items == []
    assert provider.refresh_count == 1


async def test_revoked_grant_surfaces_invalid_grant(
    fake: FakeAtlas, http: httpx.AsyncClient
) -> None:
    metadata, tokens, _provider, atlas = await connected(fake, http)
    await revoke_token(metadata, tokens, http_client=http)  # the refresh token: the whole grant
    with pytest.raises(InvalidGrantError):
        await atlas.envelopes.list()


async def test_scopes_are_enforced_by_the_emulator(
    fake: FakeAtlas, http: httpx.AsyncClient
) -> None:
    _, _, _, atlas = await connected(fake, http, scope="envelopes:read")
    assert (await atlas.envelopes.list()).items == []
    with pytest.raises(PermissionDeniedError) as info:
        await atlas.envelopes.create(PDF, filename="a.pdf")
    assert info.value.code == "insufficient_scope"


async def test_login_against_the_emulator_on_a_real_port(tmp_path: Path) -> None:
    """No injected client anywhere: the SDK's own httpx sessions, the emulator under uvicorn on
    127.0.0.1, the loopback listener on another port, a "browser" following the redirects."""
    fake = FakeAtlas()

    async def browser(url: str) -> None:
        async with httpx.AsyncClient(trust_env=False) as real:
            consent = await real.get(url)
            assert consent.status_code == 302
            assert (await real.get(consent.headers["location"])).status_code == 200

    async with fake.serve() as base_url:
        store = FileTokenStore(tmp_path / "tokens.json")
        await login(base_url, store=store, open_browser=False, on_url=browser)
        async with Atlas(auth=OAuthTokenProvider(store=store), base_url=base_url) as atlas:
            assert (await atlas.envelopes.list()).items == []
        assert await logout(store) is True
