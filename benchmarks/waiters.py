"""Figure 2: N concurrent ``wait_until_signed`` in one process, against ``benchmarks._stub``.

The variants, each in a fresh interpreter (so its RSS is its own):

* ``webhooks``: once every waiter has made its first poll (the stub has counted N requests, or
  none for 2 s: a waiter need not poll first), a signed ``envelope.signed`` payload per envelope is fed to
  ``WebhookDispatcher(secret, client=atlas).handle(body, signature)`` in process; every waiter
  should return without a further request.
* ``polling``: no webhooks; once the first polls are done the stub answers ``signed``, and the
  waiters find out at their next poll.
* ``many``: the same N envelopes in one ``envelopes.wait_many`` call instead of N waits, woken
  by the same webhooks.
* ``tasks``: the reference for the memory: the same N tasks started by a task group, each
  parked in ``anyio.sleep`` instead of a wait. What the waiters hold above it is the SDK's.
* ``webhooks-asyncio`` and ``tasks-asyncio``: the same as ``webhooks`` and ``tasks`` with the N
  tasks started by ``asyncio.create_task`` and gathered, as much asyncio code does: an anyio
  task group's tasks cost about 2.3 times as much memory as bare asyncio tasks.

Reported: how many returned, the time to the first polls and to the end, requests per envelope
counted at the stub, the request rate, and RSS above the baseline taken right after the imports
(``VmRSS`` when every waiter is parked, and the peak ``VmHWM``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx
from anyio.abc import TaskGroup

from ._common import (
    Options,
    Section,
    child_args,
    child_env,
    child_python,
    load,
    peak_rss_mb,
    rss_mb,
    stub,
)

__all__ = ["run"]

KEY = "atlas_bench_key_0123456789"
VARIANTS = ("webhooks", "polling", "many", "tasks", "webhooks-asyncio", "tasks-asyncio")


def _event(eid: str, i: int) -> bytes:
    return json.dumps(
        {
            "event_id": f"evt_bench_{i}",
            "type": "envelope.signed",
            "created_at": "2026-01-01T00:00:00Z",
            "envelope_id": eid,
            "data": {"envelope_id": eid, "status": "signed", "parties": []},
        }
    ).encode()


def _signature(body: bytes) -> str:
    return "sha256=" + hmac.new(KEY.encode(), body, hashlib.sha256).hexdigest()


async def _stats(ctl: httpx.AsyncClient) -> dict[str, Any]:
    answer: dict[str, Any] = (await ctl.get("/_stub/stats")).json()
    return answer


class _Run:
    """One child's measurements, shared with the watchdog thread that may end it early."""

    def __init__(self, variant: str, n: int, url: str, cap: float, baseline: float) -> None:
        self.url = url
        self.cap = cap
        self.baseline = baseline
        self.base_requests = 0
        self.done: Counter[str] = Counter()
        self.result: dict[str, Any] = {"variant": variant, "n": n, "baseline_mb": baseline}

    def report(self, finished: bool, elapsed: float, requests: int) -> None:
        result = self.result
        result["finished"] = finished
        result["elapsed_s"] = elapsed
        result["requests"] = requests - self.base_requests
        result["outcomes"] = dict(self.done)
        result["returned"] = sum(v for k, v in self.done.items() if k.startswith("returned"))
        result["peak_mb"] = peak_rss_mb() - self.baseline
        print("RESULT=" + json.dumps(result), flush=True)

    def give_up(self) -> None:
        # In a timer thread: report what happened so far and leave at once. Cancelling
        # thousands of requests queued on a pool can take as long as running them.
        requests = httpx.get(self.url + "/_stub/stats").json()["requests"]
        self.report(False, self.cap, requests)
        os._exit(0)


async def _first_polls(ctl: httpx.AsyncClient, base: int, n: int, quiet: float = 2.0) -> None:
    """Until the stub has counted ``n`` requests, or none for ``quiet`` seconds (waiters that
    make no first poll, or fewer than one each, must not stall the run)."""
    seen, since = -1, time.perf_counter()
    # The count lives in another process: asking it is the only way to know.
    while True:
        count = (await _stats(ctl))["requests"] - base
        if count >= n:
            return
        if count != seen:
            seen, since = count, time.perf_counter()
        elif time.perf_counter() - since >= quiet:
            return
        await anyio.sleep(0.1)


async def _child(run: _Run, ids: list[str]) -> None:
    from atlas_async import Atlas
    from atlas_async.webhooks import WebhookDispatcher

    result = run.result
    async with (
        Atlas(api_key=KEY, base_url=run.url) as atlas,
        httpx.AsyncClient(base_url=run.url) as ctl,
    ):
        dispatcher = WebhookDispatcher(KEY, client=atlas)
        # One call first: what the first use loads (the lazily imported client layer) is
        # reported apart from what the N waiters cost.
        await atlas.envelopes.status(str(uuid.uuid4()))
        result["warm_mb"] = rss_mb() - run.baseline
        run.base_requests = (await _stats(ctl))["requests"]
        timer = threading.Timer(run.cap, run.give_up)
        timer.daemon = True
        timer.start()

        async def waiter(eid: str) -> None:
            try:
                status = await atlas.envelopes.wait_until_signed(eid, timeout=run.cap)
                run.done[f"returned ({getattr(status, 'source', '?')})"] += 1
            except Exception as exc:
                run.done[type(exc).__name__] += 1

        started = time.perf_counter()
        variant = result["variant"].removesuffix("-asyncio")

        def spawn(tg: TaskGroup, task: Callable[[str], Awaitable[None]]) -> None:
            if variant == result["variant"]:
                for eid in ids:
                    tg.start_soon(task, eid)
                return
            import asyncio  # (the -asyncio variants: bare asyncio tasks, gathered)

            spawned = [asyncio.create_task(task(eid)) for eid in ids]

            async def gather() -> None:
                await asyncio.gather(*spawned)

            tg.start_soon(gather)

        if variant == "tasks":
            parked = 0

            async def park(eid: str) -> None:  # shaped like `waiter`: one wrapper coroutine
                nonlocal parked
                parked += 1
                await anyio.sleep(run.cap)

            async with anyio.create_task_group() as tg:
                spawn(tg, park)
                for _ in range(int(run.cap * 100)):  # until every task is parked (or the cap)
                    if parked == len(ids):
                        break
                    await anyio.sleep(0.01)
                result["parked_mb"] = rss_mb() - run.baseline
                tg.cancel_scope.cancel()
            timer.cancel()
            run.done["parked"] = len(ids)
            run.report(True, time.perf_counter() - started, run.base_requests)
            return

        async def many() -> None:
            waited = await atlas.envelopes.wait_many(ids, timeout=run.cap)
            for outcome in waited.finished.values():
                run.done[f"returned ({outcome.source})"] += 1
            if waited.pending:
                run.done["pending"] += len(waited.pending)

        async with anyio.create_task_group() as tg:
            if variant == "many":
                tg.start_soon(many)
            else:
                spawn(tg, waiter)
            await _first_polls(ctl, run.base_requests, len(ids))
            result["first_polls_s"] = time.perf_counter() - started
            result["parked_mb"] = rss_mb() - run.baseline
            result["requests_before_signal"] = (await _stats(ctl))["requests"] - run.base_requests
            if variant in ("webhooks", "many"):
                outcomes: Counter[str] = Counter()
                for i, eid in enumerate(ids):
                    body = _event(eid, i)
                    outcomes[(await dispatcher.handle(body, _signature(body))).outcome] += 1
                    result["fed"] = i + 1
                result["dispatch"] = dict(outcomes)
                result["feed_s"] = time.perf_counter() - started - result["first_polls_s"]
            else:
                await ctl.post("/_stub/sign")
            signalled = time.perf_counter()
        ended = time.perf_counter()
        timer.cancel()
        result["after_signal_s"] = ended - signalled
        run.report(True, ended - started, (await _stats(ctl))["requests"])


def child_main(argv: list[str]) -> int:
    args = child_args("benchmarks.waiters", VARIANTS, argv)
    import atlas_async.webhooks  # part of the baseline

    run = _Run(args.contender, args.n, args.url, args.timeout, rss_mb())
    run.result["sdk"] = atlas_async.webhooks.__file__
    anyio.run(_child, run, [str(uuid.uuid4()) for _ in range(args.n)])
    return 0


def _spawn(variant: str, n: int, url: str, timeout: float) -> dict[str, Any]:
    argv = child_python(
        "-m", "benchmarks.waiters", variant, "--n", str(n), "--url", url, "--timeout", str(timeout)
    )
    try:
        proc = subprocess.run(
            argv, capture_output=True, text=True, env=child_env(), timeout=timeout + 60
        )
    except subprocess.TimeoutExpired:
        return {"variant": variant, "n": n, "error": f"child killed after {timeout + 60:g} s"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT="):
            parsed: dict[str, Any] = json.loads(line[len("RESULT=") :])
            return parsed
    return {"variant": variant, "n": n, "error": (proc.stderr or proc.stdout)[-800:]}


def _row(r: dict[str, Any], timeout: float) -> str:
    n = r["n"]
    if "error" in r:
        return f"| {r['variant']} | {n:,} | failed: {r['error'].strip().splitlines()[-1]} ||||||||"
    if r["variant"].startswith("tasks"):
        return (
            f"| {r['variant']} | {n:,} | (no waits: the caller's tasks, parked) | | | | "
            f"| {r.get('warm_mb', float('nan')):.1f} | {r['parked_mb']:.1f} | {r['peak_mb']:.1f} |"
        )
    returned = f"{r['returned']:,}/{n:,}"
    if not r["finished"]:
        returned += f" (did not finish in {timeout:g} s)"
    others = {k: v for k, v in r["outcomes"].items() if not k.startswith("returned")}
    if others:
        returned += " " + ", ".join(f"{k}: {v}" for k, v in others.items())
    if "fed" in r:
        returned += f"; {r['fed']:,} webhooks fed" + (
            f" in {r['feed_s']:.1f} s" if "feed_s" in r else ""
        )
    first = f"{r['first_polls_s']:.1f}" if "first_polls_s" in r else "not all done"
    after = f"{r['after_signal_s']:.1f}" if r.get("after_signal_s") is not None else "n/a"
    rate = r["requests"] / r["elapsed_s"] if r["elapsed_s"] else 0.0
    parked = f"{r['parked_mb']:.1f}" if "parked_mb" in r else "n/a"
    return (
        f"| {r['variant']} | {n:,} | {returned} | {first} | {after} | {r['requests'] / n:.2f} "
        f"| {rate:,.0f} | {r.get('warm_mb', float('nan')):.1f} | {parked} | {r['peak_mb']:.1f} |"
    )


def run(opts: Options) -> Section:
    ns = [20] if opts.quick else [n for n in (1_000, 10_000) if n <= opts.max_n] or [opts.max_n]
    timeout = min(opts.timeout, 30.0) if opts.quick else opts.timeout
    results: list[dict[str, Any]] = []
    loads: list[str] = []
    with stub() as server:
        url = server.fields["STUB_URL"]
        for n in ns:
            for variant in VARIANTS:
                httpx.post(url + "/_stub/reset")
                result = _spawn(variant, n, url, timeout)
                result["load"] = load()
                loads.append(result["load"])
                print(f"  {variant:<8} n={n:<6} {json.dumps(result)}", flush=True)
                results.append(result)
    lines = [
        "Waiters in a fresh interpreter against `benchmarks._stub`; `first polls` is the time "
        "until the stub has counted N requests (or none for 2 s); then the webhooks are fed (or the stub answers "
        "`signed`), and `after` is the time until every waiter returned. RSS is above the "
        "baseline taken after `import atlas_async, atlas_async.webhooks`; `after 1 call` is "
        "after one warm-up `status` call (the client layer is imported on first use; that "
        "request is not counted). `tasks` is the memory's reference: the same N tasks "
        "started by a task group, each parked in `anyio.sleep` (no SDK call): the waiters' RSS "
        "above it is the SDK's. `many` is one `envelopes.wait_many` call on the N envelopes, "
        "woken by the same webhooks. `webhooks-asyncio` and `tasks-asyncio` start the same "
        "tasks with `asyncio.create_task` and gather them, in place of a task group. Goals "
        "at 10,000 with webhooks: all return, at most 50 MB, at most 1.2 requests per "
        "envelope. "
        f"Each run capped at {timeout:g} s.",
        "",
        "| variant | N | returned | first polls s | after s | requests/envelope | requests/s "
        "| RSS after 1 call MB | RSS parked MB | RSS peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *(_row(r, timeout) for r in results),
        "",
        "Load after each run: "
        + "; ".join(f"{r['variant']} {r['n']:,}: {r['load']}" for r in results),
    ]
    big = [r for r in results if r["n"] == ns[-1]]
    parts = []
    parked = {r["variant"]: r.get("parked_mb") for r in big}
    for r in big:
        if "error" in r:
            parts.append(f"{r['variant']}: failed")
            continue
        if r["variant"].startswith("tasks"):
            waits = parked.get(r["variant"].replace("tasks", "webhooks"))
            mine = parked.get(r["variant"])
            if waits is not None and mine is not None:
                how = " in bare asyncio tasks" if r["variant"].endswith("-asyncio") else ""
                parts.append(
                    f"the caller's {r['n']:,} tasks{how} alone +{mine - r['warm_mb']:.0f} MB, "
                    f"so the SDK's share +{waits - mine:.0f} MB"
                )
            continue
        rate = r["requests"] / r["elapsed_s"] if r["elapsed_s"] else 0.0
        parts.append(
            f"{r['variant']} {r['returned']:,}/{r['n']:,} returned"
            + ("" if r["finished"] else f" (not all in {timeout:g} s)")
            + f", {r['requests'] / r['n']:.2f} req/env, peak +{r['peak_mb']:.0f} MB"
            + (f", {rate:,.0f} req/s" if r["variant"] == "polling" else "")
            + (" (one wait_many call)" if r["variant"] == "many" else "")
            + (" (bare asyncio tasks)" if r["variant"].endswith("-asyncio") else "")
        )
    return Section(
        "waiters", "2. 10,000 waiters", "; ".join(parts), lines, loads[-1] if loads else load()
    )


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
