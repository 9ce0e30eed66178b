"""The emulator on a real port: the one way it is served, whoever asks.

``fake.serve()`` (tests, with ``async with`` under asyncio or trio, or ``with`` in a sync fixture),
:func:`atlas_async.testing.serve` (``python -m atlas_async.testing`` and ``atlas-async emulator``)
all come here. uvicorn runs in a thread with its own event loop, so serving never depends on the
caller's loop, and the delivery worker runs in the server's loop through the app's lifespan.

The listening socket is bound here, before uvicorn starts: the URL is known (and a busy port fails
with a clear ``OSError``) before anything else happens, and connections made meanwhile wait in the
backlog. It is created with ``IPPROTO_TCP`` and ``TCP_NODELAY``: asyncio switches Nagle's algorithm
off on an accepted connection only when the listening socket's protocol is ``IPPROTO_TCP``, and
with Nagle on, an answer written in two parts (headers, then body) waits for the client's delayed
ACK: about 40 ms on every request after the first on a kept-alive connection.
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import TYPE_CHECKING

import anyio

if TYPE_CHECKING:
    import uvicorn

    from ._fake import FakeAtlas

__all__ = ["Served", "listen"]

BACKLOG = 128


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (0: a free port), with TCP_NODELAY; ``OSError``
    if it cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Inherited by accepted connections on Linux; asyncio sets it on them too (see above).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


class Served:
    """``fake.serve(host, port)``: the emulator under uvicorn while a block runs; yields the URL.

    Use it as ``async with fake.serve() as url:`` or ``with fake.serve() as url:``. While it runs,
    ``fake.base_url`` is the real address, so links (``sign_url``, ``review_url``) point to it.
    """

    def __init__(self, fake: FakeAtlas, host: str = "127.0.0.1", port: int = 0) -> None:
        self._fake = fake
        self._host = host
        self._port = port
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None
        self._ready = threading.Event()
        self._previous_base_url = fake.base_url
        self.url = ""

    # ---- starting and stopping

    def _launch(self) -> str:
        import uvicorn

        sock = listen(self._host, self._port)
        port = sock.getsockname()[1]
        host = f"[{self._host}]" if ":" in self._host else self._host
        self.url = f"http://{host}:{port}"
        ready = self._ready

        class _Server(uvicorn.Server):
            async def startup(self, sockets: list[socket.socket] | None = None) -> None:
                try:
                    await super().startup(sockets)
                finally:
                    ready.set()

        config = uvicorn.Config(self._fake.app, log_level="warning", lifespan="on")
        self._server = server = _Server(config)
        self._sock = sock
        self._fake.base_url = self.url
        self._thread = threading.Thread(
            target=self._run, args=(server, sock), name="atlas-emulator", daemon=True
        )
        self._thread.start()
        return self.url

    def _run(self, server: uvicorn.Server, sock: socket.socket) -> None:
        try:
            server.run(sockets=[sock])
        finally:
            self._ready.set()  # a server that failed to start wakes its waiter too

    def _wait_started(self) -> None:
        self._ready.wait()
        assert self._server is not None
        if not self._server.started:
            self.stop()
            raise RuntimeError(f"the emulator could not start on {self.url}")

    def stop(self) -> None:
        """Stop serving and wait for the server to finish (what ``with`` does on exit)."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
        if self._sock is not None:
            self._sock.close()
        self._fake.base_url = self._previous_base_url

    def start(self) -> str:
        """Bind, start serving and return the URL (what ``with`` does on entry)."""
        url = self._launch()
        self._wait_started()
        return url

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C interrupts the wait with KeyboardInterrupt)."""
        if self._thread is not None:
            self._thread.join()

    # ---- with / async with

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> str:
        url = self._launch()
        await anyio.to_thread.run_sync(self._wait_started)
        return url

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await anyio.to_thread.run_sync(self.stop)
