"""The SharedTokenStore seam: providers in several processes share one store and refresh under
its lock, so however many find the token expired at once, one refresh goes out and the others
adopt it (replaying the rotated refresh token would revoke the grant). Here the "processes" are
separate providers on one store whose lock is an anyio lock; the Redis one is in tests/contrib."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import httpx
import pytest

from atlas_async.oauth import (
    MemoryTokenStore,
    OAuthTokenProvider,
    OAuthTokens,
    SharedTokenStore,
    TokenStore,
)

from .conftest import Counter, FakeClock
from .test_flow import logged_in, whoami

pytestmark = pytest.mark.anyio


class LockedStore(MemoryTokenStore):
    """A store with the shared-store lock; counts how often it was taken."""

    def __init__(self, tokens: OAuthTokens | None = None) -> None:
        super().__init__(tokens)
        self._lock = anyio.Lock()
        self.locked = 0

    @asynccontextmanager
    async def refresh_lock(self) -> AsyncIterator[None]:
        async with self._lock:
            self.locked += 1
            yield


def test_the_seam_is_an_optional_extension_of_token_store() -> None:
    assert isinstance(LockedStore(), SharedTokenStore)
    assert isinstance(LockedStore(), TokenStore)
    assert not isinstance(MemoryTokenStore(), SharedTokenStore)


async def test_four_providers_at_expiry_make_one_refresh(
    http: httpx.AsyncClient, clock: FakeClock, app: Counter
) -> None:
    _, tokens = await logged_in(http, clock)
    store = LockedStore(tokens)
    providers = [OAuthTokenProvider(store=store, http_client=http, clock=clock) for _ in range(4)]
    for provider in providers:
        assert await provider.token() == tokens.access_token  # each caches the tokens
    clock.advance(3600)
    exchanges = app.count("/oauth/token")
    got: list[str] = []

    async def call(provider: OAuthTokenProvider) -> None:
        got.append(await provider.token())

    async with anyio.create_task_group() as tg:
        for provider in providers:
            for _ in range(10):
                tg.start_soon(call, provider)
    assert app.count("/oauth/token") == exchanges + 1
    assert sum(p.refresh_count for p in providers) == 1
    assert len(set(got)) == 1
    assert got[0] != tokens.access_token
    assert (await whoami(http, got[0])).status_code == 200  # the grant was not revoked
    assert 1 <= store.locked <= 4


async def test_without_the_lock_the_replay_revokes_the_grant(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    """Why the seam exists: two processes whose store has no lock both refresh with the same
    refresh token when they read the store before either saved; the server revokes the grant."""
    _, tokens = await logged_in(http, clock)
    first = OAuthTokenProvider(store=MemoryTokenStore(tokens), http_client=http, clock=clock)
    second = OAuthTokenProvider(store=MemoryTokenStore(tokens), http_client=http, clock=clock)
    clock.advance(3600)
    await first.token()
    with pytest.raises(Exception, match="already used"):
        await second.token()
