"""``python -m benchmarks._lag --upstream PORT --delay SECONDS``: a TCP relay to
``127.0.0.1:PORT`` that holds every chunk ``SECONDS`` in each direction, so a loopback server
looks ``2 x SECONDS`` of round trip away, as the real API is. A connection's opening costs one
round trip too (as a TCP handshake does) and a TLS handshake through it its round trips, so
reconnecting is as dear here as over a network.

A raw asyncio relay in its own process; the order of the bytes is kept in each direction. Prints
``LAG_PORT=N`` once listening; stops on Ctrl-C (SIGINT).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import socket
import sys

__all__ = ["main"]


class _Delayed:
    """One direction of one connection: chunks written to ``peer`` ``delay`` after they came."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.peer: asyncio.Transport | None = None
        self._queue: collections.deque[tuple[float, bytes | None]] = collections.deque()
        self._timer: asyncio.TimerHandle | None = None

    def put(self, data: bytes | None) -> None:
        """``data``, or None for the end of the stream, to be passed on after the delay."""
        loop = asyncio.get_running_loop()
        self._queue.append((loop.time() + self.delay, data))
        if self._timer is None and self.peer is not None:
            self._timer = loop.call_at(self._queue[0][0], self._flush)

    def start(self, peer: asyncio.Transport) -> None:
        self.peer = peer
        if self._queue and self._timer is None:
            self._timer = asyncio.get_running_loop().call_at(self._queue[0][0], self._flush)

    def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        self._timer = None
        peer = self.peer
        while self._queue and self._queue[0][0] <= loop.time() + 0.0005:
            _, data = self._queue.popleft()
            if peer is None or peer.is_closing():
                continue
            if data is None:
                if peer.can_write_eof():
                    peer.write_eof()
                else:
                    peer.close()
            else:
                peer.write(data)
        if self._queue:
            self._timer = loop.call_at(self._queue[0][0], self._flush)


class _Side(asyncio.Protocol):
    """One socket of a relayed connection; what it receives goes out through ``out``."""

    def __init__(self, out: _Delayed) -> None:
        self.out = out
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.out.put(data)

    def eof_received(self) -> bool:
        self.out.put(None)
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.out.put(None)


class _Client(_Side):
    """The side a client connected to: dials the upstream, then relays both ways."""

    def __init__(self, upstream: int, delay: float) -> None:
        super().__init__(_Delayed(delay))
        self.upstream = upstream
        self.back = _Delayed(delay)
        self._dial: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        assert self.transport is not None
        self.back.start(self.transport)
        self._dial = asyncio.ensure_future(self._connect())

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(2 * self.back.delay)  # the TCP handshake's round trip
        try:
            upstream, _ = await loop.create_connection(
                lambda: _Side(self.back), "127.0.0.1", self.upstream
            )
        except OSError:
            if self.transport is not None:
                self.transport.close()
            return
        self.out.start(upstream)


async def _serve(upstream: int, delay: float) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _Client(upstream, delay), "127.0.0.1", 0, backlog=4096
    )
    print(f"LAG_PORT={server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._lag")
    parser.add_argument("--upstream", type=int, required=True, help="port on 127.0.0.1")
    parser.add_argument("--delay", type=float, required=True, help="seconds each way")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.upstream, args.delay))
    return 0


if __name__ == "__main__":
    sys.exit(main())
