"""``python -m benchmarks``: the six figures of the performance work, each against its anchor in
the same run, the pool at a distance (figure 7) and the bulk throughput table; rewrites
benchmarks/RESULTS.md.

``--only concurrency`` (repeatable) runs some figures; ``--quick`` uses tiny sizes (the smoke
tests); ``--max-n`` caps the "many at once" sizes; ``--no-write`` or ``--output`` keep
RESULTS.md as it is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ._common import FIGURES, Options, Section, load, machine

RESULTS = Path(__file__).with_name("RESULTS.md")


def _runner(name: str) -> Callable[[Options], Section]:
    # Imported on demand: one figure's imports never weigh on another's measurements.
    if name == "concurrency":
        from .concurrency import run
    elif name == "waiters":
        from .waiters import run
    elif name == "bulk":
        from .bulk_vs_raw import run
    elif name == "cheap":
        from .cheap import run
    elif name == "startup":
        from .startup import run
    elif name == "port":
        from .port import run
    elif name == "pool":
        from .pool import run
    else:
        from .bulk import run
    return run


def render(sections: list[Section], opts: Options, header: list[str], elapsed: float) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Recorded {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')} by `make bench` "
        f"({'--quick, ' if opts.quick else ''}{opts.rounds} rounds, max N {opts.max_n:,}) "
        f"in {elapsed:.0f} s. Ratios are the result: each is the median of interleaved rounds "
        "of the same run, with [lowest-highest round]; absolute numbers are context, and move "
        "with the machine's load (noted with each figure).",
        "",
        "## Machine",
        "",
        *header,
        "",
        "## Summary",
        "",
        "| figure | result | load after |",
        "|---|---|---|",
        *(f"| {s.title} | {s.headline} | {s.load} |" for s in sections),
        "",
    ]
    for s in sections:
        lines += [f"## {s.title}", "", *s.lines, "", f"Load after this figure: {s.load}.", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--only", action="append", choices=FIGURES, help="run this figure (repeatable)"
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--max-n", type=int, default=10_000, help="largest 'many at once' N (default 10000)"
    )
    parser.add_argument(
        "--timeout", type=float, default=90.0, help="cap of each large run, seconds (default 90)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--output", type=Path, default=None, help="write here, not RESULTS.md")
    args = parser.parse_args(argv)
    rounds = args.rounds if args.rounds is not None else (2 if args.quick else 3)
    if rounds < 1 or args.max_n < 1 or args.timeout <= 0:
        parser.error("--rounds, --max-n and --timeout must be positive")
    opts = Options(quick=args.quick, rounds=rounds, max_n=args.max_n, timeout=args.timeout)
    header = machine()
    started = time.perf_counter()
    sections: list[Section] = []
    for name in args.only or FIGURES:
        print(f"== {name} ({load()})", flush=True)
        section = _runner(name)(opts)
        section.load = section.load or load()
        print(f"== {name}: {section.headline}", flush=True)
        sections.append(section)
    text = render(sections, opts, header, time.perf_counter() - started)
    print(text)
    if not args.no_write:
        out = args.output or RESULTS
        out.write_text(text)
        print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
