"""The queue: bulk throughput with 1 worker process vs 2, against sending from one process.

``python -m benchmarks.queue`` (needs redis-server on PATH and the taskiq extra). The emulator is
served on 127.0.0.1 in this process and sleeps 10 ms per request (an injected latency fault,
standing in for a network round trip); workers are ``atlas-async worker`` processes, the
producer is :class:`atlas_async.contrib.taskiq.BulkQueue` in this process. The same total number
of rows in flight in every row of the table (16), so the comparison is about processes, not
concurrency. Rows are measured interleaved and the median of the rounds is kept.

On a 2-core machine expect little gain from the second worker: the emulator, Redis, the producer
and the workers share the same two cores. What the queue buys is durability (a dead worker's
rows are run by another) and reach across machines, not speed on one box.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import anyio

from atlas_async import Atlas, Party
from atlas_async.bulk import BULK_RETRY, BulkItem, send_all
from atlas_async.contrib.taskiq import BulkQueue
from atlas_async.testing import FakeAtlas

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
IN_FLIGHT = 16
LATENCY = 0.010


def _items(n: int, run: str) -> list[BulkItem]:
    return [
        BulkItem(
            document=PDF + f"% {run}-{i}\n".encode(),
            parties=[Party(email=f"s{i}@example.com", name=f"S {i}", role="Signer")],
        )
        for i in range(n)
    ]


@contextmanager
def _redis() -> Iterator[str]:
    exe = shutil.which("redis-server")
    if exe is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as folder:
        args = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", folder]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 20
            while True:  # until it answers PING
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                        s.sendall(b"PING\r\n")
                        if s.recv(16).startswith(b"+PONG"):
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("redis-server did not start")
                time.sleep(0.02)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@contextmanager
def _workers(count: int, concurrency: int, redis_url: str, fake: FakeAtlas) -> Iterator[None]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    env.update(ATLAS_API_KEY=fake.api_key, ATLAS_BASE_URL=fake.base_url)
    cmd = [sys.executable, "-m", "atlas_async", "worker", "--queue", redis_url]
    procs = [
        subprocess.Popen([*cmd, "-c", str(concurrency)], env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    try:
        for proc in procs:  # each says so on stderr once it listens
            assert proc.stderr is not None
            line = proc.stderr.readline()
            if "sending queued rows" not in line:
                raise SystemExit(f"a worker did not start: {line}")
        yield
    finally:
        for proc in procs:
            proc.terminate()
            proc.communicate(timeout=30)


async def _queued(redis_url: str, items: list[BulkItem]) -> float:
    async with BulkQueue(redis_url) as queue:
        started = time.perf_counter()
        summary = await queue.send_all(items, retry=BULK_RETRY.with_(initial_delay=0.01))
        elapsed = time.perf_counter() - started
    if summary.sent != len(items):
        raise RuntimeError(f"benchmark run was not exact: {summary}")
    return len(items) / elapsed


async def _one_process(base_url: str, api_key: str, items: list[BulkItem]) -> float:
    async with Atlas(api_key=api_key, base_url=base_url) as atlas:
        started = time.perf_counter()
        summary = await send_all(
            atlas, items, concurrency=IN_FLIGHT, retry=BULK_RETRY.with_(initial_delay=0.01)
        )
        elapsed = time.perf_counter() - started
    if summary.sent != len(items):
        raise RuntimeError(f"benchmark run was not exact: {summary}")
    return len(items) / elapsed


def measure(n: int, rounds: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {"one process": [], "1 worker": [], "2 workers": []}
    fake = FakeAtlas(initial_credits=10 * n * rounds + 10, detection_delay=0)
    fake.faults.add("latency", None, seconds=LATENCY, count=None)
    with _redis() as redis_url, fake.serve() as url:
        for r in range(rounds):
            rate = anyio.run(_one_process, url, fake.api_key, _items(n, f"{r}-a"))
            samples["one process"].append(rate)
            print(f"  one process, c={IN_FLIGHT}   round {r + 1}: {rate:6.1f} env/s", flush=True)
            for workers in (1, 2):
                with _workers(workers, IN_FLIGHT // workers, redis_url, fake):
                    rate = anyio.run(_queued, redis_url, _items(n, f"{r}-{workers}"))
                name = f"{workers} worker" + ("s" if workers > 1 else "")
                samples[name].append(rate)
                print(f"  {name}, c={IN_FLIGHT // workers} each round {r + 1}: {rate:6.1f} env/s")
    return {name: statistics.median(values) for name, values in samples.items()}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.queue")
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"queue throughput: {args.rows} rows, {IN_FLIGHT} in flight, 10 ms per request")
    rates = measure(args.rows, args.rounds)
    base = rates["one process"]
    print(f"\n{platform.platform()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}")
    print("| setup | env/s | vs one process |\n|---|---|---|")
    for name, rate in rates.items():
        print(f"| {name} | {rate:.1f} | {rate / base:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
