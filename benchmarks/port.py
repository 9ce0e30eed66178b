"""Figure 6: the emulator on a port. Sequential GETs on one kept-alive ``httpx.Client``: the
time of each request, the first (which connects) apart from the rest.

Contenders, interleaved, each on a fresh client per round:

* ``emulator on a port``: ``python -m atlas_async.testing --port 0`` in its own process;
* ``in-process emulator``: the same app through ``FakeAtlas.transport()`` (no sockets);
* ``stub on a port``: ``benchmarks._stub``, the cost of the socket round trip alone.
"""

from __future__ import annotations

import statistics
import time

import anyio
import httpx

from atlas_async.testing import FakeAtlas

from ._common import Options, Section, Stat, emulator, load, ratio_text, rotated, stub

__all__ = ["run"]

PATH = "/api/envelopes?limit=1"
CONTENDERS = ("emulator on a port", "in-process emulator", "stub on a port")


def _on_port(url: str, key: str, k: int) -> list[float]:
    times = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as client:
        for _ in range(k):
            started = time.perf_counter()
            client.get(PATH).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return times


async def _in_process(k: int) -> list[float]:
    fake = FakeAtlas(detection_delay=0)
    times = []
    async with httpx.AsyncClient(
        transport=fake.transport(),
        base_url=fake.base_url,
        headers={"Authorization": f"Bearer {fake.api_key}"},
    ) as client:
        for _ in range(k):
            started = time.perf_counter()
            (await client.get(PATH)).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return times


def run(opts: Options) -> Section:
    k = 5 if opts.quick else 10
    first: dict[str, list[float]] = {c: [] for c in CONTENDERS}
    rest: dict[str, list[float]] = {c: [] for c in CONTENDERS}
    every: dict[str, list[list[float]]] = {c: [] for c in CONTENDERS}
    with emulator() as emu, stub() as server:
        for r in range(opts.rounds):
            for name in rotated(CONTENDERS, r):
                if name == "emulator on a port":
                    fields = emu.fields
                    times = _on_port(fields["ATLAS_BASE_URL"], fields["ATLAS_API_KEY"], k)
                elif name == "stub on a port":
                    times = _on_port(server.fields["STUB_URL"], "k", k)
                else:
                    times = anyio.run(_in_process, k)
                every[name].append(times)
                first[name].append(times[0])
                rest[name].append(statistics.median(times[1:]))
    ratios = {
        c: [a / b for a, b in zip(rest["emulator on a port"], rest[c], strict=True)]
        for c in CONTENDERS[1:]
    }
    lines = [
        f"{k} sequential `GET {PATH}` on one kept-alive client per round, {opts.rounds} rounds "
        "interleaved; `after the first` is the median of requests 2..k in a round, then the "
        "median [lowest-highest] over rounds. Goal: a few ms.",
        "",
        "| contender | first request ms | each request after the first, ms |",
        "|---|---|---|",
        *(
            f"| {c} | {Stat.of(first[c]).text('.1f')} | {Stat.of(rest[c]).text('.2f')} |"
            for c in CONTENDERS
        ),
        "",
        "Emulator on a port, per request after the first, vs the in-process emulator: "
        f"{ratio_text(ratios['in-process emulator'])}; vs the stub on a port: "
        f"{ratio_text(ratios['stub on a port'])}.",
        "",
        "Every request of the last round, ms: "
        + "; ".join(f"{c}: {', '.join(f'{t:.1f}' for t in every[c][-1])}" for c in CONTENDERS),
    ]
    port = Stat.of(rest["emulator on a port"])
    headline = (
        f"{port.text('.2f')} ms per request after the first "
        f"({ratio_text(ratios['in-process emulator'])} of in-process)"
    )
    return Section("port", "6. The emulator on a port", headline, lines, load())
