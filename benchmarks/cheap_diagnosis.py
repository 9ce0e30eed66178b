"""``python -m benchmarks.cheap_diagnosis``: where figure 4's gap goes. Not part of ``make bench``.

Figure 4 compares ``atlas.envelopes.get(id)`` with raw httpx's ``(await client.get(path)).json()``
over the same ``httpx.MockTransport``. Here the SDK call (its own client on that transport) also
runs with one of its layers switched off at a time, or another way, all interleaved in one event
loop; what a variant saves is what that layer costs:

* ``sdk``: as shipped;
* ``sdk, no deadline scope``: the cancel scope that bounds each attempt as a whole (a server that
  trickles its answer a byte at a time is cut off at the timeout) replaced by a no-op;
* ``sdk, plain body read``: ``response.aread()`` in place of the read refused past
  ``max_response_bytes``;
* ``sdk, through the library's client``: the requests built by ``build_request`` and sent by the
  library's ``send``, as before ``atlas_async._direct`` (and as with a proxy in the environment),
  where they go straight to the transport.

Then what some pieces cost measured alone: the typed model (``Envelope.from_dict`` of the parsed
body), an anyio cancel scope with a deadline, the JSON decoding (paid by raw httpx as much as by
the SDK), and the request as raw httpx builds it and as the SDK builds its own.

The differences are a few microseconds on calls of about 200, and the machine's speed drifts by
more than that within a run: so the contenders run many short blocks, interleaved, and what is
reported is the median of the differences between blocks of the same round (with the middle
half of them), which a drift common to a round leaves out. This is a diagnosis, not a benchmark of the SDK as shipped: each switch
patches a private name of the SDK for the duration of its blocks, and a switch whose name is
gone, or no longer used by the call, is reported as missing (the smoke test fails then, so that
it is kept up to date).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import statistics
import sys
import time
import types
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import httpx

from atlas_async import Envelope

from ._common import load, rotated
from .cheap import BASE_URL, BODY, EID, blocks, clients, own

__all__ = ["CONTENDERS", "LIBRARY_CLIENT", "SWITCHES", "USED", "main", "measure", "report"]


#: How often each replacement ran: a switch that never ran switched nothing off.
USED: Counter[str] = Counter()


class _NoScope:
    """A cancel scope that bounds nothing."""

    def __init__(self, *, deadline: float = 0.0) -> None:
        del deadline
        USED["sdk, no deadline scope"] += 1

    def __enter__(self) -> _NoScope:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@contextlib.contextmanager
def _patched(module_name: str, attribute: str, value: Any) -> Iterator[bool]:
    """``module.attribute = value`` (a dotted attribute: on a class of the module) while a block
    runs; yields False, changing nothing, when the SDK has no such name."""
    try:
        owner: Any = importlib.import_module(module_name)
    except ImportError:
        yield False
        return
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part, None)
    if owner is None or not hasattr(owner, name):
        yield False
        return
    original = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield True
    finally:
        setattr(owner, name, original)


async def _plain_read(response: Any, max_bytes: int) -> None:
    del max_bytes
    USED["sdk, plain body read"] += 1
    await response.aread()


#: Variant -> (module, attribute, replacement) of the SDK switched off for it.
SWITCHES: dict[str, tuple[str, str, Any]] = {
    "sdk, no deadline scope": (
        "atlas_async._http",
        "anyio",
        types.SimpleNamespace(CancelScope=_NoScope, current_time=anyio.current_time),
    ),
    "sdk, plain body read": ("atlas_async._http", "read_capped", _plain_read),
}
#: The SDK's own client with its requests through the library's client (not a patch: a client
#: whose transport has no direct way, as with a proxy in the environment).
LIBRARY_CLIENT = "sdk, through the library's client"
CONTENDERS = ("raw", "sdk", *SWITCHES, LIBRARY_CLIENT)


def _paired(samples: list[float], against: list[float]) -> str:
    """Median of the round-by-round differences ``samples - against``, [first-third quartile]."""
    differences = [a - b for a, b in zip(samples, against, strict=True)]
    if len(differences) < 2:
        return f"{differences[0]:+.1f}"
    q1, median, q3 = statistics.quantiles(differences, n=4)
    return f"{median:+.1f} [{q1:+.1f} to {q3:+.1f}]"


async def measure(k: int, rounds: int) -> dict[str, Any]:
    """Microseconds of CPU per call for each contender (one sample per block), the switches
    found missing, and the pieces measured alone."""
    sdk_http, raw = clients()
    per_call: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    missing: list[str] = []
    async with sdk_http, raw, own() as atlas, own() as indirect:
        shipped = blocks(atlas, raw)
        transport = indirect._shared.transport
        if getattr(transport, "direct", None) is None:
            missing.append(LIBRARY_CLIENT)
        transport.direct = None
        shipped[LIBRARY_CLIENT] = blocks(indirect, raw)["sdk"]

        async def run(name: str, n: int) -> float | None:
            switch = SWITCHES.get(name)
            with _patched(*switch) if switch else contextlib.nullcontext(True) as possible:
                if not possible:
                    return None
                started = time.process_time()
                await shipped.get(name, shipped["sdk"])(n)
                return (time.process_time() - started) / n * 1e6

        USED.clear()
        for name in CONTENDERS:  # warm-up: imports on first use, caches
            if await run(name, max(10, k // 5)) is None and name not in missing:
                missing.append(name)
        # A name still there that the call no longer goes through switches nothing off.
        missing += [name for name in SWITCHES if name not in missing and not USED[name]]
        for r in range(rounds):
            for name in rotated([c for c in CONTENDERS if c not in missing], r):
                sample = await run(name, k)
                if sample is not None:
                    per_call[name].append(sample)
        alone = {
            "cancel scope with a deadline": await _scope_cost(k * 10),
            **_pieces(k * 10, sdk_http),
        }
    return {"per_call": per_call, "missing": missing, "alone": alone}


async def _nothing() -> None:
    """An await that does not yield, as the mock transport's exchange does not."""


async def _scope_cost(n: int) -> float:
    """An anyio cancel scope with a deadline around an await, less the bare await."""
    best = {True: float("inf"), False: float("inf")}
    for _ in range(5):
        for scoped in (True, False):
            started = time.process_time()
            for _ in range(n):
                if scoped:
                    with anyio.CancelScope(deadline=anyio.current_time() + 60):
                        await _nothing()
                else:
                    await _nothing()
            best[scoped] = min(best[scoped], (time.process_time() - started) / n * 1e6)
    return best[True] - best[False]


def _pieces(n: int, client: httpx.AsyncClient) -> dict[str, float]:
    data = json.loads(BODY)
    url = f"{BASE_URL}/api/envelope/{EID}"
    pieces: dict[str, Callable[[], object]] = {
        "typed model: Envelope.from_dict": lambda: Envelope.from_dict(data),
        "json.loads of the body (both pay it)": lambda: json.loads(BODY),
        "httpx build_request (raw httpx)": lambda: client.build_request("GET", url),
        "httpx.Request, as the SDK builds its own": lambda: httpx.Request("GET", url),
    }
    costs: dict[str, float] = {}
    for label, piece in pieces.items():
        best = float("inf")
        for _ in range(5):
            started = time.process_time()
            for _ in range(n):
                piece()
            best = min(best, (time.process_time() - started) / n * 1e6)
        costs[label] = best
    return costs


def report(result: dict[str, Any], k: int, rounds: int, backend: str) -> list[str]:
    per_call: dict[str, list[float]] = result["per_call"]
    lines = [
        f"envelopes.get over httpx.MockTransport on {backend}: {rounds} rounds of blocks of {k:,} "
        f"calls, interleaved; CPU us per call: median block, and the median of the differences "
        f"between blocks of the same round [middle half]. {load()}",
        "",
        "| contender | CPU us per call | above raw | what the layer costs |",
        "|---|---|---|---|",
    ]
    for name in CONTENDERS:
        if name in result["missing"]:
            lines.append(f"| {name} | missing: the SDK no longer goes through that name | | |")
            continue
        samples = per_call[name]
        above = "" if name == "raw" else _paired(samples, per_call["raw"])
        costs = _paired(per_call["sdk"], samples) if name in SWITCHES else ""
        if name == LIBRARY_CLIENT:  # what the library's client costs above the direct way
            costs = _paired(samples, per_call["sdk"])
        lines.append(f"| {name} | {statistics.median(samples):.1f} | {above} | {costs} |")
    lines += ["", "| measured alone (lowest of 5 runs) | CPU us |", "|---|---|"]
    lines += [f"| {label} | {cost:.1f} |" for label, cost in result["alone"].items()]
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.cheap_diagnosis", description=__doc__
    )
    parser.add_argument("--k", type=int, default=100, help="calls per block (default 100)")
    parser.add_argument("--rounds", type=int, default=150)
    parser.add_argument("--backend", choices=("asyncio", "trio"), default="asyncio")
    args = parser.parse_args(argv)
    result = anyio.run(measure, args.k, args.rounds, backend=args.backend)
    print("\n".join(report(result, args.k, args.rounds, args.backend)))
    return 1 if result["missing"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
