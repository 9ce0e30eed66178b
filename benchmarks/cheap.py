"""Figure 4: client CPU per cheap call. ``atlas.envelopes.get(id)`` against raw httpx's
``(await client.get(path)).json()``, both over an ``httpx.MockTransport`` answering a realistic
envelope (pre-encoded, so the server side costs next to nothing).

Two SDK contenders: ``sdk``, the SDK's own client on that transport (``http_transport=``: its
requests go straight to the transport, see ``atlas_async._direct``), what an application that
lets the SDK make its client runs; ``sdk, your client``, an ``httpx.AsyncClient`` of the caller's
on it (``http_client=``), whose ``send`` the SDK goes through.

The contenders alternate in blocks of K calls within one event loop (the order rotates every
round); CPU time is ``time.process_time``. What each of the SDK's layers costs follows (see
``cheap_diagnosis``), then a cProfile of the SDK path, so the time can be traced to its callers.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import re
import time
import uuid
from collections.abc import Awaitable, Callable

import anyio
import httpx

from atlas_async import Atlas

from ._common import Options, Section, Stat, load, ratio_text, rotated

__all__ = ["ENVELOPE", "YOURS", "blocks", "clients", "own", "run", "transport"]

BASE_URL = "https://api.atlas.test"
KEY = "atlas_bench_key_0123456789"
EID = str(uuid.uuid4())
#: The SDK on a client of the caller's own.
YOURS = "sdk, your client"


def _field(i: int, kind: str, order: int) -> dict[str, object]:
    return {
        "field_id": f"fld_{i:012x}",
        "type": kind,
        "page": 1,
        "x_pct": 0.1,
        "y_pct": 0.7,
        "w_pct": 0.3,
        "h_pct": 0.05,
        "party_order": order,
        "label": f"{kind.title()} {order}",
        "required": True,
        "value": None,
    }


#: An envelope as the emulator answers it: two parties, four fields, metadata, timestamps.
ENVELOPE: dict[str, object] = {
    "envelope_id": EID,
    "status": "pending",
    "fields_status": "ready",
    "fields_version": 2,
    "fields": [_field(i, k, o) for i, (k, o) in enumerate([("signature", 1), ("date", 1)] * 2)],
    "parties": [
        {
            "email": f"signer{o}@example.com",
            "name": f"Signer {o}",
            "role": f"Role {o}",
            "order": o,
            "status": "pending" if o == 1 else "waiting",
            "signed_at": None,
            "sign_url": f"https://atlas.test/sign/{EID}?t=tok{o}" if o == 1 else None,
        }
        for o in (1, 2)
    ],
    "detected_parties": [{"name": "Party 1", "role": "Signer 1"}],
    "review_url": f"https://atlas.test/review/{EID}?rt=token",
    "webhook_url": None,
    "metadata": {"external_id": "crm-42"},
    "created_at": "2026-03-02T14:05:09.000Z",
    "sent_at": "2026-03-02T14:06:00.000Z",
    "completed_at": None,
    "voided_at": None,
    "declined_at": None,
    "signed_pdf_url": None,
}
BODY = json.dumps(ENVELOPE).encode()


def _handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=BODY, headers={"content-type": "application/json"})


def transport() -> httpx.MockTransport:
    return httpx.MockTransport(_handler)


def clients() -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
    """A caller's own client for the SDK (``http_client=``), and raw httpx's."""
    sdk_http = httpx.AsyncClient(transport=transport())
    raw = httpx.AsyncClient(
        transport=transport(), base_url=BASE_URL, headers={"Authorization": f"Bearer {KEY}"}
    )
    return sdk_http, raw


def own() -> Atlas:
    """The SDK's own client on the mock transport."""
    return Atlas(api_key=KEY, base_url=BASE_URL, http_transport=transport())


def blocks(atlas: Atlas, raw: httpx.AsyncClient) -> dict[str, Callable[[int], Awaitable[None]]]:
    """The contenders, ``sdk`` and ``raw``: each makes ``n`` calls in a row."""
    path = f"/api/envelope/{EID}"

    async def sdk_block(n: int) -> None:
        for _ in range(n):
            await atlas.envelopes.get(EID)

    async def raw_block(n: int) -> None:
        for _ in range(n):
            (await raw.get(path)).json()

    return {"sdk": sdk_block, "raw": raw_block}


async def _measure(k: int, rounds: int) -> dict[str, list[float]]:
    """Microseconds of CPU per call, one sample per contender per round."""
    sdk_http, raw = clients()
    theirs = Atlas(api_key=KEY, base_url=BASE_URL, http_client=sdk_http)
    async with sdk_http, raw, own() as atlas, theirs:
        contenders = blocks(atlas, raw)
        contenders[YOURS] = blocks(theirs, raw)["sdk"]
        for block in contenders.values():  # warm-up: imports on first use, caches
            await block(max(10, k // 10))
        per_call: dict[str, list[float]] = {name: [] for name in contenders}
        for r in range(rounds):
            for name in rotated(list(contenders), r):
                started = time.process_time()
                await contenders[name](k)
                per_call[name].append((time.process_time() - started) / k * 1e6)
    return per_call


async def _profiled(k: int) -> str:
    async with own() as atlas:
        for _ in range(20):
            await atlas.envelopes.get(EID)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(k):
            await atlas.envelopes.get(EID)
        profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    out.write(f"{k} calls of envelopes.get; top 15 by own time (tottime):\n")
    stats.sort_stats("tottime").print_stats(15)
    out.write("top 15 by cumulative time:\n")
    stats.sort_stats("cumulative").print_stats(15)
    text = out.getvalue()
    # Paths relative to site-packages or the checkout: shorter, and the same on every machine.
    text = re.sub(r"/\S*/site-packages/", "", text)
    text = re.sub(r"/\S*/(atlas_async|benchmarks)/", r"\1/", text)
    text = re.sub(r"/\S*/lib/python3\.\d+/", "", text)
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def run(opts: Options) -> Section:
    k = 100 if opts.quick else 2_000
    rounds = opts.rounds if opts.quick else max(7, opts.rounds)
    per_call = anyio.run(_measure, k, rounds)
    ratios = [s / r for s, r in zip(per_call["sdk"], per_call["raw"], strict=True)]
    yours = [s / r for s, r in zip(per_call[YOURS], per_call["raw"], strict=True)]
    profile = anyio.run(_profiled, k)
    # What each layer costs, switched off one at a time (see cheap_diagnosis; imported here, as
    # it builds on this module).
    from . import cheap_diagnosis

    diag_k, diag_rounds = (5, 2) if opts.quick else (100, 150)
    diagnosis = anyio.run(cheap_diagnosis.measure, diag_k, diag_rounds)
    sdk, raw, theirs = (Stat.of(per_call[name]) for name in ("sdk", "raw", YOURS))
    lines = [
        f"Client CPU per call (`time.process_time`), blocks of {k:,} calls alternating in one "
        f"event loop, {rounds} rounds; median [lowest-highest]. Over `httpx.MockTransport` "
        f"answering a {len(BODY):,}-byte envelope. Goal: at most 1.10x.",
        "",
        "| contender | CPU us per call | vs raw |",
        "|---|---|---|",
        f"| `atlas.envelopes.get(id)`, the SDK's own client (`http_transport=`) | "
        f"{sdk.text('.1f')} | {ratio_text(ratios)} |",
        f"| the same on your client (`http_client=httpx.AsyncClient(transport=...)`) | "
        f"{theirs.text('.1f')} | {ratio_text(yours)} |",
        f"| `(await client.get(path)).json()` | {raw.text('.1f')} | 1.00x |",
        "",
        f"SDK cost above raw: {sdk.median - raw.median:+.1f} us per call on its own client, "
        f"{theirs.median - raw.median:+.1f} on yours.",
        "",
        "What the SDK's layers cost, each switched off in turn (`python -m "
        "benchmarks.cheap_diagnosis`, which patches the SDK's private names: a diagnosis, not "
        "the SDK as shipped):",
        "",
        *cheap_diagnosis.report(diagnosis, diag_k, diag_rounds, "asyncio"),
        "",
        "cProfile of the SDK path (its own client):",
        "",
        *("    " + line for line in profile.splitlines()),
    ]
    headline = (
        f"sdk {ratio_text(ratios)} of raw CPU per call ({sdk.median:.0f} vs {raw.median:.0f} us); "
        f"on your own client {ratio_text(yours)}"
    )
    return Section("cheap", "4. Cheap calls", headline, lines, load())
