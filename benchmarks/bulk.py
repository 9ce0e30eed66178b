"""Bulk throughput at concurrency 1 vs 8 vs 32 (``--only throughput``).

Everything runs against the in-process emulator (no sockets), so the numbers measure the SDK and
the emulator, not a network. Two scenarios:

* ``rtt 10 ms``: the emulator sleeps 10 ms per request (an injected latency fault), standing in
  for a network round trip; this is where concurrency pays.
* ``no latency``: pure CPU cost of the client + emulator; concurrency cannot help much here, and
  the ratio shows the scheduling overhead.

Concurrency levels are measured interleaved (1, 8, 32, 1, 8, 32, ...) and the median of the
rounds is kept, so a noisy neighbour affects all levels alike. Ratios are against concurrency 1
of the same scenario, in the same run.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import anyio
import httpx

import atlas_async.bulk
from atlas_async import Atlas, Party
from atlas_async.bulk import BulkItem, send_all
from atlas_async.testing import FakeAtlas

from ._common import Options, Section, load

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LEVELS = (1, 8, 32)


def _fast_retry() -> Any:
    """The batch's retry policy with short pauses (an older API named its first delay
    ``base_delay`` and had no ``BULK_RETRY``; the harness can measure an older checkout)."""
    bulk: Any = atlas_async.bulk
    if hasattr(bulk, "BULK_RETRY"):
        return bulk.BULK_RETRY.with_(initial_delay=0.01)
    return bulk.RetryPolicy(base_delay=0.01)


def _items(n: int, run: int) -> list[BulkItem]:
    return [
        BulkItem(
            document=PDF + f"% {run}-{i}\n".encode(),
            parties=[Party(email=f"s{i}@example.com", name=f"S {i}", role="Signer")],
        )
        for i in range(n)
    ]


async def _throughput(n: int, concurrency: int, latency: float, lookup: bool, run: int) -> float:
    fake = FakeAtlas(initial_credits=n + 10, detection_delay=0)
    if latency:
        fake.faults.add("latency", None, seconds=latency, count=None)
    async with (
        httpx.AsyncClient(transport=fake.transport(), base_url=fake.base_url) as http,
        Atlas(api_key=fake.api_key, base_url=fake.base_url, http_client=http) as atlas,
    ):
        items = _items(n, run)
        started = time.perf_counter()
        summary = await send_all(
            atlas,
            items,
            concurrency=concurrency,
            retry=_fast_retry(),
            lookup_existing=lookup,
        )
        elapsed = time.perf_counter() - started
    if summary.sent != n or fake.credits() != 10:
        raise RuntimeError(f"benchmark run was not exact: {summary}")
    return n / elapsed


def _scenario(
    name: str, n: int, latency: float, lookup: bool, rounds: int
) -> tuple[str, dict[int, float]]:
    samples: dict[int, list[float]] = {c: [] for c in LEVELS}
    for r in range(rounds):
        for c in LEVELS:
            rate = anyio.run(_throughput, n, c, latency, lookup, r)
            samples[c].append(rate)
            print(f"  {name:<28} c={c:<3} round {r + 1}: {rate:8.1f} env/s", flush=True)
    return name, {c: statistics.median(v) for c, v in samples.items()}


def run(opts: Options) -> Section:
    scale = 0.1 if opts.quick else 1.0
    print("bulk throughput (in-process emulator)", flush=True)
    scenarios = [
        _scenario("rtt 10 ms, look-up on", int(160 * scale), 0.010, True, opts.rounds),
        _scenario("rtt 10 ms, look-up off", int(160 * scale), 0.010, False, opts.rounds),
        _scenario("no latency, look-up on", int(400 * scale), 0.0, True, opts.rounds),
    ]
    lines = [
        "In-process emulator (no sockets); each envelope is a look-up GET (unless off), a create, "
        "a GET of fields_version and a send. Median of "
        f"{opts.rounds} interleaved rounds; ratios against concurrency 1 of the same row.",
        "",
        "| scenario | c=1 | c=8 | c=32 | 8 vs 1 | 32 vs 1 |",
        "|---|---|---|---|---|---|",
    ]
    for name, rates in scenarios:
        lines.append(
            f"| {name} | {rates[1]:.1f} | {rates[8]:.1f} | {rates[32]:.1f} "
            f"| {rates[8] / rates[1]:.1f}x | {rates[32] / rates[1]:.1f}x |"
        )
    rtt = scenarios[0][1]
    headline = f"rtt 10 ms, look-up on: c=32 sends {rtt[32] / rtt[1]:.1f}x the envelopes/s of c=1"
    return Section("throughput", "Bulk throughput by concurrency", headline, lines, load())
