"""Figure 5: import and construction. The SDK's own share of
``import atlas_async; Atlas(api_key=...)`` over ``import httpx; httpx.AsyncClient()``.

Each snippet runs in a fresh interpreter that times it itself (``time.perf_counter`` around the
snippet, so interpreter start-up is left out), for 40 rounds. The share is the median over
rounds of (SDK snippet - httpx snippet) of that round; the two snippets of each such pair run
back to back, in turn first, and the other snippets follow in a rotating order. A round's
difference swings by tens of milliseconds either way on this machine (the CPU time of the same
import varies by a quarter from one interpreter to the next, so timing CPU instead of wall
time does not help), so the two shares the goal is read from take 150 rounds (the extra ones
run those pairs alone: about 2.5 minutes more), and each median comes with a 90 % bootstrap
interval: the range the median of another run of as many rounds would likely fall in.
``atlas-async --help`` (a whole process, wall time) is there for the command line's docs. Every
module is imported from cached bytecode, as from an installed package (see ``child_env``), after
one untimed run that writes it.

The snippets run as in an application that installed ``atlas-async`` alone (:data:`MINIMAL`):
this project's venv also holds click, rich and pygments (the SDK's ``cli`` extra), which httpx
imports for its own command line when they are there (click imports ``uuid``, which imports
``platform``), and trio (for the tests), which httpcore imports when it is there; the child
makes them unimportable. The pair ``in this venv`` measures the share with all of them.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from ._common import Options, Section, Stat, child_env, child_python, load, rotated

__all__ = ["run"]

SDK = "import atlas_async; atlas_async.Atlas(api_key='atlas_bench_key_0123456789')"
HTTPX = "import httpx; httpx.AsyncClient()"
#: The untimed start of every snippet but those ``in this venv``: the packages of this venv that
#: ``pip install atlas-async`` does not bring, and that httpx or httpcore import when present.
OPTIONAL = ("click", "rich", "pygments", "trio")
MINIMAL = f"import sys\nfor _name in {OPTIONAL!r}:\n    sys.modules[_name] = None\n"
#: name -> (untimed set-up, timed code), each in a fresh interpreter.
SNIPPETS = {
    "sdk": (MINIMAL, SDK),
    "httpx": (MINIMAL, HTTPX),
    "sdk after httpx": (MINIMAL + HTTPX, SDK),
    "httpx after httpx": (MINIMAL + HTTPX, "httpx.AsyncClient()"),
    "sdk in this venv": ("", SDK),
    "httpx in this venv": ("", HTTPX),
    # A second client: the SDK's own clients share one TLS context (atlas_async._tls), where each
    # httpx client builds its own (what each Atlas() cost before the sharing).
    "sdk after sdk": (MINIMAL + SDK, "atlas_async.Atlas(api_key='atlas_bench_key_0123456789')"),
    "import atlas_async": (MINIMAL, "import atlas_async"),
    "import atlas_async.bulk": (MINIMAL, "import atlas_async.bulk"),
}
CLI = "atlas-async --help"
TIMER = (
    "{setup}\nimport time as _t\n_s = _t.perf_counter()\n{code}\n"
    "print('ELAPSED=%r' % (_t.perf_counter() - _s), flush=True)\n"
)


def _child_figure(script: str, name: str) -> float:
    """The figure a fresh interpreter running ``script`` prints as ``NAME=<float>``."""
    proc = subprocess.run(
        child_python("-W", "ignore", "-c", script),
        capture_output=True,
        text=True,
        env=child_env(),
        timeout=120,
        check=True,
    )
    for line in proc.stdout.splitlines():
        if line.startswith(f"{name}="):
            return float(line[len(name) + 1 :])
    raise RuntimeError(f"no {name} from the child: {proc.stderr[-500:]}")


def _time_snippet(setup: str, code: str) -> float:
    """Milliseconds ``code`` took in a fresh interpreter, after ``setup``."""
    return _child_figure(TIMER.format(setup=setup, code=code), "ELAPSED") * 1000


#: Megabytes of RSS that 100 more clients kept open take, after a first one (untimed).
CLIENTS = {
    "sdk": (SDK, "atlas_async.Atlas(api_key='atlas_bench_key_0123456789')"),
    "httpx": (HTTPX, "httpx.AsyncClient()"),
}
RSS = (
    "{setup}\nimport gc, os\n"
    "def _rss():\n    with open('/proc/self/statm') as f:\n"
    "        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 1e6\n"
    "gc.collect(); _b = _rss(); _keep = [{code} for _ in range(100)]; gc.collect()\n"
    "print('RSS=%r' % (_rss() - _b), flush=True)\n"
)


def _rss_of_clients(setup: str, code: str) -> float:
    return _child_figure(RSS.format(setup=setup, code=code), "RSS")


def _time_cli() -> float:
    """Milliseconds of ``atlas-async --help``, the whole process (wall time)."""
    exe = Path(sys.executable).with_name("atlas-async")
    started = time.perf_counter()
    subprocess.run(
        [str(exe), "--help"], capture_output=True, env=child_env(), timeout=120, check=True
    )
    return (time.perf_counter() - started) * 1000


def _label(name: str) -> str:
    if name not in SNIPPETS:
        return f"`{name}`"
    setup, code = SNIPPETS[name]
    shown = setup.removeprefix(MINIMAL)
    return (
        f"`{code}`"
        + (f" after `{shown}` (untimed)" if shown else "")
        + ("" if setup.startswith(MINIMAL) else ", in this venv")
    )


#: The pairs whose per-round differences are the SDK's share: each runs back to back.
PAIRS = (
    ("sdk", "httpx"),
    ("sdk after httpx", "httpx after httpx"),
    ("sdk in this venv", "httpx in this venv"),
)


def _round_order(round_index: int) -> list[str]:
    """This round's snippets: each pair of :data:`PAIRS` back to back, the pair's first in turn
    (and the pairs themselves in turn), then the others rotated."""
    pairs = [pair if round_index % 2 == 0 else pair[::-1] for pair in PAIRS]
    paired = [name for pair in _rotated_pairs(pairs, round_index) for name in pair]
    others = [name for name in [*SNIPPETS, CLI] if name not in paired]
    return [*paired, *rotated(others, round_index)]


def _rotated_pairs(pairs: list[tuple[str, str]], round_index: int) -> list[tuple[str, str]]:
    k = round_index % len(pairs)
    return [*pairs[k:], *pairs[:k]]


#: The pairs the goal is read from, which take :data:`SHARE_ROUNDS` rounds (the others 40).
SHARES = PAIRS[:2]
SHARE_ROUNDS = 150


def _interval(samples: Sequence[float], *, draws: int = 2000, level: float = 0.90) -> str:
    """The bootstrap interval of the median of ``samples`` (resampled with replacement, a fixed
    seed so the same samples always give the same interval)."""
    rng = random.Random(0)
    medians = sorted(statistics.median(rng.choices(samples, k=len(samples))) for _ in range(draws))
    tail = (1 - level) / 2
    return f"{medians[int(tail * draws)]:.1f} to {medians[int((1 - tail) * draws) - 1]:.1f}"


def run(opts: Options) -> Section:
    rounds = opts.rounds if opts.quick else max(40, opts.rounds)
    share_rounds = rounds if opts.quick else max(SHARE_ROUNDS, rounds)
    samples: dict[str, list[float]] = {name: [] for name in [*SNIPPETS, CLI]}
    _time_snippet("", SDK + "; import atlas_async.bulk")  # bytecode cached first
    _time_cli()
    for r in range(share_rounds):
        order = _round_order(r)
        if r >= rounds:  # the extra rounds: the share pairs alone
            order = [name for name in order if any(name in pair for pair in SHARES)]
        for name in order:
            samples[name].append(_time_cli() if name == CLI else _time_snippet(*SNIPPETS[name]))
    memory: dict[str, list[float]] = {name: [] for name in CLIENTS}
    for r in range(1 if opts.quick else 3):
        for name in rotated(list(CLIENTS), r):
            memory[name].append(_rss_of_clients(*CLIENTS[name]))

    def differences(a: str, b: str) -> list[float]:
        return [x - y for x, y in zip(samples[a], samples[b], strict=True)]

    share_rounds_of = differences("sdk", "httpx")
    alone_rounds_of = differences("sdk after httpx", "httpx after httpx")
    share, alone = Stat.of(share_rounds_of), Stat.of(alone_rounds_of)
    venv = Stat.of(differences("sdk in this venv", "httpx in this venv"))
    lines = [
        f"Milliseconds, timed inside fresh interpreters (start-up excluded, bytecode cached); "
        f"median of {rounds} interleaved rounds [lowest-highest] ({share_rounds} for the four "
        "snippets of the first two shares below), the two snippets of each difference below "
        "back to back in each round. Goal: the SDK's share at most 10 ms.",
        "",
        "Each snippet runs as in an application that installed `atlas-async` alone: "
        f"{', '.join(OPTIONAL)} (in this venv for the SDK's `cli` extra and its tests; httpx "
        "imports the first three for its own command line, httpcore the last) are made "
        "unimportable first, untimed; but for the snippets `in this venv`, which have them all.",
        "",
        "| snippet | ms |",
        "|---|---|",
        *(f"| {_label(name)} | {Stat.of(v).text('.1f')} |" for name, v in samples.items()),
        "",
        f"SDK's share, `{SDK}` minus `{HTTPX}` (per round): {share.text('.1f')} ms "
        f"(90 % interval of the median: {_interval(share_rounds_of)} ms).",
        "",
        f"The same in this venv (httpx imports its command line, httpcore trio, on both sides): "
        f"{venv.text('.1f')} ms.",
        "",
        "The same share measured with httpx already imported and one client built (less noise: "
        "the import of httpx and its first client are left out of both sides), `sdk after "
        f"httpx` minus `httpx after httpx`: {alone.text('.1f')} ms (90 % interval of the "
        f"median: {_interval(alone_rounds_of)} ms).",
        "",
        f"`{CLI}` is the whole process's wall time, interpreter start-up included.",
        "",
        "A client after the first: `sdk after sdk` against `httpx after httpx` (what each "
        "`Atlas()` cost while every client built its own TLS context; the SDK's own clients now "
        "share one). 100 more clients kept open take "
        f"{Stat.of(memory['sdk']).text('.1f')} MB of RSS (`Atlas()`) against "
        f"{Stat.of(memory['httpx']).text('.1f')} MB (`httpx.AsyncClient()`), "
        f"median of {len(memory['sdk'])} interleaved fresh interpreters.",
    ]
    headline = (
        f"SDK's share {share.text('.1f')} ms over httpx, installed alone ({alone.text('.1f')} ms "
        f"with httpx already imported; {venv.text('.1f')} ms in this venv)"
    )
    return Section("startup", "5. Import and construction", headline, lines, load())
