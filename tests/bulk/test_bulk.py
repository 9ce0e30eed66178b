"""Bulk sending against the emulator: exactly once under faults, across kills, 402 and 429."""

from __future__ import annotations

import io
from collections import Counter

import anyio
import anyio.lowlevel
import httpx
import pytest

from atlas_async import Atlas, InsufficientCreditsError, LocalRateGate, Party
from atlas_async.bulk import (
    BulkItem,
    BulkOutcome,
    BulkRun,
    BulkSummary,
    derive_key,
    lookup_wanted,
    send_all,
    send_many,
)
from atlas_async.testing import FakeAtlas

from .conftest import FAST, PDF, CountingTransport, items

pytestmark = pytest.mark.anyio


async def cancel_after(
    atlas: Atlas, batch: list[BulkItem], *, outcomes: int, concurrency: int
) -> BulkRun:
    """Run a batch and cancel the enclosing scope once ``outcomes`` outcomes came back."""
    got = 0
    with anyio.CancelScope() as scope:
        async with send_many(atlas, batch, concurrency=concurrency, retry=FAST) as run:
            async for _ in run:
                got += 1
                if got == outcomes:
                    scope.cancel()
    assert scope.cancelled_caught
    return run


def external_ids(fake: FakeAtlas) -> Counter[str]:
    return Counter(str(e["metadata"]["external_id"]) for e in fake.envelopes())


def add_faults(fake: FakeAtlas, probability: float) -> None:
    """Three independent faults on every route; together about 20% of requests fail."""
    fake.faults.add("status", None, status=503, count=None, probability=probability)
    fake.faults.add("status", None, status=429, retry_after=0, count=None, probability=probability)
    fake.faults.add("drop_after", None, count=None, probability=probability)


async def test_500_envelopes_through_20_percent_faults_exactly_once(
    fake: FakeAtlas, atlas: Atlas
) -> None:
    add_faults(fake, 0.075)
    before = fake.credits()
    batch = items(500)
    outcomes: list[BulkOutcome] = []
    async with send_many(atlas, batch, concurrency=16, retry=FAST) as run:
        async for outcome in run:
            outcomes.append(outcome)
    summary = run.summary

    assert Counter(o.status for o in outcomes) == {"sent": 500}
    assert sorted(o.index for o in outcomes) == list(range(500))
    assert (summary.sent, summary.failed, summary.credits_spent) == (500, 0, 500)
    assert before - fake.credits() == 500  # the server's own count, not ours
    envelopes = fake.envelopes()
    assert len(envelopes) == 500
    assert {e["status"] for e in envelopes} == {"pending"}
    assert set(external_ids(fake).values()) == {1}
    assert set(external_ids(fake)) == {o.key for o in outcomes}
    assert {o.envelope_id for o in outcomes} == {e["envelope_id"] for e in envelopes}
    # Every fault kind really fired, and 429s went through the shared gate.
    assert all(f.fired > 20 for f in fake.faults.active)
    assert summary.rate_limited > 0
    assert any(o.attempts > 3 for o in outcomes)


def test_the_lookup_is_wanted_when_asked_or_resuming() -> None:
    assert lookup_wanted(None, ()) is False  # a first run: nothing to find
    assert lookup_wanted(None, iter(["k1"])) is True  # resuming from earlier results
    assert lookup_wanted(True, ()) is True
    assert lookup_wanted(False, ["k1"]) is False


async def test_a_first_run_makes_no_lookups_a_resume_looks_up_the_rest(
    fake: FakeAtlas, atlas: Atlas
) -> None:
    batch = items(6)
    first = await send_all(atlas, batch[:2], retry=FAST)
    assert first.sent == 2
    listed = [r for r in fake.requests if (r.method, r.path) == ("GET", "/api/envelopes")]
    assert listed == []
    done = {str(await derive_key(batch[0]))}
    resumed = await send_all(atlas, batch, retry=FAST, skip_keys=done)
    listed = [r for r in fake.requests if (r.method, r.path) == ("GET", "/api/envelopes")]
    assert len(listed) == 5  # every item not skipped, the one sent but unrecorded included
    assert (resumed.sent, resumed.already_sent) == (4, 2)
    assert len(fake.envelopes()) == 6


async def test_killed_half_way_then_rerun_sends_the_rest_once(
    fake: FakeAtlas, atlas: Atlas
) -> None:
    add_faults(fake, 0.075)
    before = fake.credits()
    batch = items(500)
    await cancel_after(atlas, batch, outcomes=250, concurrency=16)  # what Ctrl-C does to the CLI
    first = fake.envelopes()
    assert 250 <= len(first) < 500
    went_out = sum(1 for e in first if e["status"] == "pending")

    # A re-run with no results file to resume from says it is one: every item is looked up.
    async with send_many(atlas, batch, concurrency=16, retry=FAST, lookup_existing=True) as rerun:
        statuses = Counter([o.status async for o in rerun])

    assert statuses == {"sent": 500 - went_out, "already_sent": went_out}
    assert rerun.summary.credits_spent == 500 - went_out
    assert before - fake.credits() == 500
    assert len(fake.envelopes()) == 500
    assert {e["status"] for e in fake.envelopes()} == {"pending"}
    assert set(external_ids(fake).values()) == {1}


async def test_rerun_without_lookup_relies_on_idempotency_keys(
    fake: FakeAtlas, atlas: Atlas
) -> None:
    batch = items(20)
    before = fake.credits()
    first = await send_all(atlas, batch, concurrency=4, retry=FAST, lookup_existing=False)
    outcomes: list[BulkOutcome] = []
    again = await send_all(
        atlas, batch, concurrency=4, retry=FAST, lookup_existing=False, on_outcome=outcomes.append
    )
    # Without the look-up the second run replays every create and send: same envelopes, no
    # second credit, and the replays (Idempotency-Replayed: true) are reported as such.
    assert (first.sent, first.already_sent, first.credits_spent) == (20, 0, 20)
    assert (again.sent, again.already_sent, again.credits_spent) == (0, 20, 0)
    assert {o.envelope_status for o in outcomes} == {"pending"}
    assert before - fake.credits() == 20  # the server's own count agrees
    assert len(fake.envelopes()) == 20


async def test_a_replay_answering_this_runs_own_lost_send_is_sent(
    fake: FakeAtlas, atlas: Atlas
) -> None:
    # The server dispatched, the answer was lost, the retry got the replay: this run spent it.
    drop = fake.faults.add("drop_after", "POST /api/envelope/{id}/send", count=5)
    before = fake.credits()
    summary = await send_all(atlas, items(5), concurrency=5, retry=FAST, lookup_existing=False)
    assert drop.fired == 5
    assert (summary.sent, summary.already_sent, summary.credits_spent) == (5, 0, 5)
    assert before - fake.credits() == 5


async def test_402_stops_new_work_and_a_rerun_finishes_after_top_up(
    fake: FakeAtlas, atlas: Atlas
) -> None:
    fake.set_credits(10)
    batch = items(30)
    outcomes = await _run(atlas, batch, concurrency=4)
    by_status = Counter(o.status for o in outcomes)
    failed = [o for o in outcomes if o.status == "failed"]

    assert by_status["sent"] == 10
    assert 1 <= len(failed) <= 4  # only what was in flight when credits ran out
    assert all(isinstance(o.error, InsufficientCreditsError) for o in failed)
    assert by_status["not_attempted"] == 30 - 10 - len(failed)
    not_attempted = {await derive_key(o.item) for o in outcomes if o.status == "not_attempted"}
    # Nothing was created for the items never attempted; in-flight ones left a draft.
    assert not (not_attempted & set(external_ids(fake)))
    assert len(fake.envelopes()) == 10 + len(failed)
    assert fake.credits() == 0

    fake.set_credits(100)
    summary = await send_all(atlas, batch, concurrency=4, retry=FAST)
    assert (summary.sent, summary.already_sent, summary.stopped_reason) == (20, 10, None)
    assert fake.credits() == 80
    assert len(fake.envelopes()) == 30
    assert {e["status"] for e in fake.envelopes()} == {"pending"}


async def _run(atlas: Atlas, batch: list[BulkItem], concurrency: int) -> list[BulkOutcome]:
    async with send_many(atlas, batch, concurrency=concurrency, retry=FAST) as run:
        out = [o async for o in run]
    assert run.summary.stopped_reason == "insufficient_credits"
    return out


async def test_429_pauses_the_whole_batch(
    fake: FakeAtlas, atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The gate runs on a virtual clock frozen at 0: a worker that waits at the gate blocks until
    # the test opens it, so "every worker is waiting behind the pause" is a state to reach, not a
    # time window to measure.
    workers = 8
    now = 0.0
    waits: list[tuple[int, float]] = []  # (task, the moment its wait ends)
    asleep = 0
    all_asleep = anyio.Event()
    pause_over = anyio.Event()

    async def gate_sleep(seconds: float) -> None:
        nonlocal asleep
        waits.append((anyio.get_current_task().id, now + seconds))
        asleep += 1
        if asleep == workers:
            all_asleep.set()
        await pause_over.wait()
        asleep -= 1

    async def no_pause(seconds: float) -> None:
        pass  # the 429'd request's own retry pause: the gate is what this test watches

    monkeypatch.setattr("atlas_async._transport._sleep", no_pause)
    gate = LocalRateGate(FAST, clock=lambda: now, sleep=gate_sleep)
    fake.faults.add("status", "POST /api/envelope", status=429, retry_after=1, count=1)
    finished = anyio.Event()
    summaries: list[BulkSummary] = []

    async def batch() -> None:
        summaries.append(
            await send_all(atlas, items(40), concurrency=workers, retry=FAST, rate_gate=gate)
        )
        finished.set()

    async def either(*events: anyio.Event) -> None:
        async with anyio.create_task_group() as tg:
            for event in events:

                async def wait_then_cancel(event: anyio.Event = event) -> None:
                    await event.wait()
                    tg.cancel_scope.cancel()

                tg.start_soon(wait_then_cancel)

    async with anyio.create_task_group() as tg:
        tg.start_soon(batch)
        # A ceiling on a condition, not a timing: with a per-worker pause, one worker would
        # block here for good while the others finish, and the test must fail, not hang.
        with anyio.fail_after(30):
            await either(all_asleep, finished)
        # Without a shared gate the batch would run to the end with at most one worker waiting.
        assert not finished.is_set()
        assert len(fake.envelopes()) < 40  # paused mid-batch
        now = 1.0  # Retry-After has passed
        pause_over.set()

    [summary] = summaries
    assert summary.sent == 40
    assert summary.rate_limited == 1
    # Every worker waited, each exactly once, all until the same moment: the one pause.
    assert len({task for task, _ in waits}) == workers
    assert len(waits) == workers
    assert {until for _, until in waits} == {1.0}


async def test_cancelling_leaves_no_task_and_no_open_response(
    fake: FakeAtlas, atlas: Atlas, counting: CountingTransport
) -> None:
    # Long enough that sends pile up while the in-process emulator serves the other workers.
    fake.faults.add("latency", "POST /api/envelope/{id}/send", seconds=0.3, count=None)
    baseline = {task.id for task in anyio.get_running_tasks()}
    run = await cancel_after(atlas, items(200), outcomes=5, concurrency=16)
    assert counting.peak > 5  # requests were really in flight when the scope was cancelled
    assert counting.open == 0  # every response was closed: no connection left mid-request
    leftover = [t for t in anyio.get_running_tasks() if t.id not in baseline]
    assert leftover == []
    assert run.summary.sent < 200


async def test_breaking_out_of_the_loop_cancels_the_rest(
    fake: FakeAtlas, atlas: Atlas, counting: CountingTransport
) -> None:
    async with send_many(atlas, items(100), concurrency=4, retry=FAST) as run:
        async for _ in run:
            break
    created = len(fake.envelopes())
    assert created < 100
    assert counting.open == 0
    await anyio.lowlevel.checkpoint()
    assert len(fake.envelopes()) == created  # nothing keeps running after the block


async def test_stop_lets_in_flight_items_finish(fake: FakeAtlas, atlas: Atlas) -> None:
    async with send_many(atlas, items(50), concurrency=4, retry=FAST) as run:
        statuses = []
        async for outcome in run:
            statuses.append(outcome.status)
            if len(statuses) == 3:
                run.stop()
    counts = Counter(statuses)
    assert counts["sent"] >= 3
    assert counts["sent"] + counts["not_attempted"] == 50
    assert run.summary.stopped_reason == "stopped"
    assert len(fake.envelopes()) == counts["sent"]


async def test_duplicate_keys_and_bad_items(fake: FakeAtlas, atlas: Atlas) -> None:
    party = Party(email="jane@example.com", name="Jane", role="Signer")
    batch = [
        BulkItem(document=PDF, parties=[party]),
        BulkItem(document=PDF, parties=[party]),  # same content, same derived key
        BulkItem(document=b"GIF89a not a pdf", parties=[party], key="gif"),
        BulkItem(document=io.BytesIO(PDF), parties=[party]),  # a stream has no content key
    ]
    outcomes = sorted(await _plain(atlas, batch), key=lambda o: o.index)
    assert [o.status for o in outcomes] == ["sent", "failed", "failed", "failed"]
    assert "duplicate bulk key" in str(outcomes[1].error)
    assert type(outcomes[2].error).__name__ == "InvalidDocumentError"
    assert isinstance(outcomes[3].error, TypeError)
    assert len(fake.envelopes()) == 1


async def _plain(atlas: Atlas, batch: list[BulkItem]) -> list[BulkOutcome]:
    async with send_many(atlas, batch, concurrency=2, retry=FAST) as run:
        return [o async for o in run]


async def test_template_items(fake: FakeAtlas, atlas: Atlas) -> None:
    template = await atlas.templates.upload(
        "NDA",
        PDF,
        fields=[
            {
                "type": "signature",
                "page": 1,
                "x_pct": 0.1,
                "y_pct": 0.8,
                "w_pct": 0.3,
                "h_pct": 0.05,
            }
        ],
    )
    tid = template.template_id
    roles = list(template.roles)
    batch = [
        BulkItem(
            template_id=tid,
            parties=[Party(email=f"t{i}@example.com", name=f"T {i}", role=roles[0])],
            metadata={"n": str(i)},
        )
        for i in range(10)
    ]
    before = fake.credits()
    first = await send_all(atlas, batch, concurrency=4, retry=FAST)
    again = await send_all(atlas, batch, concurrency=4, retry=FAST)
    assert (first.sent, again.already_sent, again.sent) == (10, 10, 0)
    assert before - fake.credits() == 10
    assert len(fake.envelopes()) == 10


async def test_keys_are_stable_and_content_derived(tmp_path: anyio.Path) -> None:
    party = Party(email="jane@example.com", name="Jane", role="Signer")
    path = anyio.Path(str(tmp_path)) / "a.pdf"
    await path.write_bytes(PDF)
    by_path = await derive_key(BulkItem(document=str(path), parties=[party]))
    by_bytes = await derive_key(BulkItem(document=PDF, parties=[party]))
    assert by_path == by_bytes  # the key is the content, not where it came from
    other_signer = Party(email="john@example.com", name="Jane", role="Signer")
    assert by_bytes != await derive_key(BulkItem(document=PDF, parties=[other_signer]))
    assert by_bytes != await derive_key(BulkItem(document=PDF, parties=[party], metadata={"a": 1}))
    assert await derive_key(BulkItem(document=PDF, parties=[party], key="row-7")) == "row-7"
    assert (
        await derive_key(BulkItem(document=PDF, parties=[party], metadata={"external_id": "x1"}))
        == "x1"
    )


def test_items_are_checked_before_any_request() -> None:
    party = Party(email="jane@example.com", name="Jane", role="Signer")
    with pytest.raises(ValueError, match="exactly one of document= or template_id="):
        BulkItem(parties=[party])
    with pytest.raises(ValueError, match="exactly one of"):
        BulkItem(document=PDF, template_id="tmpl_1", parties=[party])
    with pytest.raises(ValueError, match="at least one party"):
        BulkItem(document=PDF, parties=[])
    with pytest.raises(ValueError, match="must be 1-200 printable"):
        BulkItem(document=PDF, parties=[party], key="has space")
    with pytest.raises(ValueError, match="differs from key"):
        BulkItem(document=PDF, parties=[party], key="a", metadata={"external_id": "b"})
    with pytest.raises(ValueError, match="prefill"):
        BulkItem(document=PDF, parties=[party], prefill={"a": "b"})


async def test_cancelling_over_real_sockets_leaves_no_busy_connection(fake: FakeAtlas) -> None:
    import httpx

    fake.faults.add("latency", "POST /api/envelope/{id}/send", seconds=0.05, count=None)
    async with fake.serve(port=0) as url:
        sockets = httpx.AsyncHTTPTransport()
        counting = CountingTransport(sockets)
        async with (
            httpx.AsyncClient(transport=counting, base_url=url) as http,
            Atlas(api_key=fake.api_key, base_url=url, http_client=http) as client,
        ):
            # Cancel on a condition, not on timing: once 3 outcomes are in AND a request is
            # in flight (the slow sends make that the usual case; if not, the next outcome).
            in_flight = 0
            with anyio.CancelScope() as scope:
                async with send_many(client, items(100), concurrency=8, retry=FAST) as run:
                    async for _ in run:
                        if run.summary.sent >= 3 and counting.open > 0:
                            in_flight = counting.open
                            scope.cancel()
            assert scope.cancelled_caught
            assert in_flight > 0  # the cancellation really cut requests mid-flight
            assert counting.open == 0
            # httpcore's pool (private, read only here): a connection whose request was
            # cancelled mid-flight is closed, never handed back half-read; the rest are idle.
            pool = sockets._pool
            assert pool.connections
            assert all(c.is_idle() or c.is_closed() for c in pool.connections)
            # The client is still usable after the cancelled batch.
            summary = await send_all(client, items(3, start=500), retry=FAST)
            assert summary.sent == 3
        assert run.summary.sent < 100


class SendsInFlight(httpx.AsyncBaseTransport):
    """Wraps a transport; tracks how many ``POST .../send`` requests are in flight at once."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.now = 0
        self.peak = 0
        self.sends = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        is_send = request.method == "POST" and request.url.path.endswith("/send")
        if not is_send:
            return await self.inner.handle_async_request(request)
        self.sends += 1
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.now -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_concurrency_bounds_and_fills_the_sends_in_flight(fake: FakeAtlas) -> None:
    # Each send is held for 50 ms inside the emulator, long enough for every worker to be
    # waiting on one: the peak is the bound (never above it) and is reached (they do overlap).
    fake.faults.add("latency", "POST /api/envelope/{id}/send", seconds=0.05, count=None)
    inflight = SendsInFlight(fake.transport())
    async with (
        httpx.AsyncClient(transport=inflight, base_url=fake.base_url) as http,
        Atlas(api_key=fake.api_key, base_url=fake.base_url, http_client=http) as client,
    ):
        summary = await send_all(client, items(40), concurrency=4, retry=FAST)
    assert summary.sent == 40
    assert inflight.sends == 40
    assert inflight.peak == 4
    assert inflight.now == 0
