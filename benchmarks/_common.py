"""What every benchmark shares: options, statistics, the machine and its load, child processes.

Ratios are the point of this harness: each figure runs its contenders in the same run,
interleaved (the order rotates every round), and reports the median ratio of the rounds with its
spread (lowest and highest round). Absolute numbers are printed as context only: on a shared
2-core machine they move with the neighbours' load, ratios much less.

Child processes (the emulator, the stub server, fresh interpreters) run the same interpreter with
``-P`` and a ``PYTHONPATH`` holding the harness and the ``atlas_async`` this process imported. So
the harness can measure another checkout, children included::

    mkdir /tmp/harness && ln -s "$PWD/benchmarks" /tmp/harness/benchmarks
    cd /other/checkout && PYTHONPATH=/tmp/harness:/other/checkout .venv/bin/python -P -m benchmarks
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import atlas_async

__all__ = [
    "BENCH_ROOT",
    "Options",
    "Section",
    "Server",
    "Stat",
    "child_args",
    "child_env",
    "child_python",
    "has_httpx2",
    "load",
    "machine",
    "process_cpu",
    "ratio_text",
    "rotated",
    "rss_mb",
    "target",
]

# Not resolved: run through a symlink (see child_env), the harness's root is the link's directory.
BENCH_ROOT = Path(os.path.abspath(__file__)).parent.parent
# Children's bytecode goes here (outside any checkout; keyed by each source's absolute path).
PYCACHE = os.path.join(tempfile.gettempdir(), f"atlas-bench-pycache-{os.getuid()}")
FIGURES = ("concurrency", "waiters", "bulk", "cheap", "startup", "port", "pool", "throughput")


@dataclass(frozen=True)
class Options:
    """The command line, as every figure sees it."""

    quick: bool = False
    rounds: int = 3
    max_n: int = 10_000
    timeout: float = 90.0


@dataclass
class Section:
    """One figure's part of RESULTS.md, and its one-line headline for the summary table."""

    key: str
    title: str
    headline: str
    lines: list[str] = field(default_factory=list)
    load: str = ""


@dataclass(frozen=True)
class Stat:
    """The median of some samples, with the lowest and the highest as its spread."""

    median: float
    low: float
    high: float
    n: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stat:
        if not samples:
            return cls(float("nan"), float("nan"), float("nan"), 0)
        return cls(statistics.median(samples), min(samples), max(samples), len(samples))

    def text(self, fmt: str = ".2f", unit: str = "") -> str:
        if self.n == 0:
            return "n/a"
        if self.n == 1:
            return f"{self.median:{fmt}}{unit}"
        return f"{self.median:{fmt}}{unit} [{self.low:{fmt}}-{self.high:{fmt}}]"


def ratio_text(samples: Sequence[float]) -> str:
    """``1.23x [1.10-1.40]``: median ratio of the rounds, lowest and highest round."""
    return Stat.of(samples).text(".2f", "x")


def has_httpx2() -> bool:
    """Is httpx2 installed? (The figures that compare the libraries add its contenders then.)"""
    return importlib.util.find_spec("httpx2") is not None


def rotated(items: Sequence[str], round_index: int) -> list[str]:
    """The contenders in this round's order (rotated each round, so none always goes first)."""
    k = round_index % len(items) if items else 0
    return [*items[k:], *items[:k]]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} / {five:.2f} / {fifteen:.2f}"


def target() -> str:
    """Which atlas_async this run measures: its checkout and commit."""
    root = Path(atlas_async.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return f"{root} @ {commit}"


def machine() -> list[str]:
    return [
        f"- CPUs: {os.cpu_count()} ({platform.processor() or platform.machine()})",
        f"- platform: {platform.platform()}",
        f"- Python: {platform.python_version()} ({sys.executable})",
        f"- atlas_async: {target()}",
        f"- {load()} (1 / 5 / 15 min) at the start",
    ]


def rss_mb() -> float:
    """This process's resident set size (VmRSS), in MB."""
    return _status_kb("VmRSS") / 1024


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MB."""
    return _status_kb("VmHWM") / 1024


def _status_kb(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{name} not in /proc/self/status")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, every thread) a process has used so far."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    # After the command name: state is field 3, utime 14 and stime 15 (1-based, man 5 proc).
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def child_env() -> dict[str, str]:
    """The environment of a child interpreter: the harness, and the atlas_async this process
    imported. Measuring another checkout means a harness directory without its own
    atlas_async: a directory holding only a ``benchmarks`` link to this one."""
    first = Path(atlas_async.__file__).resolve().parent.parent
    if BENCH_ROOT.resolve() == first:
        paths = [str(BENCH_ROOT)]
    elif (BENCH_ROOT / "atlas_async").exists():
        raise RuntimeError(
            f"the harness at {BENCH_ROOT} has its own atlas_async, and this run measures the one "
            f"at {first}: run the harness from a directory holding only a link to benchmarks/"
        )
    else:
        paths = [str(BENCH_ROOT), str(first)]
    given = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    paths += [p for p in given if p not in paths]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "PYTHONPYCACHEPREFIX": PYCACHE}
    # Children import from cached bytecode, as an installed package does: an environment that
    # forbids writing it would have an editable checkout compiled from source at every start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def child_args(module: str, contenders: Sequence[str], argv: list[str]) -> argparse.Namespace:
    """The command line of a figure's child run: ``CONTENDER --n N --url URL --timeout T``."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}")
    parser.add_argument("contender", choices=contenders)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--timeout", type=float, required=True)
    return parser.parse_args(argv)


def child_python(*args: str) -> list[str]:
    """A command line running this interpreter, without the working directory on sys.path."""
    return [sys.executable, "-P", *args]


class Server:
    """A server in its own process (the emulator, the stub), started from a banner it prints.

    ``fields`` maps banner keys (``ATLAS_BASE_URL``...) to their values once started. Stopped
    with SIGINT (Ctrl-C: both servers stop gracefully on it), then killed if it lingers.
    """

    def __init__(self, argv: list[str], wanted: Sequence[str], start_timeout: float = 30.0) -> None:
        self.argv = argv
        self.wanted = tuple(wanted)
        self.start_timeout = start_timeout
        self.fields: dict[str, str] = {}
        self.proc: subprocess.Popen[str] | None = None
        self._drain: threading.Thread | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu(self) -> float:
        return process_cpu(self.pid)

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(
            self.argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=child_env(),
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + self.start_timeout
        seen: list[str] = []
        while not all(k in self.fields for k in self.wanted):
            line = self.proc.stdout.readline()
            if not line or time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"{self.argv[2:]} did not start: {''.join(seen)[-2000:]}")
            seen.append(line)
            match = re.match(r"^([A-Z_]+)=(\S+)\s*$", line)
            if match:
                self.fields[match.group(1)] = match.group(2)
        # Keep reading its output so that a chatty server never blocks on a full pipe.
        self._drain = threading.Thread(target=_drain, args=(self.proc.stdout,), daemon=True)
        self._drain.start()
        return self

    def __exit__(self, *exc: object) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if self._drain is not None:
            self._drain.join(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def _drain(stream: IO[str]) -> None:
    with contextlib.suppress(ValueError, OSError):
        for _ in stream:
            pass


def emulator(credits: int = 100_000) -> Server:
    """``python -m atlas_async.testing`` on a free port, fields detected at once."""
    argv = child_python(
        "-m",
        "atlas_async.testing",
        "--port",
        "0",
        "--credits",
        str(credits),
        "--detection-delay",
        "0",
    )
    return Server(argv, ("ATLAS_BASE_URL", "ATLAS_API_KEY"))


def stub() -> Server:
    """The trivial status server (``benchmarks._stub``) on a free port."""
    return Server(child_python("-m", "benchmarks._stub"), ("STUB_URL",))


@contextlib.contextmanager
def timed() -> Iterator[list[float]]:
    """``with timed() as t: ...``; afterwards ``t[0]`` is the wall time in seconds."""
    out: list[float] = []
    started = time.perf_counter()
    try:
        yield out
    finally:
        out.append(time.perf_counter() - started)
