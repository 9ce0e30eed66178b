"""The Redis client every class of this package uses: a blocking connection pool."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["check_redis", "connect", "key_prefix"]

#: Connections one process may open to Redis, unless ``max_connections=`` says otherwise.
DEFAULT_MAX_CONNECTIONS = 32


def connect(
    url: str,
    *,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
    pool_timeout: float | None = 20.0,
    socket_timeout: float | None = 10.0,
    **options: Any,
) -> Redis:
    """A redis-py asyncio client on a ``BlockingConnectionPool`` for ``url``.

    ``redis://[[user]:password@]host:port/db`` or ``rediss://`` for TLS. With a blocking pool, a
    burst of callers beyond ``max_connections`` waits up to ``pool_timeout`` seconds for a free
    connection instead of failing with "Too many connections". ``socket_timeout`` bounds each
    command; ``options`` go to the pool (``ssl_ca_certs=``, ``health_check_interval=``...).

    Share one client between the classes of this package; close it with ``await client.aclose()``.
    """
    from redis.asyncio import BlockingConnectionPool, Redis

    if max_connections < 1:
        raise ValueError("max_connections must be at least 1")
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=pool_timeout,
        socket_timeout=socket_timeout,
        socket_connect_timeout=min(socket_timeout or 5.0, 5.0),
        **options,
    )
    return Redis.from_pool(pool)  # the client owns the pool: aclose() closes both


def key_prefix(prefix: str) -> str:
    """A validated key prefix (``atlas`` by default): one Redis may serve several apps."""
    if not isinstance(prefix, str) or not prefix or any(c.isspace() for c in prefix):
        raise ValueError(f"prefix must be a non-empty string without spaces, got {prefix!r}")
    return prefix.rstrip(":")


def check_redis(redis: object) -> None:
    """A clear TypeError for a synchronous client (``redis.Redis``), which would block the loop."""
    from redis.asyncio import Redis

    if not isinstance(redis, Redis):
        raise TypeError(
            "expected a redis.asyncio.Redis client (atlas_async.contrib.redis.connect(url) makes "
            f"one), got {type(redis).__module__}.{type(redis).__name__}"
        )
