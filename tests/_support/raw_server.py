"""A real HTTP/1.1 server on 127.0.0.1 whose every byte a test scripts (hostile servers).

Each request (method, path, headers, body) is handed to ``answer``, which returns what to do:
``bytes`` (written as is, then the connection closes), or a list of steps: ``bytes`` to write,
``float`` seconds to sleep, ``RESET`` to abort the connection with an RST. The server runs in a
thread, so it works under asyncio and trio alike, and closes every socket when the block ends.
With ``tls`` (a server-side ``ssl.SSLContext``) it speaks HTTPS; a client that refuses its
certificate never gets to send a request.
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

RESET = object()

Step = bytes | float | object


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Answer = Callable[[Request], bytes | list[Step]]


@dataclass
class Served:
    url: str
    requests: list[Request] = field(default_factory=list)


def response(
    status: int = 200,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    content_length: int | None = None,
) -> bytes:
    """An HTTP/1.1 response; ``content_length`` may lie (a mismatch is a test case)."""
    lines = [f"HTTP/1.1 {status} X"]
    given = {k.lower() for k in (headers or {})}
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if "content-length" not in given and "transfer-encoding" not in given:
        lines.append(f"Content-Length: {len(body) if content_length is None else content_length}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _read_request(sock: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    first, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _ = first.split(" ", 2)
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    else:
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    return Request(method, path, headers, rest)


@contextmanager
def serve(answer: Answer, *, tls: ssl.SSLContext | None = None) -> Iterator[Served]:
    served = Served(url="")

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            sock: socket.socket = self.request
            sock.settimeout(30)
            if tls is None:
                self.exchange(sock)
                return
            try:
                wrapped = tls.wrap_socket(sock, server_side=True)
            except OSError:  # the client refused the certificate
                return
            # (The server closes the socket it accepted, which the TLS one took over: close
            # that one here.)
            with wrapped:
                self.exchange(wrapped)

        def exchange(self, sock: socket.socket) -> None:
            try:
                request = _read_request(sock)
            except OSError:
                return
            if request is None:
                return
            served.requests.append(request)
            plan = answer(request)
            steps: list[Step] = [plan] if isinstance(plan, bytes) else plan
            try:
                for step in steps:
                    if step is RESET:
                        sock.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                        )
                        sock.close()
                        return
                    if isinstance(step, float):
                        time.sleep(step)
                    elif isinstance(step, bytes):
                        sock.sendall(step)
            except OSError:
                return

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    served.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    # A short poll: shutdown() waits for the loop to notice, and some tests start hundreds of servers.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.005})
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
