"""The pool entry (``_admission.PoolEntry``): the SDK's own httpx client lets requests into its
connection pool one at a time, each until a connection has taken it.

Without it, httpcore 1.x gives one idle connection to every request that arrives while that
connection is idle; all but the first fail over (``ConnectionNotAvailable``) and are placed again,
each placing a pass over every connection. The end-to-end tests count those failovers against the
emulator on a real port, with calls that arrive together on a warm pool; the unit tests pin the
entry's own rules: one at a time, left at the first ``trace`` event or when the caller leaves,
a caller's own ``trace`` kept, a cancelled waiter leaving nothing behind.
"""

from __future__ import annotations

import importlib
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from atlas_async import Atlas
from atlas_async._admission import PoolEntry
from atlas_async.testing import FakeAtlas

from .._support.http import NAME, httpx
from .test_admission import until

pytestmark = pytest.mark.anyio

#: httpx runs on httpcore 1.x, httpx2 on its own fork (which keeps an idle connection for the
#: first request it gave it to, so it never fails over).
CORE: Any = importlib.import_module("httpcore" if NAME == "httpx" else "httpcore2")


@pytest.fixture
def failovers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a connection refused a request the pool had given it."""
    count = [0]
    send = CORE.AsyncHTTP11Connection.handle_async_request

    async def counted(self: Any, request: Any) -> Any:
        try:
            return await send(self, request)
        except CORE.ConnectionNotAvailable:
            count[0] += 1
            raise

    monkeypatch.setattr(CORE.AsyncHTTP11Connection, "handle_async_request", counted)
    return count


async def _together(atlas: Atlas, calls: int) -> None:
    async def one() -> None:
        await atlas.envelopes.list()  # one GET: the first page

    async with anyio.create_task_group() as tg:
        for _ in range(calls):
            tg.start_soon(one)


async def _warm_then_together(atlas: Atlas, failovers: list[int]) -> None:
    # Ten connections opened and left idle in the pool, then 40 calls arriving at once.
    await _together(atlas, 10)
    failovers[0] = 0
    await _together(atlas, 40)


async def test_calls_arriving_together_on_a_warm_pool_are_each_sent_once(
    failovers: list[int],
) -> None:
    fake = FakeAtlas()
    async with fake.serve() as url, Atlas(fake.api_key, base_url=url) as atlas:
        await _warm_then_together(atlas, failovers)
        assert failovers[0] == 0


@pytest.mark.skipif(NAME != "httpx", reason="httpx2's pool never gives one connection to two")
async def test_without_the_entry_the_same_calls_fail_over(
    failovers: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control: what the test above would see without the entry (it can fail).
    fake = FakeAtlas()
    async with fake.serve() as url, Atlas(fake.api_key, base_url=url) as atlas:
        monkeypatch.setattr(atlas._shared.transport, "entry", None)
        await _warm_then_together(atlas, failovers)
        # All 40 are given the first idle connection; 39 fail over, and so on: 90 to 130 on an
        # idle machine, 26 once with four test workers on two cores (calls started together
        # arrive less together then). The entry's test above asserts none.
        assert failovers[0] >= 10, failovers


def test_only_the_sdks_own_httpx_client_has_an_entry() -> None:
    # A caller's transport may never report a step through ``trace``: with an entry, its
    # requests would go one at a time. httpx2's pool needs none.
    own = Atlas("atlas_key_0123456789", base_url="https://api.atlas.test")
    assert (own._shared.transport.entry is not None) is (NAME == "httpx")
    theirs = Atlas(
        "atlas_key_0123456789",
        base_url="https://api.atlas.test",
        http_client=httpx.AsyncClient(),
    )
    assert theirs._shared.transport.entry is None


async def _settle() -> None:
    for _ in range(20):
        await anyio.lowlevel.checkpoint()


async def test_one_request_at_a_time_until_its_connection_reports() -> None:
    entry = PoolEntry()
    hooks: dict[str, dict[str, Any]] = {"first": {}, "second": {}}
    report = {name: anyio.Event() for name in hooks}
    entered: list[str] = []

    async def request(name: str) -> None:
        extensions = hooks[name]
        leave = await entry.enter(extensions)
        entered.append(name)
        await report[name].wait()
        # As httpcore does, in the request's own task: the connection's first step.
        await extensions["trace"]("http11.send_request_headers.started", {})
        leave()  # the exchange's end, later: nothing more

    async with anyio.create_task_group() as tg:
        tg.start_soon(request, "first")
        await _settle()
        tg.start_soon(request, "second")
        await _settle()
        assert entered == ["first"]  # the second waits
        report["first"].set()
        await until(lambda: entered == ["first", "second"], "the second let in")
        # Left: its trace is gone from the request (one call a request, not one per step).
        assert "trace" not in hooks["first"]
        assert "trace" in hooks["second"]
        report["second"].set()
    assert "trace" not in hooks["second"]


async def test_leaving_without_any_event_lets_the_next_in_and_is_idempotent() -> None:
    entry = PoolEntry()
    leave = await entry.enter({})
    leave()
    leave()  # a finally after a trace event: nothing more
    with anyio.fail_after(5):
        again = await entry.enter({})
    again()


async def test_a_trace_of_the_callers_own_sees_every_event_and_stays() -> None:
    seen: list[str] = []

    async def theirs(event: str, info: dict[str, Any]) -> None:
        seen.append(event)

    extensions: dict[str, Any] = {"trace": theirs}
    leave = await PoolEntry().enter(extensions)
    ours = extensions["trace"]
    assert ours is not theirs
    await ours("connection.connect_tcp.started", {})
    assert extensions["trace"] is theirs  # back as it was
    await ours("connection.connect_tcp.complete", {})  # the step that reported finishes
    leave()
    assert seen == ["connection.connect_tcp.started", "connection.connect_tcp.complete"]
    assert extensions["trace"] is theirs


async def test_a_request_cancelled_while_it_waits_leaves_nothing_behind() -> None:
    entry = PoolEntry()
    leave = await entry.enter({})
    waiting: dict[str, Any] = {}
    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as tg:
            tg.start_soon(entry.enter, waiting)
            await _settle()
            scope.cancel()
    assert waiting == {}  # never hooked
    leave()
    with anyio.fail_after(5):
        (await entry.enter({}))()
