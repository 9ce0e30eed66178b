"""The admission gate (``Atlas(max_connections=N)``): at most N requests in flight, the rest wait
their turn in arrival order; a caller cancelled while it waits leaves no trace; a streamed
download keeps its place until its body is closed; a bad ``max_connections`` is a ValueError.

The server is a MockTransport whose answers wait until the test lets them go, so what is in
flight at any moment is exactly what the test says it is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from atlas_async import Atlas

from .._support.http import httpx
from .._support.mock_api import BASE, KEY, GatedPDF, envelope_json

pytestmark = pytest.mark.anyio

PDF = b"%PDF-1.7 " + b"x" * 100


class Pieces(httpx.AsyncByteStream):
    """A body that arrives in pieces, as off a socket (a ``content=`` body is read at once)."""

    def __init__(self, body: bytes) -> None:
        self.left = [body[i : i + 10] for i in range(0, len(body), 10)]

    def __aiter__(self) -> Pieces:
        return self

    async def __anext__(self) -> bytes:
        if not self.left:
            raise StopAsyncIteration
        return self.left.pop(0)


class HeldServer:
    """An API whose answers wait until the test lets each go; it counts what is in flight."""

    def __init__(self) -> None:
        self.entered: list[str] = []  # envelope ids, in the order their requests arrived
        self.in_flight = 0
        self.most = 0
        self.open = False  # once set, every answer goes out at once
        self.turns: dict[str, anyio.Event] = {}

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        eid = request.url.path.split("/")[3]  # /api/envelope/{id}[/...]
        self.entered.append(eid)
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            if not self.open:
                await self.turns.setdefault(eid, anyio.Event()).wait()
        finally:
            self.in_flight -= 1
        if request.url.path.endswith("/pdf"):
            headers = {"Content-Type": "application/pdf"}
            return httpx.Response(200, headers=headers, stream=Pieces(PDF))
        return httpx.Response(200, json=envelope_json(envelope_id=eid))

    def let_go(self, eid: str) -> None:
        self.turns.setdefault(eid, anyio.Event()).set()

    def let_all_go(self) -> None:
        self.open = True
        for turn in self.turns.values():
            turn.set()


def client(server: Any, max_connections: int) -> Atlas:
    http = httpx.AsyncClient(transport=httpx.MockTransport(server))
    return Atlas(KEY, base_url=BASE, http_client=http, max_connections=max_connections)


def waiting(atlas: Atlas) -> int:
    """Calls parked at the gate now (no public name for it: tests and benchmarks only)."""
    return atlas._shared.transport.admission.waiting


async def until(condition: Callable[[], bool], what: str) -> None:
    """Let the other tasks run until ``condition`` holds. Everything here is in memory, so a
    few turns of the event loop settle it; the bound only turns a hang into a failure."""
    for _ in range(10_000):
        if condition():
            return
        await anyio.lowlevel.checkpoint()
    raise AssertionError(f"never happened: {what}")


async def test_at_most_max_connections_are_in_flight() -> None:
    server = HeldServer()
    atlas = client(server, 3)
    assert atlas.max_connections == 3
    got: list[str] = []

    async def get(eid: str) -> None:
        got.append(str((await atlas.envelopes.get(eid)).envelope_id))

    async with atlas, anyio.create_task_group() as tg:
        for i in range(20):
            tg.start_soon(get, f"env-{i}")
        await until(lambda: len(server.entered) == 3 and waiting(atlas) == 17, "3 in, 17 parked")
        assert server.in_flight == 3
        server.let_all_go()
    assert sorted(got) == sorted(f"env-{i}" for i in range(20))
    assert server.most == 3
    assert (server.in_flight, waiting(atlas)) == (0, 0)


async def test_waiting_calls_are_let_in_in_arrival_order() -> None:
    server = HeldServer()
    atlas = client(server, 3)
    order = [f"env-{i}" for i in range(20)]
    async with atlas, anyio.create_task_group() as tg:
        for n, eid in enumerate(order, start=1):  # one at a time: the arrival order is known
            tg.start_soon(atlas.envelopes.get, eid)
            await until(lambda n=n: len(server.entered) + waiting(atlas) == n, f"{eid} arrived")
        for n, eid in enumerate(order, start=1):  # free one place at a time
            server.let_go(eid)
            expected = min(n + 3, len(order))
            await until(lambda e=expected: len(server.entered) == e, f"{expected} let in")
            assert server.in_flight <= 3
    assert server.entered == order
    assert server.most == 3


async def test_a_call_cancelled_at_the_gate_leaves_no_trace() -> None:
    server = HeldServer()
    atlas = client(server, 3)
    done: list[str] = []
    scopes: dict[str, anyio.CancelScope] = {}

    async def get(eid: str) -> None:
        with anyio.CancelScope() as scopes[eid]:
            await atlas.envelopes.get(eid)
            done.append(eid)

    async with atlas:
        async with anyio.create_task_group() as tg:
            for eid in ("a", "b", "c", "first-in-line", "next"):
                tg.start_soon(get, eid)
                await until(lambda e=eid: e in scopes, f"{eid} started")
            await until(lambda: waiting(atlas) == 2, "two parked")
            scopes["first-in-line"].cancel()
            await until(lambda: waiting(atlas) == 1, "the cancelled call left the line")
            server.let_go("a")  # the place it frees goes to the next live caller
            await until(lambda: "next" in server.entered, "next let in")
            server.let_all_go()
        assert sorted(done) == ["a", "b", "c", "next"]
        assert "first-in-line" not in server.entered  # it never reached the server
        assert (server.in_flight, waiting(atlas)) == (0, 0)

        # Every place is back: three new calls are all in flight at once.
        server.open = False
        async with anyio.create_task_group() as tg:
            for eid in ("x", "y", "z"):
                tg.start_soon(atlas.envelopes.get, eid)
            await until(lambda: server.in_flight == 3, "three in flight")
            assert waiting(atlas) == 0
            server.let_all_go()


async def test_a_streamed_pdf_keeps_its_place_until_it_is_closed() -> None:
    server = HeldServer()
    server.open = True
    atlas = client(server, 1)
    done: list[str] = []

    async def get() -> None:
        await atlas.envelopes.get("after")
        done.append("after")

    async with atlas, anyio.create_task_group() as tg:
        async with atlas.envelopes.stream_signed_pdf("doc", chunk_size=4) as pdf:
            assert await anext(aiter(pdf)) == PDF[:4]
            tg.start_soon(get)
            await until(lambda: waiting(atlas) == 1, "the next call parked")
            assert server.entered == ["doc"]  # its body is still open: the place is taken
        await until(lambda: done == ["after"], "the next call let in once the body closed")
        assert waiting(atlas) == 0


async def test_a_download_keeps_its_place_until_its_body_is_read(tmp_path: Path) -> None:
    halfway = anyio.Event()
    rest = anyio.Event()
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path.endswith("/pdf"):
            stream = GatedPDF(PDF, halfway.set, rest)
            return httpx.Response(200, headers={"Content-Type": "application/pdf"}, stream=stream)
        return httpx.Response(200, json=envelope_json(envelope_id="after"))

    atlas = client(answer, 1)
    async with atlas, anyio.create_task_group() as tg:
        tg.start_soon(atlas.envelopes.download_signed_pdf, "doc", tmp_path / "signed.pdf")
        await halfway.wait()
        tg.start_soon(atlas.envelopes.get, "after")
        await until(lambda: waiting(atlas) == 1, "the next call parked")
        assert len(seen) == 1
        rest.set()
    assert (tmp_path / "signed.pdf").read_bytes() == PDF
    assert seen[1].endswith("/after")
    assert waiting(atlas) == 0


@pytest.mark.parametrize("bad", [0, -1, True, "3", 2.5])
def test_a_bad_max_connections_is_a_value_error(bad: object) -> None:
    with pytest.raises(ValueError, match="max_connections"):
        Atlas(KEY, base_url=BASE, max_connections=bad)  # type: ignore[arg-type]
