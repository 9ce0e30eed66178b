"""What a client puts on the wire: a recording transport and a connection-counting TCP relay.

* :class:`Recorder` is an httpx transport answering canned Atlas responses; it iterates each
  request body itself (as a socket transport would), so it sees the chunks the body is written
  in, not only its bytes.
* :func:`relay` forwards a local port to a server, counting the connections clients open and the
  bytes each way: put it between a client and the emulator to see connection reuse. (It runs in
  the client's event loop, so how it reads says nothing of how a server would.)
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass

import anyio
import anyio.abc
import httpx

__all__ = ["Captured", "Recorder", "RelayStats", "relay"]

_ENVELOPE = {
    "envelope_id": "00000000-0000-4000-8000-000000000001",
    "status": "draft",
    "fields_status": "ready",
    "fields_version": 2,
    "fields": [],
    "parties": [],
    "metadata": {},
    "created_at": "2026-01-01T00:00:00Z",
}
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_BOUNDARY = re.compile(rb"[0-9a-f]{32}")


@dataclass
class Captured:
    """One request as it left the client."""

    kind: str
    headers: list[tuple[str, str]]
    chunks: list[int]
    body: bytes

    @property
    def size(self) -> int:
        return sum(self.chunks)


def kind_of(method: str, path: str) -> str:
    return f"{method} {_ID.sub('{id}', path)}"


class Recorder(httpx.AsyncBaseTransport):
    """Answers like the emulator would for the bulk calls; keeps the first request of each kind."""

    def __init__(self) -> None:
        self.captured: dict[str, Captured] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        chunks = [bytes(c) async for c in request.stream]
        kind = kind_of(request.method, request.url.path)
        if kind not in self.captured:
            headers = [
                (k, "Bearer <key>" if k.lower() == "authorization" else v)
                for k, v in request.headers.multi_items()
            ]
            body = _BOUNDARY.sub(b"<boundary>", b"".join(chunks))
            self.captured[kind] = Captured(kind, headers, [len(c) for c in chunks], body)
        path = request.url.path
        if request.method == "POST" and path.endswith("/send"):
            return httpx.Response(200, json={**_ENVELOPE, "status": "pending"})
        if request.method == "POST":
            created = {k: _ENVELOPE[k] for k in ("envelope_id", "status", "fields_status")}
            return httpx.Response(201, json={**created, "review_url": "https://atlas.test/r"})
        if path == "/api/envelopes":
            return httpx.Response(200, json={"items": [], "next_cursor": None})
        return httpx.Response(200, json=_ENVELOPE)


@dataclass
class RelayStats:
    connections: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    open_now: int = 0
    most_open: int = 0


async def _pump(
    src: anyio.abc.ByteStream, dst: anyio.abc.ByteStream, count: Callable[[int], None]
) -> None:
    try:
        while True:
            data = await src.receive(65536)
            count(len(data))
            await dst.send(data)
    except (anyio.EndOfStream, anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
        pass
    finally:
        with suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            await dst.send_eof()


@asynccontextmanager
async def relay(upstream_port: int) -> AsyncIterator[tuple[str, RelayStats]]:
    """``async with relay(port) as (url, stats)``: a counting relay to ``127.0.0.1:port``."""
    stats = RelayStats()
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)

    async def handle(client: anyio.abc.SocketStream) -> None:
        stats.connections += 1
        stats.open_now += 1
        stats.most_open = max(stats.most_open, stats.open_now)

        def up(n: int) -> None:
            stats.bytes_up += n

        def down(n: int) -> None:
            stats.bytes_down += n

        try:
            async with (
                client,
                await anyio.connect_tcp("127.0.0.1", upstream_port) as server,
                anyio.create_task_group() as tg,
            ):
                tg.start_soon(_pump, client, server, up)
                tg.start_soon(_pump, server, client, down)
        finally:
            stats.open_now -= 1

    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, handle)
        try:
            yield f"http://127.0.0.1:{port}", stats
        finally:
            tg.cancel_scope.cancel()
