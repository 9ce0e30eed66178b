"""Bulk throughput at concurrency 1 vs 8 vs 32, and the cost of ``import atlas_async``.

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

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import anyio
import httpx

from atlas_async import Atlas, Party
from atlas_async.bulk import BULK_RETRY, BulkItem, send_all
from atlas_async.testing import FakeAtlas

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LEVELS = (1, 8, 32)
RESULTS = Path(__file__).with_name("RESULTS.md")


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
            retry=BULK_RETRY.with_(initial_delay=0.01),
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


def _import_time(code: str, rounds: int = 9) -> float:
    """Median wall time of ``python -c code`` minus a bare interpreter start, in ms."""

    def wall(snippet: str) -> float:
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", snippet], check=True)
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    return (wall(code) - wall("pass")) * 1000


def _cli_help_ms(rounds: int = 9) -> float:
    exe = Path(sys.executable).with_name("atlas-async")
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        subprocess.run([str(exe), "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small batches (a smoke run)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    scale = 0.25 if args.quick else 1.0

    print("bulk throughput (in-process emulator)", flush=True)
    scenarios = [
        _scenario("rtt 10 ms, look-up on", int(160 * scale), 0.010, True, args.rounds),
        _scenario("rtt 10 ms, look-up off", int(160 * scale), 0.010, False, args.rounds),
        _scenario("no latency, look-up on", int(400 * scale), 0.0, True, args.rounds),
    ]
    print("import time", flush=True)
    imports = {
        "import atlas_async": _import_time("import atlas_async"),
        "from atlas_async import Atlas; Atlas(api_key='k')": _import_time(
            "from atlas_async import Atlas; Atlas(api_key='k')"
        ),
        "import atlas_async.bulk": _import_time("import atlas_async.bulk"),
    }
    cli_ms = _cli_help_ms()

    lines = [
        "# Benchmark results",
        "",
        f"Recorded {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')} by `make bench` on "
        f"{platform.platform()}, {os.cpu_count()} CPU(s) ({platform.processor() or 'unknown'}), "
        f"Python {platform.python_version()}, atlas-async "
        f"{__import__('atlas_async').__version__}.",
        "",
        "## Bulk sending: envelopes per second by concurrency",
        "",
        "In-process emulator (no sockets); each envelope is a look-up GET (unless off), a create, "
        "a GET of fields_version and a send. Median of "
        f"{args.rounds} interleaved rounds; ratios against concurrency 1 of the same row.",
        "",
        "| scenario | c=1 | c=8 | c=32 | 8 vs 1 | 32 vs 1 |",
        "|---|---|---|---|---|---|",
    ]
    for name, rates in scenarios:
        lines.append(
            f"| {name} | {rates[1]:.1f} | {rates[8]:.1f} | {rates[32]:.1f} "
            f"| {rates[8] / rates[1]:.1f}x | {rates[32] / rates[1]:.1f}x |"
        )
    lines += [
        "",
        "## Start-up cost",
        "",
        "Median wall time of a fresh interpreter running the snippet, minus a bare `python -c pass`.",
        "",
        "| snippet | ms |",
        "|---|---|",
        *(f"| `{code}` | {ms:.0f} |" for code, ms in imports.items()),
        f"| `atlas-async --help` (whole process) | {cli_ms:.0f} |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        RESULTS.write_text(text)
        print(f"written to {RESULTS}")
    return 0
