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
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio

__all__ = ["Admission", "ReleasingStream"]


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
