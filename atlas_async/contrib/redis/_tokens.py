"""``RedisTokenStore``: one OAuth grant shared by every process, refreshed once per expiry.

The tokens are one JSON value at ``<prefix>:oauth:tokens`` (or the ``key`` you give). Refreshing
happens under a Redis lock (redis-py's ``Lock``: ``SET NX PX`` with a random token, released by a
compare-and-delete), which :class:`~atlas_async.oauth.OAuthTokenProvider` takes through the
:class:`~atlas_async.oauth.SharedTokenStore` seam. The lock is a lease: a process that dies while
refreshing blocks the others for ``lock_timeout`` seconds at most.

The refresh token is the grant: whoever reads this key can act for the user. Keep the Redis
private (a password or ACL user, TLS with ``rediss://`` across machines).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from ...oauth import OAuthError, OAuthTokens, dump_tokens, load_tokens
from .._asyncio import require_asyncio
from ._connection import check_redis, key_prefix

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisTokenStore"]


class RedisTokenStore:
    """A :class:`~atlas_async.oauth.SharedTokenStore` in Redis, for ``OAuthTokenProvider(store=)``.

    ``key``: where the tokens live (default ``<prefix>:oauth:tokens``; one key per grant).
    ``lock_timeout``: seconds the refresh lock lasts if its holder dies (keep it above the token
    endpoint's timeout, 30 s by default). ``lock_wait``: seconds a process waits for another's
    refresh before giving up with :class:`~atlas_async.oauth.OAuthError`. asyncio only.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        key: str | None = None,
        prefix: str = "atlas",
        lock_timeout: float = 60.0,
        lock_wait: float = 60.0,
    ) -> None:
        check_redis(redis)
        if not lock_timeout > 0 or not lock_wait > 0:
            raise ValueError("lock_timeout and lock_wait must be positive numbers of seconds")
        self._redis = redis
        self.key = key or key_prefix(prefix) + ":oauth:tokens"
        self.lock_timeout = float(lock_timeout)
        self.lock_wait = float(lock_wait)

    def __repr__(self) -> str:  # never the tokens, never the connection URL
        return f"<RedisTokenStore key={self.key!r}>"

    async def load(self) -> OAuthTokens | None:
        require_asyncio("RedisTokenStore")
        raw = await self._redis.get(self.key)
        if raw is None:
            return None
        return load_tokens(raw, f"the tokens at Redis key {self.key}")

    async def save(self, tokens: OAuthTokens) -> None:
        require_asyncio("RedisTokenStore")
        await self._redis.set(self.key, dump_tokens(tokens))

    async def clear(self) -> None:
        require_asyncio("RedisTokenStore")
        await self._redis.delete(self.key)

    @asynccontextmanager
    async def refresh_lock(self) -> AsyncIterator[None]:
        """Held while one process refreshes; the others wait here, then adopt its tokens."""
        require_asyncio("RedisTokenStore")
        from redis.exceptions import LockError

        lock = self._redis.lock(
            self.key + ":refresh-lock",
            timeout=self.lock_timeout,
            blocking_timeout=self.lock_wait,
        )
        if not await lock.acquire():
            raise OAuthError(
                f"another process held the token refresh lock for over {self.lock_wait:g} s; "
                "try again (a process that died holding it frees it within "
                f"{self.lock_timeout:g} s)"
            )
        try:
            yield
        finally:
            # LockError: the lease ran out while we refreshed; the lock is someone else's, or gone.
            with contextlib.suppress(LockError):
                await lock.release()
