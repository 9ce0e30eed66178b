"""``python -m benchmarks._stub``: a trivial Atlas status server, cheap enough never to be the
bottleneck.

A raw asyncio protocol (no framework, no h11) on 127.0.0.1, in its own process. Every request
outside ``/_stub/`` is answered at once, in one write, with a fixed ``/status`` JSON: ``pending``
until ``POST /_stub/sign``, then ``signed``. It counts what the benchmarks need to know at the
server: requests and connections. Controls (not counted):

* ``GET /_stub/stats``: ``{"requests": n, "connections": n, "signed": bool}``
* ``POST /_stub/sign``: every envelope answers ``signed`` from now on
* ``POST /_stub/reset``: counters to 0, ``pending`` again

Prints ``STUB_URL=http://127.0.0.1:PORT`` once listening; stops on Ctrl-C (SIGINT). With
``--tls CERT_AND_KEY_PEM`` it speaks HTTPS (``STUB_URL=https://...``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import ssl
import sys

__all__ = ["StubState", "main"]

PENDING = json.dumps(
    {
        "status": "pending",
        "signed_count": 0,
        "total": 1,
        "next_signer_email": "jane@example.com",
        "sign_url": None,
    }
).encode()
SIGNED = json.dumps(
    {"status": "signed", "signed_count": 1, "total": 1, "next_signer_email": None, "sign_url": None}
).encode()


def _answer(body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class StubState:
    def __init__(self) -> None:
        self.requests = 0
        self.connections = 0
        self.signed = False
        self.pending = _answer(PENDING)
        self.done = _answer(SIGNED)

    def control(self, method: str, path: str) -> bytes:
        if path == "/_stub/sign" and method == "POST":
            self.signed = True
        elif path == "/_stub/reset" and method == "POST":
            self.requests = self.connections = 0
            self.signed = False
        stats = {"requests": self.requests, "connections": self.connections, "signed": self.signed}
        return _answer(json.dumps(stats).encode())


class _Connection(asyncio.Protocol):
    __slots__ = ("buffer", "state", "transport")

    def __init__(self, state: StubState) -> None:
        self.state = state
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.state.connections += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            method, path, *_ = [*head.split(" ", 2), "", ""]
            assert self.transport is not None
            if path.startswith("/_stub/"):
                self.transport.write(self.state.control(method, path))
                continue
            self.state.requests += 1
            self.transport.write(self.state.done if self.state.signed else self.state.pending)


async def _serve(tls: ssl.SSLContext | None) -> None:
    state = StubState()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Connection(state), sock=sock, ssl=tls)
    scheme = "http" if tls is None else "https"
    print(f"STUB_URL={scheme}://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._stub")
    parser.add_argument("--tls", metavar="PEM", help="certificate chain and key: speak HTTPS")
    args = parser.parse_args(argv)
    tls = None
    if args.tls:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.tls)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(tls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
