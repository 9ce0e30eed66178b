"""A minimal keep-alive HTTP/1.1 server on 127.0.0.1, in the test's own event loop, that answers
every request with the same ``status`` body (``pending``) and counts connections and requests.

For measurements of the client's side (connections, memory): it does next to nothing itself,
and nothing per request that outlives the request.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.abc

__all__ = ["LoopbackServer", "serving"]

_BODY = json.dumps(
    {
        "status": "pending",
        "signed_count": 0,
        "total": 2,
        "next_signer_email": None,
        "sign_url": None,
    }
).encode()
_RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: req_loop\r\n"
    + f"Content-Length: {len(_BODY)}\r\n\r\n".encode()
    + _BODY
)


class LoopbackServer:
    """Counts: ``connections`` accepted, ``requests`` answered, ``accounts`` seen in
    ``Atlas-Account``. ``url`` once :func:`serving` started it."""

    def __init__(self) -> None:
        self.connections = 0
        self.requests = 0
        self.accounts: set[str] = set()
        self.url = ""

    async def handle(self, stream: anyio.abc.SocketStream) -> None:
        self.connections += 1
        buffer = b""
        async with stream:
            while True:
                while b"\r\n\r\n" not in buffer:
                    try:
                        chunk = await stream.receive()
                    except (anyio.EndOfStream, anyio.BrokenResourceError):
                        return
                    buffer += chunk
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                self.requests += 1
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"atlas-account:"):
                        self.accounts.add(line.split(b":", 1)[1].strip().decode())
                await stream.send(_RESPONSE)


@asynccontextmanager
async def serving() -> AsyncIterator[LoopbackServer]:
    """A :class:`LoopbackServer` listening on a free port until the block ends."""
    server = LoopbackServer()
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    server.url = f"http://127.0.0.1:{port}"
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, server.handle)
        try:
            yield server
        finally:
            tg.cancel_scope.cancel()
