"""Figure 7: the connection pool at a distance. Many calls in flight against a server a round trip
away over TLS, as the real API is: does a client keep its connections, and at what CPU?

``W`` workers make ``N`` ``envelopes.status`` calls between them against ``benchmarks._stub``
speaking HTTPS (a test authority's certificate, from trustme), behind ``benchmarks._lag``, a relay
that holds every chunk in each direction (a connection's opening and its TLS handshake pay their
round trips too). Contenders, interleaved (the order rotates every round), a fresh client each:

* ``sdk``: ``Atlas(...)``; on httpx 0.28 its pool is in shards of 20 connections, each keeping
  all of its connections alive (``_pool``);
* ``sdk, one pool keeping 20``: the SDK's client as it was before the shards, one httpcore pool
  of 100 connections keeping 20 alive, httpx's default (private names patched: a diagnosis).
  httpcore 1.x counts all of its connections against the 20, so with more in flight each
  connection is closed as it falls idle and the next request opens a new one;
* ``sdk, one pool keeping all``: one pool keeping all 100 alive (patched too): no reconnecting,
  but httpcore walks every connection for each idle one on every request event;
* ``raw``: ``httpx.AsyncClient`` with httpx's defaults (100 connections, 20 kept alive);
* ``sdk on httpx2``: the SDK with ``ATLAS_HTTP_LIBRARY=httpx2``, when it is installed.

Reported: the wall time, the client's CPU per request (``time.process_time``; the stub and the
relay are processes of their own) and the connections the stub accepted.
"""

from __future__ import annotations

import contextlib
import os
import ssl
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx

import atlas_async._direct as sdk_direct
from atlas_async import Atlas
from atlas_async._tls import shared_context

from ._common import (
    Options,
    Section,
    Server,
    Stat,
    child_python,
    has_httpx2,
    load,
    ratio_text,
    rotated,
)

__all__ = ["run"]

KEY = "atlas_bench_key_0123456789"
SDK = "sdk"
KEEP_20 = "sdk, one pool keeping 20"
KEEP_ALL = "sdk, one pool keeping all"
RAW = "raw"
ON_HTTPX2 = "sdk on httpx2"


def _contenders() -> tuple[str, ...]:
    base = (SDK, KEEP_20, KEEP_ALL, RAW)
    return (*base, ON_HTTPX2) if has_httpx2() else base


def _one_pool(keep: int | None) -> Any:
    """``own_pool`` as it was before the shards: one pool of the library's, keeping ``keep``
    connections alive (None: all)."""

    def make(library: Any, capacity: int, *, keepalive_expiry: float) -> Any:
        module = library.module
        limits = module.Limits(
            max_connections=capacity,
            max_keepalive_connections=capacity if keep is None else keep,
            keepalive_expiry=keepalive_expiry,
        )
        return module.AsyncHTTPTransport(verify=shared_context(module), limits=limits)

    return make


@contextlib.contextmanager
def _as(contender: str) -> Iterator[None]:
    """The SDK's client as ``contender`` has it while a run makes it."""
    own_pool = sdk_direct.own_pool
    library = os.environ.get("ATLAS_HTTP_LIBRARY")
    if contender in (KEEP_20, KEEP_ALL):
        sdk_direct.own_pool = _one_pool(20 if contender == KEEP_20 else None)
    if contender == ON_HTTPX2:
        os.environ["ATLAS_HTTP_LIBRARY"] = "httpx2"
    try:
        yield
    finally:
        sdk_direct.own_pool = own_pool
        if contender == ON_HTTPX2:
            if library is None:
                del os.environ["ATLAS_HTTP_LIBRARY"]
            else:
                os.environ["ATLAS_HTTP_LIBRARY"] = library


async def _calls(url: str, contender: str, authority: ssl.SSLContext, n: int, workers: int) -> None:
    todo = iter(range(n))
    eid = str(uuid.uuid4())
    if contender == RAW:
        headers = {"Authorization": f"Bearer {KEY}"}
        async with httpx.AsyncClient(
            base_url=url, verify=authority, headers=headers, timeout=60
        ) as client:

            async def raw_worker() -> None:
                for _ in todo:
                    response = await client.get(f"/api/envelope/{eid}/status")
                    response.raise_for_status()
                    response.json()

            async with anyio.create_task_group() as tg:
                for _ in range(workers):
                    tg.start_soon(raw_worker)
        return
    with _as(contender):
        atlas = Atlas(api_key=KEY, base_url=url)
    async with atlas:

        async def worker() -> None:
            for _ in todo:
                await atlas.envelopes.status(eid)

        async with anyio.create_task_group() as tg:
            for _ in range(workers):
                tg.start_soon(worker)


async def _control(url: str, authority: ssl.SSLContext, path: str) -> dict[str, Any]:
    async with httpx.AsyncClient(verify=authority) as client:
        response = await client.request("GET" if path == "stats" else "POST", f"{url}/_stub/{path}")
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer


def _one_run(
    stub_url: str,
    url: str,
    contender: str,
    authority: ssl.SSLContext,
    n: int,
    workers: int,
    cap: float,
) -> dict[str, float]:
    anyio.run(_control, stub_url, authority, "reset")
    cpu, started = time.process_time(), time.perf_counter()

    async def capped() -> None:
        with anyio.fail_after(cap):
            await _calls(url, contender, authority, n, workers)

    anyio.run(capped)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    stats = anyio.run(_control, stub_url, authority, "stats")
    if stats["requests"] != n:
        raise RuntimeError(f"{contender}: {stats['requests']} requests reached the stub, not {n}")
    # (The stats request itself came on a connection of its own.)
    return {"wall": wall, "cpu_us": cpu / n * 1e6, "connections": stats["connections"] - 1}


@contextlib.contextmanager
def _tls() -> Iterator[tuple[Path, Path, ssl.SSLContext]]:
    """A test authority and the stub's certificate for 127.0.0.1: (server PEM, authority PEM,
    a client context trusting it). The SDK's own clients trust it through ``SSL_CERT_FILE``."""
    import trustme

    authority = trustme.CA()
    with tempfile.TemporaryDirectory(prefix="atlas-bench-tls-") as tmp:
        server, trusted = Path(tmp, "server.pem"), Path(tmp, "authority.pem")
        authority.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(server))
        authority.cert_pem.write_to_path(str(trusted))
        before = {name: os.environ.get(name) for name in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
        os.environ["SSL_CERT_FILE"] = str(trusted)
        os.environ.pop("SSL_CERT_DIR", None)
        try:
            yield server, trusted, ssl.create_default_context(cafile=str(trusted))
        finally:
            for name, value in before.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def run(opts: Options) -> Section:
    n, workers = (40, 8) if opts.quick else (1_500, 64)
    delays = (0.01,) if opts.quick else (0.01, 0.025)
    cap = min(opts.timeout, 60.0)
    contenders = _contenders()
    results: dict[tuple[float, str], list[dict[str, float]]] = {}
    by_round: dict[tuple[float, str, int], float] = {}
    with _tls() as (server_pem, _, authority):
        stub = Server(
            child_python("-m", "benchmarks._stub", "--tls", str(server_pem)), ("STUB_URL",)
        )
        with stub:
            stub_url = stub.fields["STUB_URL"]
            port = stub_url.rsplit(":", 1)[1]
            for delay in delays:
                argv = child_python(
                    "-m", "benchmarks._lag", "--upstream", port, "--delay", str(delay)
                )
                with Server(argv, ("LAG_PORT",)) as lag:
                    url = f"https://127.0.0.1:{lag.fields['LAG_PORT']}"
                    for r in range(opts.rounds):
                        for contender in rotated(contenders, r):
                            got = _one_run(stub_url, url, contender, authority, n, workers, cap)
                            results.setdefault((delay, contender), []).append(got)
                            by_round[(delay, contender, r)] = got["wall"]
                            print(
                                f"  rtt {2 * delay * 1000:.0f} ms {contender:<26} round {r + 1}: "
                                f"{got['wall']:6.2f} s, {got['cpu_us']:6.0f} us CPU/request, "
                                f"{got['connections']:.0f} connections ({load()})",
                                flush=True,
                            )

    def median(delay: float, contender: str, key: str) -> float:
        return statistics.median(run[key] for run in results[(delay, contender)])

    def versus_sdk(delay: float, contender: str) -> list[float]:
        return [
            by_round[(delay, contender, r)] / by_round[(delay, SDK, r)] for r in range(opts.rounds)
        ]

    lines = [
        f"{n:,} `envelopes.status` calls by {workers} workers a run, against `benchmarks._stub` "
        "over HTTPS behind `benchmarks._lag` (a relay holding every chunk half the round trip in "
        "each direction; a connection's opening and TLS handshake pay their round trips). A "
        f"fresh client per run; median of {opts.rounds} interleaved rounds [lowest-highest]. "
        "Client CPU per request by `time.process_time` (the stub and the relay run in processes "
        "of their own); connections: those the stub accepted.",
    ]
    for delay in delays:
        rtt = f"{2 * delay * 1000:.0f} ms"
        lines += [
            "",
            f"Round trip {rtt}:",
            "",
            "| contender | wall s | wall vs sdk | client CPU us per request | connections opened |",
            "|---|---|---|---|---|",
        ]
        for contender in contenders:
            walls = [run["wall"] for run in results[(delay, contender)]]
            cpus = [run["cpu_us"] for run in results[(delay, contender)]]
            lines.append(
                f"| {contender} | {Stat.of(walls).text('.2f')} | "
                f"{ratio_text(versus_sdk(delay, contender))} | {Stat.of(cpus).text('.0f')} | "
                f"{median(delay, contender, 'connections'):,.0f} of {n:,} requests |"
            )
    far = delays[-1]
    headline = (
        f"round trip {2 * far * 1000:.0f} ms, {n:,} calls by {workers} workers: sdk "
        f"{median(far, SDK, 'connections'):,.0f} connections, "
        f"{median(far, SDK, 'cpu_us'):.0f} us CPU a request; one pool keeping 20 "
        f"{median(far, KEEP_20, 'connections'):,.0f} connections, "
        f"{ratio_text(versus_sdk(far, KEEP_20))} the wall time; keeping all "
        f"{median(far, KEEP_ALL, 'cpu_us'):.0f} us CPU a request"
    )
    return Section("pool", "7. The pool at a distance", headline, lines, load())
