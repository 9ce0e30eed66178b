"""The admission gate: at most as many requests in the connection pool as it has connections.

The HTTP library's pool does work for every request queued on it each time a connection frees
up, so 10,000 requests started together cost it about 10,000² steps: 1,000 ``status`` calls at
once took about 40 s, 2,000 never finished. In front of the pool, a FIFO gate lets in only as
many requests as there are connections and parks the rest in arrival order, where waiting costs
nothing per step: the same 10,000 calls then cost about what 100 do, per call.

The gate is fair (first come, first in), cancellation-safe (a caller cancelled while it waits
leaves no trace; one cancelled inside releases its place) and shared by every copy of an
``Atlas`` (``for_account``, ``with_options``), which share one pool. A streamed answer (the PDF
download) keeps its place until its body is closed, because it keeps its connection until then.

A second gate of the same kind gives the ``wait_until_signed`` polls of a client their turns
(half its connections), before any request is built: see ``_Shared`` in ``_client``.

Behind the gate, :class:`PoolEntry` lets the requests of the SDK's own httpx client into the pool
one at a time, each until its connection has taken it (httpcore 1.x would otherwise give one idle
connection to all the requests that arrive together, and send all but one round again).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio

__all__ = ["Admission", "PoolEntry", "ReleasingStream"]


class Admission:
    """A FIFO gate with ``capacity`` places; :meth:`enter` waits for one."""

    __slots__ = ("_places", "capacity")

    def __init__(self, capacity: int) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"max_connections must be a positive integer, got {capacity!r}")
        self.capacity = capacity
        # Made on first use: building an anyio semaphore imports a good part of anyio, a cost
        # an Atlas() that never sends (a CLI's --help, a web app's start-up) should not pay.
        self._places: anyio.Semaphore | None = None

    @property
    def waiting(self) -> int:
        """Requests parked at the gate now (for tests and benchmarks)."""
        return 0 if self._places is None else self._places.statistics().tasks_waiting

    async def enter(self) -> Callable[[], None]:
        """Wait for a place; return the function that gives it back (once; later calls do
        nothing, so a ``finally`` and a stream's close may both call it)."""
        places = self._places
        if places is None:
            # fast_acquire: an uncontended call does not yield to the event loop here (the send
            # right after it does), which keeps a cheap call cheap.
            places = self._places = anyio.Semaphore(self.capacity, fast_acquire=True)
        await places.acquire()
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                places.release()

        return release


class PoolEntry:
    """One request at a time from entering the pool to being taken by a connection.

    httpcore 1.x (under httpx) gives an idle connection to every request that arrives while it is
    idle, and it stays idle until the first of them starts on it: the others fail over
    (``ConnectionNotAvailable``) and are placed again, each placing a pass over every connection
    with a socket check on each idle one. Requests let in together by the gate arrive together:
    with 10,000 ``status`` calls on one client that was 4.8 such retries a request, and most of
    the client's CPU. Entering one at a time, each finds the connection taken by the one before
    already busy; the wait is the few microseconds until a connection takes the request.

    A request leaves the entry at the first event its connection reports through httpcore's
    ``trace`` extension (the connection's first step: a connect or the request's headers), or,
    if none came, when the caller calls the function :meth:`enter` returns (the exchange ended:
    a ``finally``). Only for a client whose transport is httpcore's: one that never reports
    would let one request through at a time. httpx2's pool keeps such a connection for the
    first request and needs none of this.
    """

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock: anyio.Lock | None = None  # made on first use, as the gate's semaphore

    async def enter(self, extensions: dict[str, Any]) -> Callable[[], None]:
        """Wait for the entry; hook the request's ``extensions`` to leave it when its
        connection takes it. Returns the function that leaves it (once; later calls do
        nothing). A ``trace`` already there (the caller's own) still sees every event."""
        lock = self._lock
        if lock is None:
            lock = self._lock = anyio.Lock(fast_acquire=True)
        await lock.acquire()
        theirs = extensions.get("trace")
        inside = True

        def leave() -> None:
            nonlocal inside
            if inside:
                inside = False
                lock.release()
                # Later events go straight to the caller's trace (or nowhere): ours is one
                # call a request, not one per step.
                if theirs is None:
                    extensions.pop("trace", None)
                else:
                    extensions["trace"] = theirs

        async def trace(event: str, info: dict[str, Any]) -> None:
            leave()
            if theirs is not None:
                await theirs(event, info)

        extensions["trace"] = trace
        return leave


class ReleasingStream:
    """A streamed response body that gives its gate place back when it is closed.

    The HTTP library reads a response through its ``stream`` attribute, which must be an
    instance of its own stream types: the transport makes this class one with
    ``_http.streaming`` before wrapping a body with it.
    """

    __slots__ = ("_inner", "_release")

    def __init__(self, inner: Any, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release = release

    def __aiter__(self) -> AsyncIterator[bytes]:
        iterator: AsyncIterator[bytes] = self._inner.__aiter__()
        return iterator

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._release()
