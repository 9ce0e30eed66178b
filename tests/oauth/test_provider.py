"""OAuthTokenProvider: refresh before expiry, once on a 401, one refresh for many callers."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx
import pytest

from atlas_async._auth import TokenProvider
from atlas_async.oauth import (
    FileTokenStore,
    InvalidGrantError,
    MemoryTokenStore,
    OAuthError,
    OAuthTokenProvider,
    OAuthTokens,
    discover,
    revoke_token,
)

from .conftest import ISSUER, Counter, FakeClock
from .test_flow import logged_in, whoami

pytestmark = pytest.mark.anyio


async def provider_for(
    http: httpx.AsyncClient, clock: FakeClock, **kwargs: object
) -> tuple[OAuthTokenProvider, OAuthTokens]:
    _, tokens = await logged_in(http, clock)
    store = kwargs.pop("store", MemoryTokenStore(tokens))
    provider = OAuthTokenProvider(store=store, http_client=http, clock=clock, **kwargs)  # type: ignore[arg-type]
    return provider, tokens


async def test_is_a_token_provider(http: httpx.AsyncClient, clock: FakeClock) -> None:
    provider, tokens = await provider_for(http, clock)
    assert isinstance(provider, TokenProvider)
    assert await provider.token() == tokens.access_token
    assert tokens.access_token not in repr(provider)


async def test_refreshes_shortly_before_expiry_and_saves(
    http: httpx.AsyncClient, clock: FakeClock, app: Counter
) -> None:
    store = MemoryTokenStore()
    provider, tokens = await provider_for(http, clock, store=store, refresh_margin=60)
    await store.save(tokens)
    clock.advance(3600 - 61)
    assert await provider.token() == tokens.access_token  # outside the margin: no refresh
    assert app.count("/oauth/token") == 1  # the code exchange only
    clock.advance(2)
    fresh = await provider.token()
    assert fresh != tokens.access_token
    assert (await whoami(http, fresh)).status_code == 200
    saved = await store.load()
    assert saved is not None
    assert saved.access_token == fresh
    assert saved.refresh_token != tokens.refresh_token  # the rotated one was persisted
    assert provider.refresh_count == 1
    # Discovery happened lazily, from the issuer stored with the tokens.
    assert app.count("/.well-known/oauth-authorization-server") == 2


async def test_hundred_concurrent_calls_at_expiry_share_one_refresh(
    http: httpx.AsyncClient, clock: FakeClock, app: Counter
) -> None:
    provider, _ = await provider_for(http, clock)
    await provider.token()
    clock.advance(3600)
    before = app.count("/oauth/token")
    results: list[str] = []

    async def call() -> None:
        token = await provider.token()
        response = await whoami(http, token)
        assert response.status_code == 200
        results.append(token)

    async with anyio.create_task_group() as tg:
        for _ in range(100):
            tg.start_soon(call)
    assert app.count("/oauth/token") - before == 1
    assert provider.refresh_count == 1
    assert len(results) == 100
    assert len(set(results)) == 1


async def test_hundred_concurrent_401s_share_one_refresh(
    http: httpx.AsyncClient, clock: FakeClock, app: Counter
) -> None:
    provider, tokens = await provider_for(http, clock)
    metadata_free_revoke = tokens.access_token
    # The server forgets the access token (revoked elsewhere); it has not expired locally.

    await revoke_token(
        await discover(ISSUER, http_client=http), metadata_free_revoke, http_client=http
    )
    rejected = await provider.token()
    assert (await whoami(http, rejected)).status_code == 401
    before = app.count("/oauth/token")
    retried: list[str | None] = []

    async def on_401() -> None:
        retried.append(await provider.refresh(rejected))

    async with anyio.create_task_group() as tg:
        for _ in range(100):
            tg.start_soon(on_401)
    assert app.count("/oauth/token") - before == 1
    assert len(set(retried)) == 1
    new = retried[0]
    assert new is not None
    assert new != rejected
    assert (await whoami(http, new)).status_code == 200


async def test_refresh_without_refresh_token_gives_up(clock: FakeClock) -> None:
    provider = OAuthTokenProvider(OAuthTokens("tok", expires_at=clock.now + 10), clock=clock)
    assert await provider.refresh("tok") is None
    assert await provider.token() == "tok"  # inside the margin but still valid
    clock.advance(10)
    with pytest.raises(OAuthError, match="log in again"):
        await provider.token()


async def test_expired_refresh_token_raises_invalid_grant(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    provider, _ = await provider_for(http, clock)
    clock.advance(31 * 86400)
    with pytest.raises(InvalidGrantError, match="refresh token expired"):
        await provider.token()


async def test_empty_store_is_a_clear_error(tmp_path: Path) -> None:
    provider = OAuthTokenProvider(store=FileTokenStore(tmp_path / "none.json"))
    with pytest.raises(OAuthError, match="log in first"):
        await provider.token()
    with pytest.raises(ValueError, match="tokens=, store="):
        OAuthTokenProvider()


async def test_two_processes_sharing_a_file_store_never_replay(
    http: httpx.AsyncClient, clock: FakeClock, tmp_path: Path
) -> None:
    """Two providers (think: two CLI runs) on one token file: the second adopts the first's
    rotation instead of replaying the dead refresh token (which would revoke the grant)."""
    _, tokens = await logged_in(http, clock)
    path = tmp_path / "tokens.json"
    await FileTokenStore(path).save(tokens)
    first = OAuthTokenProvider(store=FileTokenStore(path), http_client=http, clock=clock)
    second = OAuthTokenProvider(store=FileTokenStore(path), http_client=http, clock=clock)
    assert await second.token() == tokens.access_token  # loaded before the rotation
    clock.advance(3600)
    a = await first.token()
    b = await second.token()
    assert a == b
    assert (first.refresh_count, second.refresh_count) == (1, 0)
    assert (await whoami(http, b)).status_code == 200


async def test_cancelled_caller_does_not_lose_the_rotated_token(
    http: httpx.AsyncClient, clock: FakeClock, app: Counter
) -> None:
    """The refresh is shielded: cancelling the request that triggered it, after the server
    rotated the refresh token, still persists the new one (the old one is dead on the server)."""

    class DiskLikeStore(MemoryTokenStore):
        async def save(self, tokens: OAuthTokens) -> None:
            await anyio.lowlevel.checkpoint()  # like a real write: a point where cancellation lands
            await super().save(tokens)

    _, tokens = await logged_in(http, clock)
    store = DiskLikeStore(tokens)
    outer = anyio.CancelScope()

    async def cancel_after_token_endpoint(scope, receive, send):  # type: ignore[no-untyped-def]
        await app(scope, receive, send)
        if scope["path"] == "/oauth/token":
            outer.cancel()  # the caller gives up right after the server rotated

    transport = httpx.ASGITransport(app=cancel_after_token_endpoint)
    async with httpx.AsyncClient(transport=transport) as cancelling:
        provider = OAuthTokenProvider(store=store, http_client=cancelling, clock=clock)
        clock.advance(3600)
        with outer:
            await provider.token()
            await anyio.lowlevel.checkpoint()  # where the caller's cancellation lands
            pytest.fail("the caller should have been cancelled")
    assert outer.cancelled_caught
    stored = await store.load()
    assert stored is not None
    assert stored.refresh_token != tokens.refresh_token
    assert (await whoami(http, stored.access_token)).status_code == 200
    assert provider.refresh_count == 1
