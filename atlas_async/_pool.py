"""The SDK's own connection pool on httpx 0.28: shards of at most 20 connections, each keeping
every connection it opens alive.

httpcore 1.x (httpx 0.28's pool) keeps a connection that falls idle only while the pool holds no
more connections than it keeps alive: it counts all of its connections there, not the idle ones
(open upstream, encode/httpcore#1035). A pool of 100 keeping 20 alive (httpx's default, and ours
before) therefore closes each connection as it falls idle once more than 20 are open: with 64
requests in flight over HTTPS, about half the requests opened a new connection (a new TLS
handshake) against a server 20 ms away, nearly all of them 50 ms away. Keeping all 100 alive
avoids that, but on every request event httpcore also walks every connection for each idle one,
a cost that grows with the square of the pool: 5.4 ms of client CPU a request 50 ms away,
against 3.9 reconnecting and 1.6 in shards (``make bench``, figure 7).

Shards of at most 20 connections, each keeping all of its connections alive, have neither cost. A
request goes to the first shard with a free place, so a light load stays on the first shard's
warm connections, and holds its place until its response is closed (a streamed body keeps its
connection until then). The admission gate in front (``_admission``) lets no more requests in
than the shards have places. httpx2's pool counts idle connections (pydantic/httpx2#1075): the
SDK's own httpx2 client has one pool keeping all of its connections alive. A client a caller hands
in is used as it is, and a URL a proxy of the environment (``HTTPS_PROXY``...) claims goes through
the library's proxy transport, as without the shards (they are mounted for the other URLs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ._admission import ReleasingStream
from ._tls import shared_context

if TYPE_CHECKING:
    from ._http import Library

__all__ = ["SHARD_SIZE", "Shards", "own_pool", "shard_sizes"]

#: Connections in one shard: httpx's default keep-alive count, under which httpcore 1.x's walks
#: stay short.
SHARD_SIZE = 20


def shard_sizes(capacity: int, most: int = SHARD_SIZE) -> list[int]:
    """As few shards as hold ``capacity`` places with at most ``most`` each, all the same size
    (41 places: three shards of 14, not 20 + 20 + 1)."""
    if capacity < 1 or most < 1:
        raise ValueError("capacity and shard size must be positive")
    count = -(-capacity // most)
    return [-(-capacity // count)] * count


class Shards:
    """A transport over several pools of the same library (see the module's notes).

    ``pools`` are the library's transports, ``sizes`` how many requests each takes before the
    next is tried, ``stream`` the library's stream type made of :class:`ReleasingStream` (the
    response body that gives its place back when closed).
    """

    __slots__ = ("_busy", "_pools", "_sizes", "_stream")

    def __init__(
        self,
        pools: Sequence[Any],
        sizes: Sequence[int],
        stream: Callable[[Any, Callable[[], None]], Any],
    ) -> None:
        if not pools or len(pools) != len(sizes):
            raise ValueError("one size for each pool, and at least one pool")
        self._pools = tuple(pools)
        self._sizes = tuple(sizes)
        self._busy = [0] * len(self._pools)
        self._stream = stream

    @property
    def busy(self) -> tuple[int, ...]:
        """Requests in flight on each shard now (for tests and benchmarks)."""
        return tuple(self._busy)

    @property
    def sizes(self) -> tuple[int, ...]:
        return self._sizes

    def _place(self) -> int:
        busy = self._busy
        for index, size in enumerate(self._sizes):
            if busy[index] < size:
                return index
        # More in flight than places: a request that did not pass the gate. The least busy
        # shard queues it, as one pool would.
        return min(range(len(busy)), key=busy.__getitem__)

    async def handle_async_request(self, request: Any) -> Any:
        index = self._place()
        busy = self._busy
        busy[index] += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                busy[index] -= 1

        try:
            response = await self._pools[index].handle_async_request(request)
        except BaseException:  # an error or a cancellation: the place is free again
            release()
            raise
        response.stream = self._stream(response.stream, release)
        return response

    async def aclose(self) -> None:
        # Every shard is closed even when one fails to; the first failure is raised.
        failure: BaseException | None = None
        for pool in self._pools:
            try:
                await pool.aclose()
            except BaseException as exc:  # kept, raised once the others are closed
                failure = failure or exc
        if failure is not None:
            raise failure

    async def __aenter__(self) -> Shards:
        for pool in self._pools:
            await pool.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def own_pool(library: Library, capacity: int, *, keepalive_expiry: float) -> Any:
    """The transport of the SDK's own client on ``library`` with ``capacity`` places, keeping
    all of its connections alive: shards on httpx 0.28; on httpx2 the library's own transport,
    one pool (made here rather than by its client, so the SDK can send to it directly, see
    ``_direct``)."""
    module = library.module
    verify = shared_context(module)

    def pool(size: int) -> Any:
        limits = module.Limits(
            max_connections=size, max_keepalive_connections=size, keepalive_expiry=keepalive_expiry
        )
        return module.AsyncHTTPTransport(verify=verify, limits=limits)

    if not library.httpcore1:
        return pool(capacity)
    sizes = shard_sizes(capacity)
    return Shards([pool(size) for size in sizes], sizes, library.streaming(ReleasingStream))
