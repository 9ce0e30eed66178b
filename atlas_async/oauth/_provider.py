"""The auth object for ``Atlas(auth=...)``: OAuth tokens that refresh themselves.

Hand-written rather than authlib's ``AsyncOAuth2Client``: that client refreshes inside its own
request path with an ``asyncio``-flavoured lock per client and knows nothing of our
``TokenProvider`` seam, trio, or a token store shared across processes. What this adds:

- one ``anyio.Lock``: however many requests find the token stale (or get a 401) at once, exactly one
  refresh goes out and the rest reuse its result (works under asyncio and trio);
- a refresh is shielded from cancellation: once the server rotated the refresh token, the new one
  is persisted even if the request that triggered it was cancelled, because the old one is dead;
- before refreshing, the store is re-read: another process (a second CLI run) may already have
  rotated the token, and replaying the old one would make the server revoke the grant;
- with a :class:`SharedTokenStore` (several processes on one grant), the re-read, the refresh and
  the save happen under the store's lock, so N processes at expiry make exactly one refresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio

from .._config import resolve_allow_insecure_http
from ._errors import OAuthError
from ._http import DEFAULT_TIMEOUT
from ._metadata import ServerMetadata, discover
from ._store import SharedTokenStore, TokenStore
from ._tokens import OAuthTokens, refresh_tokens

__all__ = ["OAuthTokenProvider"]


class OAuthTokenProvider:
    """A ``TokenProvider`` backed by OAuth tokens, for ``Atlas(auth=...)``.

    Give it ``tokens`` (e.g. from :func:`login` or :func:`exchange_code`), a ``store`` to load them
    from and save rotated ones to, or both. It refreshes ``refresh_margin`` seconds before expiry
    and once after a 401. ``metadata`` is discovered from the tokens' issuer when not given;
    ``allow_insecure_http`` unset comes from ``ATLAS_ALLOW_INSECURE_HTTP``, as for ``Atlas()``.
    """

    def __init__(
        self,
        tokens: OAuthTokens | None = None,
        *,
        store: TokenStore | None = None,
        metadata: ServerMetadata | None = None,
        client_id: str | None = None,
        refresh_margin: float = 60.0,
        http_client: object | None = None,
        request_timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.time,
        allow_insecure_http: bool | None = None,
    ) -> None:
        if tokens is None and store is None:
            raise ValueError("give tokens=, store=, or both")
        if refresh_margin < 0:
            raise ValueError("refresh_margin must be >= 0")
        self._tokens = tokens
        self._store = store
        self._metadata = metadata
        self._client_id = client_id
        self._margin = refresh_margin
        self._http_client = http_client
        self._request_timeout = request_timeout
        self._clock = clock
        self._allow_insecure_http = resolve_allow_insecure_http(allow_insecure_http)
        self._lock = anyio.Lock()
        self.refresh_count = 0
        """How many refreshes this provider performed (for metrics and tests)."""

    def __repr__(self) -> str:
        return f"OAuthTokenProvider(tokens={self._tokens!r}, store={self._store!r})"

    async def current(self) -> OAuthTokens:
        """The tokens in use now (loaded from the store on first use), without refreshing."""
        tokens = self._tokens
        if tokens is None:
            async with self._lock:
                tokens = await self._loaded()
        return tokens

    async def token(self) -> str:
        tokens = await self.current()
        if not self._stale(tokens):
            return tokens.access_token  # the fast path: no lock, no await on the hot path
        async with self._lock:
            tokens = await self._loaded()
            if self._stale(tokens):
                if tokens.refresh_token is None:
                    if tokens.expires_within(0, now=self._clock()):
                        raise OAuthError(
                            "the OAuth access token expired and there is no refresh token; "
                            "log in again"
                        )
                    return tokens.access_token  # inside the margin but still valid: use it
                tokens = await self._refresh_locked(tokens)
            return tokens.access_token

    async def refresh(self, rejected: str) -> str | None:
        """After a 401 for ``rejected``: the token another caller already refreshed to, else a
        fresh one. None when there is no refresh token (the 401 stands). A refresh token the
        server refuses raises :class:`InvalidGrantError` (log in again)."""
        async with self._lock:
            tokens = await self._loaded()
            if tokens.access_token != rejected:
                return tokens.access_token
            if tokens.refresh_token is None:
                return None
            return (await self._refresh_locked(tokens)).access_token

    async def force_refresh(self) -> OAuthTokens:
        """Refresh now, whatever the expiry says."""
        async with self._lock:
            return await self._refresh_locked(await self._loaded())

    def _stale(self, tokens: OAuthTokens) -> bool:
        return tokens.expires_within(self._margin, now=self._clock())

    async def _loaded(self) -> OAuthTokens:
        # Caller holds the lock.
        if self._tokens is None and self._store is not None:
            self._tokens = await self._store.load()
        if self._tokens is None:
            raise OAuthError("no OAuth tokens in the store: log in first (atlas-async login)")
        return self._tokens

    async def _refresh_locked(self, tokens: OAuthTokens) -> OAuthTokens:
        with anyio.CancelScope(shield=True):
            return await self._refresh_shielded(tokens)
        raise AssertionError("unreachable: a shielded scope is never cancelled")  # for mypy

    async def _refresh_shielded(self, tokens: OAuthTokens) -> OAuthTokens:
        if isinstance(self._store, SharedTokenStore):
            async with self._store.refresh_lock():
                return await self._refresh_from_store(tokens)
        return await self._refresh_from_store(tokens)

    async def _refresh_from_store(self, tokens: OAuthTokens) -> OAuthTokens:
        if self._store is not None:
            stored = await self._store.load()
            if (
                stored is not None
                and stored.refresh_token != tokens.refresh_token
                and stored.access_token != tokens.access_token
                and not self._stale(stored)
            ):
                self._tokens = stored  # someone else already rotated: adopt, do not replay
                return stored
        metadata = await self._metadata_for(tokens)
        fresh = await refresh_tokens(
            metadata,
            tokens,
            client_id=self._client_id,
            http_client=self._http_client,
            request_timeout=self._request_timeout,
            clock=self._clock,
        )
        self._tokens = fresh
        self.refresh_count += 1
        if self._store is not None:
            await self._store.save(fresh)
        return fresh

    async def _metadata_for(self, tokens: OAuthTokens) -> ServerMetadata:
        if self._metadata is None:
            if not tokens.issuer:
                raise OAuthError("cannot refresh: no metadata given and the tokens name no issuer")
            self._metadata = await discover(
                tokens.issuer,
                http_client=self._http_client,
                request_timeout=self._request_timeout,
                allow_insecure_http=self._allow_insecure_http,
            )
        return self._metadata
