"""Figure 1: N ``envelopes.status`` calls started together on a fresh client, against a trivial
local server (``benchmarks._stub``, its own process). Is the cost per call flat in N?

Contenders, interleaved (the order rotates every round), each on a fresh client per run:

* ``sdk``: ``Atlas(...)``, N tasks each awaiting ``atlas.envelopes.status(id)``;
* ``sdk, no pool entry``: the same with the SDK's pool entry (``_admission.PoolEntry``, which
  lets requests into httpcore 1.x's pool one at a time) switched off, a private name patched: a
  diagnosis, what the SDK did before it;
* ``raw``: ``httpx.AsyncClient`` with the SDK's pool limits and timeouts, N tasks each
  ``(await client.get(path)).json()``;
* ``raw+gate``: the same, each request behind one ``anyio.Semaphore(max_connections)`` (FIFO),
  so at most as many requests reach the pool as it has connections. This is the anchor: it
  shows what the pool costs without its quadratic queue;
* ``sdk on httpx2`` and ``raw+gate on httpx2``: the same two on httpx2 (the SDK by
  ``ATLAS_HTTP_LIBRARY=httpx2``), when it is installed. httpcore 1.x's pool checks every idle
  connection (a ``poll`` and a ``getpeername`` each) on every request event and hands one idle
  connection to several waiting requests (the others try again); httpx2's pool spends far less.

Every run is a fresh interpreter, killed when it exceeds its cap (``--timeout``): cancelling
thousands of requests queued on an httpx pool costs as much as running them, so a cap enforced
by cancellation alone would not hold. A contender that does not finish at some N is reported as
such and not run again at that N or above.
"""

from __future__ import annotations

import importlib
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

from atlas_async import Atlas

from ._common import (
    Options,
    Section,
    Stat,
    child_args,
    child_env,
    child_python,
    has_httpx2,
    load,
    ratio_text,
    rotated,
    stub,
)

__all__ = ["run"]

KEY = "atlas_bench_key_0123456789"
MAX_CONNECTIONS = 100  # the SDK's pool size, and httpx's default
NO_ENTRY = "sdk, no pool entry"
CONTENDERS = ("sdk", NO_ENTRY, "raw", "raw+gate")
ON_HTTPX2 = ("sdk on httpx2", "raw+gate on httpx2")
ALL = CONTENDERS + ON_HTTPX2


def _contenders() -> tuple[str, ...]:
    return ALL if has_httpx2() else CONTENDERS


def sizes(opts: Options) -> list[int]:
    if opts.quick:
        return [n for n in (10, 50) if n <= opts.max_n] or [opts.max_n]
    chosen = [n for n in (100, 1_000, 10_000) if n <= opts.max_n]
    if opts.max_n not in chosen and opts.max_n > 100:
        chosen.append(opts.max_n)
    return chosen or [opts.max_n]


class Outcome:
    __slots__ = ("elapsed", "errors", "finished")

    def __init__(self, elapsed: float, errors: dict[str, int], finished: bool) -> None:
        self.elapsed = elapsed
        self.errors = errors
        self.finished = finished


async def _all_at_once(call: Callable[[str], Awaitable[object]], ids: list[str]) -> Outcome:
    """Start ``call(id)`` for every id at once; the wall time until all are done, and the
    errors by type."""
    errors: Counter[str] = Counter()

    async def one(eid: str) -> None:
        try:
            await call(eid)
        except Exception as exc:
            errors[type(exc).__name__] += 1

    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for eid in ids:
            tg.start_soon(one, eid)
    return Outcome(time.perf_counter() - started, dict(errors), True)


async def _sdk(url: str, ids: list[str], entry: bool = True) -> Outcome:
    async with Atlas(api_key=KEY, base_url=url) as atlas:
        if not entry:
            atlas._shared.transport.entry = None
        return await _all_at_once(atlas.envelopes.status, ids)


async def _raw(url: str, ids: list[str], gated: bool, library: Any = httpx) -> Outcome:
    """``library``: the httpx module, or httpx2's."""
    gate = anyio.Semaphore(MAX_CONNECTIONS)
    limits = library.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=20)
    headers = {"Authorization": f"Bearer {KEY}"}
    # The SDK's timeouts (60 s per phase, the wait for a pooled connection included): with
    # httpx's default 5 s, requests queued behind a thousand others fail with PoolTimeout.
    timeout = library.Timeout(60.0, connect=10.0)
    async with library.AsyncClient(
        base_url=url, headers=headers, limits=limits, timeout=timeout
    ) as client:

        async def get(eid: str) -> None:
            response = await client.get(f"/api/envelope/{eid}/status")
            if response.status_code != 200:
                raise RuntimeError(response.status_code)
            response.json()

        async def gated_get(eid: str) -> None:
            async with gate:
                await get(eid)

        return await _all_at_once(gated_get if gated else get, ids)


def child_main(argv: list[str]) -> int:
    args = child_args("benchmarks.concurrency", ALL, argv)
    library: Any = httpx
    if args.contender.endswith(" on httpx2"):
        os.environ["ATLAS_HTTP_LIBRARY"] = "httpx2"  # the SDK's own client, made below
        library = importlib.import_module("httpx2")
    # A throwaway call first, on a client of the same kind: what the first use imports (the
    # SDK's client layer, httpx's) is start-up cost (figure 5), not the cost of N calls.
    sdk = args.contender.startswith("sdk")
    if sdk:
        anyio.run(_sdk, args.url, [str(uuid.uuid4())])
    else:
        anyio.run(_raw, args.url, [str(uuid.uuid4())], False, library)
    ids = [str(uuid.uuid4()) for _ in range(args.n)]
    watchdog = threading.Timer(args.timeout, _give_up, (args.timeout,))
    watchdog.daemon = True
    watchdog.start()
    if sdk:
        outcome = anyio.run(_sdk, args.url, ids, args.contender != NO_ENTRY)
    else:
        outcome = anyio.run(_raw, args.url, ids, args.contender != "raw", library)
    watchdog.cancel()
    _report(outcome)
    return 0


def _report(outcome: Outcome) -> None:
    got = {"elapsed": outcome.elapsed, "errors": outcome.errors, "finished": outcome.finished}
    print("RESULT=" + json.dumps(got), flush=True)


def _give_up(timeout: float) -> None:
    # Runs in a timer thread: report and leave at once, without cancelling anything.
    _report(Outcome(timeout, {}, False))
    os._exit(0)


def _one_run(contender: str, url: str, n: int, timeout: float) -> Outcome:
    """One run in a fresh interpreter, killed if it outlives its cap (with start-up slack)."""
    argv = child_python(
        "-m",
        "benchmarks.concurrency",
        contender,
        "--n",
        str(n),
        "--url",
        url,
        "--timeout",
        str(timeout),
    )
    try:
        proc = subprocess.run(
            argv, capture_output=True, text=True, env=child_env(), timeout=timeout + 20
        )
    except subprocess.TimeoutExpired:
        return Outcome(timeout, {}, False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT="):
            got = json.loads(line[len("RESULT=") :])
            return Outcome(float(got["elapsed"]), dict(got["errors"]), bool(got["finished"]))
    raise RuntimeError(f"{contender} n={n} failed: {(proc.stderr or proc.stdout)[-1500:]}")


def run(opts: Options) -> Section:
    ns = sizes(opts)
    timeout = min(opts.timeout, 20.0) if opts.quick else opts.timeout
    # per_call[contender][n]: ms per call of each finished run; dnf: the sizes that timed out.
    contenders = _contenders()
    per_call: dict[str, dict[int, list[float]]] = {c: {n: [] for n in ns} for c in contenders}
    by_round: dict[tuple[str, int, int], float] = {}
    errors: dict[str, dict[int, Counter[str]]] = {c: {n: Counter() for n in ns} for c in contenders}
    dnf: dict[str, int] = {}
    loads: list[str] = []
    with stub() as server:
        url = server.fields["STUB_URL"]
        for r in range(opts.rounds):
            for n in ns:
                for contender in rotated(contenders, r):
                    if contender in dnf and n >= dnf[contender]:
                        continue
                    outcome = _one_run(contender, url, n, timeout)
                    if not outcome.finished:
                        dnf[contender] = n
                        print(f"  {contender:<18} n={n:<6} did not finish in {timeout:g} s")
                        continue
                    ms = outcome.elapsed / n * 1000
                    per_call[contender][n].append(ms)
                    by_round[(contender, n, r)] = ms
                    errors[contender][n].update(outcome.errors)
                    print(
                        f"  {contender:<18} n={n:<6} round {r + 1}: {outcome.elapsed:7.2f} s, "
                        f"{ms:7.3f} ms/call, errors {outcome.errors or 0} ({load()})",
                        flush=True,
                    )
            loads.append(load())

    def ratios(a: str, na: int, b: str, nb: int) -> list[float]:
        return [
            by_round[(a, na, r)] / by_round[(b, nb, r)]
            for r in range(opts.rounds)
            if (a, na, r) in by_round and (b, nb, r) in by_round
        ]

    def cell(c: str, n: int) -> str:
        if c in dnf and n >= dnf[c]:
            return f"did not finish in {timeout:g} s"
        text = Stat.of(per_call[c][n]).text(".3f")
        failed = errors[c][n]
        if not failed:
            return text
        kinds = ", ".join(f"{k} {v:,}" for k, v in failed.most_common())
        return f"{text}; errors over the rounds: {kinds}"

    lines = [
        f"Calls started together on a fresh client against `benchmarks._stub` (a raw asyncio "
        f"server in its own process). Per-call cost = wall time / N, in ms: median of "
        f"{opts.rounds} interleaved rounds [lowest-highest]. Pool: {MAX_CONNECTIONS} connections "
        f"for every contender; each run capped at {timeout:g} s.",
        "",
        "| N | sdk ms/call | raw ms/call | raw+gate ms/call | sdk vs raw+gate | sdk vs raw |",
        "|---|---|---|---|---|---|",
    ]
    for n in ns:
        lines.append(
            f"| {n:,} | {cell('sdk', n)} | {cell('raw', n)} | {cell('raw+gate', n)} "
            f"| {ratio_text(ratios('sdk', n, 'raw+gate', n)) if ratios('sdk', n, 'raw+gate', n) else 'n/a'} "
            f"| {ratio_text(ratios('sdk', n, 'raw', n)) if ratios('sdk', n, 'raw', n) else 'n/a'} |"
        )
    lines += [
        "",
        "Without the pool entry (`sdk, no pool entry`: the SDK's own client letting requests into "
        "httpcore's pool as they come, as before the entry; a diagnosis):",
        "",
        "| N | sdk, no pool entry ms/call | sdk vs it |",
        "|---|---|---|",
    ]
    for n in ns:
        versus = ratios("sdk", n, NO_ENTRY, n)
        lines.append(f"| {n:,} | {cell(NO_ENTRY, n)} | {ratio_text(versus) if versus else 'n/a'} |")
    if "sdk on httpx2" in contenders:
        lines += [
            "",
            "The same on httpx2 (the SDK with `ATLAS_HTTP_LIBRARY=httpx2`):",
            "",
            "| N | sdk on httpx2 ms/call | raw+gate on httpx2 ms/call | sdk on httpx2 vs its "
            "raw+gate | sdk on httpx2 vs sdk |",
            "|---|---|---|---|---|",
        ]
        for n in ns:
            own = ratios("sdk on httpx2", n, "raw+gate on httpx2", n)
            versus = ratios("sdk on httpx2", n, "sdk", n)
            lines.append(
                f"| {n:,} | {cell('sdk on httpx2', n)} | {cell('raw+gate on httpx2', n)} "
                f"| {ratio_text(own) if own else 'n/a'} | {ratio_text(versus) if versus else 'n/a'} |"
            )
    small, big = ns[0], ns[-1]

    def scaling(c: str, n: int) -> str:
        if c in dnf and n >= dnf[c]:
            return "did not finish"
        got = ratios(c, n, c, small)
        return ratio_text(got) if got else "n/a"

    lines += [
        "",
        f"Per-call cost at N over per-call cost at N = {small:,}, same round (goal for the SDK "
        f"at {big:,}: at most 1.5x, no errors):",
        "",
        "| contender | " + " | ".join(f"N = {n:,}" for n in ns[1:]) + " |",
        "|---|" + "---|" * len(ns[1:]),
        *(f"| {c} | " + " | ".join(scaling(c, n) for n in ns[1:]) + " |" for c in contenders),
        "",
        "Load after each round: " + "; ".join(loads),
    ]
    parts = []
    for n in ns[1:]:
        sdk_gate = ratios("sdk", n, "raw+gate", n)
        parts.append(
            f"N={n:,}: {scaling('sdk', n)} of N={small:,} per call"
            + (f", {ratio_text(sdk_gate)} of raw+gate" if sdk_gate else "")
        )
    without = ratios("sdk", big, NO_ENTRY, big) if len(ns) > 1 else []
    if without:
        parts.append(f"{ratio_text(without)} of the SDK without its pool entry at N={big:,}")
    headline = "sdk " + "; ".join(parts) if parts else f"sdk at N={small:,} only"
    if "sdk" in dnf:
        headline += f" (capped at {timeout:g} s)"
    if "sdk on httpx2" in contenders and len(ns) > 1:
        headline += f"; on httpx2: sdk N={big:,}: {scaling('sdk on httpx2', big)} of N={small:,}"
    return Section(
        "concurrency", "1. Many calls at once", headline, lines, loads[-1] if loads else load()
    )


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
