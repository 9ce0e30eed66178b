"""The SDK's own connection pool on httpx 0.28, in shards (``_pool``).

httpcore 1.x closes each connection as it falls idle once its pool holds more connections than
it keeps alive (it counts all of them there, not the idle ones), so with more than 20 requests in
flight nearly every request opened a new connection. The end-to-end tests count the connections
64 calls at a time open against the emulator on a real port, answering after 300 ms; the unit
tests pin the shards' rules: the first shard with a free place, the place held until the response
is closed and given back on an error or a cancellation, every shard closed. A proxy set in the
environment still carries what it claims (the shards are mounted for the other URLs).
"""

from __future__ import annotations

import importlib
import json
from typing import Any

import anyio
import pytest

from atlas_async import Atlas
from atlas_async._pool import SHARD_SIZE, Shards, shard_sizes
from atlas_async.testing import FakeAtlas

from .._support.http import NAME, httpx
from .._support.raw_server import Request, response, serve

pytestmark = pytest.mark.anyio

KEY = "atlas_live_pool_tests_key"

CORE: Any = importlib.import_module("httpcore" if NAME == "httpx" else "httpcore2")


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every HTTP/1.1 connection that served a request (each once, in the order they did)."""
    seen: list[object] = []
    send = CORE.AsyncHTTP11Connection.handle_async_request

    async def counted(self: Any, request: Any) -> Any:
        if not any(known is self for known in seen):
            seen.append(self)
        return await send(self, request)

    monkeypatch.setattr(CORE.AsyncHTTP11Connection, "handle_async_request", counted)
    return seen


async def _waves(atlas: Atlas, waves: int, calls: int) -> None:
    async def one() -> None:
        await atlas.envelopes.list()

    for _ in range(waves):
        async with anyio.create_task_group() as tg:
            for _ in range(calls):
                tg.start_soon(one)


def _slow_list(fake: FakeAtlas) -> None:
    # 300 ms an answer: the 64 calls of a wave are all in flight at once, even on a busy machine.
    fake.faults.add("latency", "GET /api/envelopes", seconds=0.3, count=None)


async def test_64_calls_at_a_time_keep_their_connections(connections: list[object]) -> None:
    fake = FakeAtlas()
    _slow_list(fake)
    async with fake.serve() as url, Atlas(fake.api_key, base_url=url) as atlas:
        await _waves(atlas, 3, 64)
    # 192 requests on the 64 connections the first wave opened (httpx2's pool keeps them too).
    assert len(connections) <= 64, len(connections)


@pytest.mark.skipif(NAME != "httpx", reason="httpx2's pool counts its idle connections")
async def test_in_one_pool_the_same_calls_reconnect(
    connections: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control: one httpcore pool of 100 keeping 20 alive, as before the shards (it can fail).
    # (Keeping all 100 alive in one pool would not reconnect, but walks them all for each idle
    # one on every request event: the most CPU per request of all, figure 7 of
    # benchmarks/RESULTS.md.)
    def one_pool(library: Any, capacity: int, *, keepalive_expiry: float) -> Any:
        module = library.module
        limits = module.Limits(
            max_connections=capacity,
            max_keepalive_connections=20,
            keepalive_expiry=keepalive_expiry,
        )
        return module.AsyncHTTPTransport(limits=limits)

    monkeypatch.setattr("atlas_async._direct.own_pool", one_pool)
    fake = FakeAtlas()
    _slow_list(fake)
    async with fake.serve() as url, Atlas(fake.api_key, base_url=url) as atlas:
        assert not isinstance(atlas._shared.transport.pool, Shards)
        await _waves(atlas, 3, 64)
    # At least 20 of the 128 later requests reconnected (about 150 connections in all alone).
    assert len(connections) > 64 + 20, len(connections)


STATUS = {"status": "pending", "signed_count": 0, "total": 1}
EID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def _answer(_: Request) -> bytes:
    return response(200, json.dumps(STATUS).encode(), {"Content-Type": "application/json"})


async def test_the_environments_proxy_still_carries_the_sdks_requests(
    no_proxies: pytest.MonkeyPatch,
) -> None:
    # The shards are mounted for the URLs no proxy claims: HTTP_PROXY and the like still work.
    with serve(_answer) as proxy:
        no_proxies.setenv("HTTP_PROXY", proxy.url)
        async with Atlas(KEY, base_url="http://atlas.test") as atlas:
            await atlas.envelopes.status(EID)
    assert [r.path for r in proxy.requests] == [f"http://atlas.test/api/envelope/{EID}/status"]


async def test_a_host_the_environment_exempts_goes_straight_to_it(
    no_proxies: pytest.MonkeyPatch,
) -> None:
    with serve(_answer) as proxy, serve(_answer) as server:
        no_proxies.setenv("HTTP_PROXY", proxy.url)
        no_proxies.setenv("NO_PROXY", "127.0.0.1")
        async with Atlas(KEY, base_url=server.url) as atlas:
            await atlas.envelopes.status(EID)
    assert proxy.requests == []
    assert [r.path for r in server.requests] == [f"/api/envelope/{EID}/status"]


def test_only_the_sdks_own_httpx_client_is_in_shards() -> None:
    own = Atlas("atlas_key_0123456789", base_url="https://api.atlas.test", max_connections=41)
    pool = own._shared.transport.pool
    if NAME == "httpx":
        assert isinstance(pool, Shards)
        assert pool.sizes == (14, 14, 14)
    else:  # one pool of the library's, made by the SDK so it can send to it directly
        assert not isinstance(pool, Shards)
        assert pool._pool._max_connections == 41
    theirs = Atlas(
        "atlas_key_0123456789",
        base_url="https://api.atlas.test",
        http_client=httpx.AsyncClient(),
    )
    assert theirs._shared.transport.pool is None


@pytest.mark.parametrize(
    ("capacity", "sizes"),
    [(1, [1]), (7, [7]), (20, [20]), (21, [11, 11]), (41, [14, 14, 14]), (100, [20] * 5)],
)
def test_as_few_shards_as_hold_the_places_all_the_same_size(
    capacity: int, sizes: list[int]
) -> None:
    assert shard_sizes(capacity) == sizes
    assert max(sizes) <= SHARD_SIZE
    assert sum(sizes) >= capacity


@pytest.mark.parametrize("capacity", [0, -1])
def test_no_shards_for_no_places(capacity: int) -> None:
    with pytest.raises(ValueError, match="positive"):
        shard_sizes(capacity)


# The rules, over pools that answer when a test says so -------------------------------------------


class _Body:
    def __init__(self, release: Any) -> None:
        self.release = release

    async def aclose(self) -> None:
        self.release()


class _Answer:
    stream: Any = None


class _Pool:
    """A library transport: holds each request until ``go`` is set, or raises ``failure``."""

    def __init__(self) -> None:
        self.served = 0
        self.go = anyio.Event()
        self.failure: BaseException | None = None
        self.closed = self.entered = False

    async def handle_async_request(self, request: Any) -> _Answer:
        del request
        self.served += 1
        await self.go.wait()
        if self.failure is not None:
            raise self.failure
        return _Answer()

    async def aclose(self) -> None:
        self.closed = True
        if self.failure is not None:
            raise self.failure

    async def __aenter__(self) -> _Pool:
        self.entered = True
        return self


def _shards(*sizes: int) -> tuple[Shards, list[_Pool]]:
    pools = [_Pool() for _ in sizes]
    for pool in pools:
        pool.go.set()
    return Shards(pools, sizes, lambda inner, release: _Body(release)), pools


async def test_the_first_shard_with_a_free_place_takes_the_request() -> None:
    shards, pools = _shards(2, 2)
    first = [await shards.handle_async_request(None) for _ in range(3)]
    assert shards.busy == (2, 1)
    assert [p.served for p in pools] == [2, 1]
    await first[0].stream.aclose()
    assert shards.busy == (1, 1)
    await shards.handle_async_request(None)  # back on the first shard's free place
    assert shards.busy == (2, 1)
    assert [p.served for p in pools] == [3, 1]


async def test_a_place_is_given_back_once_however_often_the_body_is_closed() -> None:
    shards, _ = _shards(1, 1)
    answer = await shards.handle_async_request(None)
    await answer.stream.aclose()
    await answer.stream.aclose()
    assert shards.busy == (0, 0)


async def test_more_requests_than_places_go_to_the_least_busy_shard() -> None:
    # Only a request that skipped the gate can find every place taken.
    shards, pools = _shards(1, 2)
    for _ in range(4):
        await shards.handle_async_request(None)
    assert shards.busy == (2, 2)
    assert [p.served for p in pools] == [2, 2]


async def test_an_error_gives_the_place_back() -> None:
    shards, pools = _shards(1)
    pools[0].failure = OSError("connection refused")
    with pytest.raises(OSError, match="refused"):
        await shards.handle_async_request(None)
    assert shards.busy == (0,)


async def test_a_cancelled_request_gives_the_place_back() -> None:
    pools = [_Pool()]  # never answers
    shards = Shards(pools, [1], lambda inner, release: _Body(release))
    with anyio.move_on_after(0.05) as scope:
        await shards.handle_async_request(None)
    assert scope.cancelled_caught
    assert shards.busy == (0,)


async def test_every_shard_is_entered_and_closed_even_when_one_fails_to_close() -> None:
    shards, pools = _shards(1, 1, 1)
    pools[0].failure = RuntimeError("first")
    with pytest.raises(RuntimeError, match="first"):
        async with shards:
            assert all(p.entered for p in pools)
    assert all(p.closed for p in pools)


def test_one_size_per_pool() -> None:
    with pytest.raises(ValueError, match="one size for each pool"):
        Shards([_Pool()], [1, 1], lambda inner, release: _Body(release))
    with pytest.raises(ValueError, match="at least one pool"):
        Shards([], [], lambda inner, release: _Body(release))
