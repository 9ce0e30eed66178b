"""Figure 3: bulk at raw-httpx speed. N envelopes, create -> GET (fields_version) -> send, at
concurrency 64, against the emulator in its own process (a fresh one per run).

Contenders, interleaved (the order rotates every round):

* ``raw``: the anchor, a hand-written httpx script making the same REST calls as the SDK: a
  multipart create (the same document, parties and ``metadata.external_id``, Idempotency-Key
  ``bulk:<key>:create``), ``GET /api/envelope/{id}`` for ``fields_version``, and the send
  (``{"fields_version": v}``, Idempotency-Key ``bulk:<key>:send``), by 64 workers;
* ``raw+lookup``: the same with the SDK's look-up first (``GET /api/envelopes?external_id=``);
* ``sdk lookup off``: ``send_all(..., concurrency=64, lookup_existing=False)``;
* ``sdk default``: ``send_all(..., concurrency=64)``: a first run, so no look-up (the default
  looks items up only when resuming);
* ``sdk lookup on``: ``send_all(..., concurrency=64, lookup_existing=True)``, one look-up GET per
  item as a resumed run makes, against ``raw+lookup``;
* ``sdk on httpx2`` and ``raw on httpx2``: ``sdk lookup off`` with ``ATLAS_HTTP_LIBRARY=httpx2``,
  and the raw script on httpx2's client (skipped when httpx2 is not installed). At this
  concurrency both clients spend most of their CPU in httpcore 1.x's connection pool; httpx2's
  pool spends far less.

For each run: wall time, the emulator's CPU time (``/proc/<pid>/stat``), and this process's.
Then, untimed: what each client's requests look like (a recording transport), and how many
connections each opens at the server (a counting relay in front of the emulator).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import time
from collections.abc import Iterator
from typing import Any

import anyio
import httpx

from atlas_async import Atlas, Party
from atlas_async.bulk import BulkItem, send_all
from atlas_async.samples import SAMPLE_PDF

from ._common import Options, Section, Stat, emulator, has_httpx2, load, ratio_text, rotated
from ._wire import Captured, Recorder, relay

__all__ = ["raw_bulk", "raw_item", "run", "sdk_bulk"]

CONCURRENCY = 64
CONTENDERS = ("raw", "sdk lookup off", "sdk default", "sdk lookup on", "raw+lookup")
#: The same runs on httpx2 (when installed): the SDK by ATLAS_HTTP_LIBRARY, the script by import.
ON_HTTPX2 = ("sdk on httpx2", "raw on httpx2")


def _contenders() -> tuple[str, ...]:
    return CONTENDERS + ON_HTTPX2 if has_httpx2() else CONTENDERS


@contextlib.contextmanager
def _library(name: str) -> Iterator[None]:
    """``ATLAS_HTTP_LIBRARY=name`` while a block runs (the SDK reads it when a client is made)."""
    before = os.environ.get("ATLAS_HTTP_LIBRARY")
    os.environ["ATLAS_HTTP_LIBRARY"] = name
    try:
        yield
    finally:
        if before is None:
            del os.environ["ATLAS_HTTP_LIBRARY"]
        else:
            os.environ["ATLAS_HTTP_LIBRARY"] = before


DOCUMENT = SAMPLE_PDF.read_bytes()
PARTIES = [{"email": "jane@example.com", "name": "Jane Doe", "role": "Signer"}]


def _items(tag: str, n: int) -> list[BulkItem]:
    p = PARTIES[0]
    party = Party(email=p["email"], name=p["name"], role=p["role"])
    return [BulkItem(document=DOCUMENT, parties=[party], key=f"{tag}-{i}") for i in range(n)]


async def _create(client: httpx.AsyncClient, key: str, one_write: bool) -> httpx.Response:
    files = {"file": ("document.pdf", DOCUMENT, "application/pdf")}
    data = {"metadata": json.dumps({"external_id": key}), "parties": json.dumps(PARTIES)}
    headers = {"Idempotency-Key": f"bulk:{key}:create"}
    if not one_write:
        return await client.post("/api/envelope", files=files, data=data, headers=headers)
    # The same body, encoded first and written in one piece (see bulk_diagnosis).
    request = client.build_request("POST", "/api/envelope", files=files, data=data)
    headers["Content-Type"] = request.headers["Content-Type"]
    return await client.post("/api/envelope", content=request.read(), headers=headers)


async def raw_item(
    client: httpx.AsyncClient, key: str, lookup: bool, *, one_write: bool = False
) -> None:
    """One item of the raw script: the SDK's REST calls for it, by hand."""
    if lookup:
        found = await client.get("/api/envelopes", params={"external_id": key})
        found.raise_for_status()
        if found.json()["items"]:
            raise RuntimeError(f"{key} exists already")
    created = await _create(client, key, one_write)
    created.raise_for_status()
    eid = created.json()["envelope_id"]
    envelope = await client.get(f"/api/envelope/{eid}")
    envelope.raise_for_status()
    sent = await client.post(
        f"/api/envelope/{eid}/send",
        json={"fields_version": envelope.json()["fields_version"]},
        headers={"Idempotency-Key": f"bulk:{key}:send"},
    )
    sent.raise_for_status()


async def raw_bulk(
    url: str,
    api_key: str,
    keys: list[str],
    lookup: bool,
    *,
    concurrency: int = CONCURRENCY,
    limits: httpx.Limits | None = None,
    one_write: bool = False,
    library: Any = httpx,
) -> int:
    """The anchor: ``concurrency`` workers taking keys from one iterator, on one client with
    httpx's default pool (100 connections, 20 kept alive) unless ``limits`` says otherwise;
    ``library`` is the httpx module or httpx2's."""
    sent = 0
    todo: Iterator[str] = iter(keys)
    headers = {"Authorization": f"Bearer {api_key}"}
    pool = limits or library.Limits(max_connections=100, max_keepalive_connections=20)
    async with library.AsyncClient(
        base_url=url, headers=headers, timeout=60, limits=pool
    ) as client:

        async def worker() -> None:
            nonlocal sent
            for key in todo:
                await raw_item(client, key, lookup, one_write=one_write)
                sent += 1

        async with anyio.create_task_group() as tg:
            for _ in range(concurrency):
                tg.start_soon(worker)
    return sent


async def sdk_bulk(
    url: str,
    api_key: str,
    items: list[BulkItem],
    lookup: bool | None,
    http: httpx.AsyncClient | None,
    concurrency: int = CONCURRENCY,
) -> int:
    async with Atlas(api_key=api_key, base_url=url, http_client=http) as atlas:
        summary = await send_all(atlas, items, concurrency=concurrency, lookup_existing=lookup)
    if summary.failed:
        raise RuntimeError(f"the SDK's batch failed items: {summary}")
    return summary.sent


async def _contender(name: str, url: str, api_key: str, tag: str, n: int, cap: float) -> int:
    with anyio.fail_after(cap):
        if name == "raw on httpx2":
            keys = [f"{tag}-{i}" for i in range(n)]
            return await raw_bulk(
                url, api_key, keys, False, library=importlib.import_module("httpx2")
            )
        if name.startswith("raw"):
            return await raw_bulk(url, api_key, [f"{tag}-{i}" for i in range(n)], "lookup" in name)
        if name == "sdk on httpx2":
            with _library("httpx2"):
                return await sdk_bulk(url, api_key, _items(tag, n), False, None)
        lookup = {"sdk lookup off": False, "sdk default": None, "sdk lookup on": True}[name]
        return await sdk_bulk(url, api_key, _items(tag, n), lookup, None)


def _timed_run(name: str, n: int, tag: str, timeout: float) -> dict[str, float] | None:
    with emulator() as emu:
        url, key = emu.fields["ATLAS_BASE_URL"], emu.fields["ATLAS_API_KEY"]
        server_cpu, client_cpu = emu.cpu(), time.process_time()
        started = time.perf_counter()
        try:
            sent = anyio.run(_contender, name, url, key, tag, n, timeout)
        except TimeoutError:
            return None
        wall = time.perf_counter() - started
        result = {
            "wall": wall,
            "server_cpu": emu.cpu() - server_cpu,
            "client_cpu": time.process_time() - client_cpu,
        }
    if sent != n:
        raise RuntimeError(f"{name}: sent {sent} of {n}")
    return result


async def _inspect_requests() -> dict[str, dict[str, Captured]]:
    """The first request of each kind, from one item per client, against canned answers."""
    out: dict[str, dict[str, Captured]] = {}
    for name in ("raw", "sdk"):
        recorder = Recorder()
        async with httpx.AsyncClient(transport=recorder, base_url="http://127.0.0.1:9") as http:
            if name == "raw":
                http.headers["Authorization"] = "Bearer k"
                await raw_item(http, "wire-0", True)
            else:
                await sdk_bulk("http://127.0.0.1:9", "k", _items("wire", 1), True, http)
        out[name] = recorder.captured
    return out


async def _count_connections(name: str, n: int, cap: float) -> dict[str, Any]:
    with emulator() as emu:
        url, key = emu.fields["ATLAS_BASE_URL"], emu.fields["ATLAS_API_KEY"]
        port = int(url.rsplit(":", 1)[1])
        async with relay(port) as (relay_url, stats):
            await _contender(name, relay_url, key, "conn", n, cap)
        return {
            "connections": stats.connections,
            "most_open": stats.most_open,
            "bytes_up": stats.bytes_up,
            "bytes_down": stats.bytes_down,
        }


def _request_table(captured: dict[str, dict[str, Captured]]) -> list[str]:
    kinds = sorted(set(captured["raw"]) | set(captured["sdk"]))
    lines = [
        "| request | raw: body bytes (chunks written) | sdk: body bytes (chunks written) |",
        "|---|---|---|",
    ]
    for kind in kinds:
        cells = []
        for name in ("raw", "sdk"):
            c = captured[name].get(kind)
            cells.append("not sent" if c is None else f"{c.size} ({len(c.chunks)}: {c.chunks})")
        lines.append(f"| `{kind}` | {cells[0]} | {cells[1]} |")
    lines.append("")
    for kind in kinds:
        for name in ("raw", "sdk"):
            c = captured[name].get(kind)
            if c is None:
                continue
            lines.append(f"{name} `{kind}` headers, in order:")
            lines.append("")
            lines.append("    " + " | ".join(f"{k}: {v}" for k, v in c.headers))
            if c.body and kind == "POST /api/envelope":
                lines.append("")
                lines.append(f"{name} multipart body with the PDF bytes elided:")
                lines.append("")
                text = c.body.replace(DOCUMENT, b"<%d PDF bytes>" % len(DOCUMENT))
                lines += ["    " + line for line in text.decode("latin-1").split("\r\n")]
            lines.append("")
    return lines


def run(opts: Options) -> Section:
    n = 40 if opts.quick else 1_000
    timeout = 120.0 if opts.quick else max(opts.timeout, 300.0)
    contenders = _contenders()
    samples: dict[str, dict[str, list[float]]] = {
        c: {"wall": [], "server_cpu": [], "client_cpu": []} for c in contenders
    }
    by_round: dict[tuple[str, int], dict[str, float]] = {}
    loads: list[str] = []
    for r in range(opts.rounds):
        for name in rotated(contenders, r):
            got = _timed_run(name, n, f"r{r}", timeout)
            if got is None:
                print(f"  {name:<15} round {r + 1}: did not finish in {timeout:g} s", flush=True)
                continue
            by_round[(name, r)] = got
            for k, v in got.items():
                samples[name][k].append(v)
            print(
                f"  {name:<15} round {r + 1}: {got['wall']:6.2f} s, emulator CPU "
                f"{got['server_cpu']:5.2f} s, client CPU {got['client_cpu']:5.2f} s ({load()})",
                flush=True,
            )
        loads.append(load())

    def ratios(a: str, b: str, what: str) -> list[float]:
        return [
            by_round[(a, r)][what] / by_round[(b, r)][what]
            for r in range(opts.rounds)
            if (a, r) in by_round and (b, r) in by_round and by_round[(b, r)][what] > 0
        ]

    captured = anyio.run(_inspect_requests)
    conn_n = 40 if opts.quick else 300
    connections = {
        name: anyio.run(_count_connections, name, conn_n, timeout)
        for name in ("raw", "sdk lookup off")
    }
    lines = [
        f"{n:,} envelopes at concurrency {CONCURRENCY}, each create -> GET -> send, against "
        "`python -m atlas_async.testing --port 0 --detection-delay 0` in its own process, a "
        f"fresh one per run. Median of {opts.rounds} interleaved rounds [lowest-highest]; ratios "
        "against `raw` of the same round. Goals: at most 1.10x with look-up off, 1.20x with the "
        "default (which since makes no look-up on a first run; `sdk lookup on` is a resumed run, "
        "to compare with `raw+lookup`). The two `on httpx2` rows, when present, run the SDK "
        "(`ATLAS_HTTP_LIBRARY=httpx2`, look-up off) and the raw script on httpx2.",
        "",
        "| run | wall s | wall vs raw | emulator CPU s | emulator CPU vs raw | client CPU s |",
        "|---|---|---|---|---|---|",
    ]
    for name in contenders:
        s = samples[name]
        lines.append(
            f"| {name} | {Stat.of(s['wall']).text()} | {ratio_text(ratios(name, 'raw', 'wall'))} "
            f"| {Stat.of(s['server_cpu']).text()} "
            f"| {ratio_text(ratios(name, 'raw', 'server_cpu'))} "
            f"| {Stat.of(s['client_cpu']).text()} |"
        )
    lines += [
        "",
        f"Connections opened at the server ({conn_n} envelopes through a counting relay, "
        "untimed; each envelope is 3 requests):",
        "",
        "| client | connections | most open at once | bytes up | bytes down |",
        "|---|---|---|---|---|",
        *(
            f"| {k} | {v['connections']} | {v['most_open']} | {v['bytes_up']:,} "
            f"| {v['bytes_down']:,} |"
            for k, v in connections.items()
        ),
        "",
        "The requests of one item as each client writes them (first of each kind; "
        "`Authorization` and the multipart boundary masked):",
        "",
        *_request_table(captured),
        "Load after each round: " + "; ".join(loads),
    ]
    headline = (
        f"lookup off {ratio_text(ratios('sdk lookup off', 'raw', 'wall'))}, default "
        f"{ratio_text(ratios('sdk default', 'raw', 'wall'))} of raw wall time; lookup on "
        f"{ratio_text(ratios('sdk lookup on', 'raw+lookup', 'wall'))} of raw+lookup's; emulator CPU "
        f"{ratio_text(ratios('sdk lookup off', 'raw', 'server_cpu'))} of raw's (lookup off)"
    )
    if "sdk on httpx2" in contenders:
        headline += (
            f"; on httpx2: sdk {ratio_text(ratios('sdk on httpx2', 'raw', 'wall'))} of raw httpx's "
            f"wall time, {ratio_text(ratios('sdk on httpx2', 'raw on httpx2', 'wall'))} of raw "
            "httpx2's"
        )
    return Section(
        "bulk", "3. Bulk at raw-httpx speed", headline, lines, loads[-1] if loads else load()
    )
