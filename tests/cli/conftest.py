"""CLI tests: the command group run in process (click's CliRunner) against an emulator on 127.0.0.1.

The emulator is ``FakeAtlas.serve()`` (uvicorn in a thread), kept open by an anyio blocking portal,
so a test can set credits, inject faults, sign as a party and count envelopes on the server side
while the CLI talks to it over real HTTP. The CLI runs in the test's own thread: every command
calls ``anyio.run``, so these are plain sync tests, not anyio tests.

Nothing leaks between invocations: the environment of each one is exactly ``CLI.env`` plus the
call's overrides (CliRunner sets and restores them; the ATLAS_ variables of the machine running
the tests are removed), and the working folder is the test's tmp_path.

A few smoke tests run the installed console script as a subprocess (``SubprocessCLI``): those
are marked ``slow``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import anyio.from_thread
import pytest
from click.testing import CliRunner

from atlas_async.cli._app import cli as cli_group
from atlas_async.testing import FakeAtlas

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def console_script() -> str:
    """``atlas-async`` as pip installed it, next to this interpreter."""
    scripts = Path(sysconfig.get_path("scripts"))
    found = shutil.which("atlas-async", path=str(scripts)) or shutil.which(
        "atlas-async", path=str(Path(sys.executable).parent)
    )
    assert found, f"atlas-async is not installed in {scripts}: pip install -e '.[cli]'"
    return found


@dataclass
class Emulator:
    fake: FakeAtlas
    url: str
    portal: anyio.from_thread.BlockingPortal

    @property
    def api_key(self) -> str:
        return self.fake.api_key

    def sign(self, envelope_id: str) -> None:
        """Sign as every party in turn (from the test's thread)."""
        self.portal.call(lambda: self.fake.sign(envelope_id))


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    fake = FakeAtlas(initial_credits=1000, detection_delay=0, webhook_time_scale=0.001)
    with (
        anyio.from_thread.start_blocking_portal() as portal,
        portal.wrap_async_context_manager(fake.serve()) as url,
    ):
        yield Emulator(fake, url, portal)


@dataclass
class Result:
    code: int
    out: str
    err: str
    out_bytes: bytes = b""


def clean_environ() -> dict[str, str | None]:
    """Every ATLAS_ variable of the surrounding environment, removed."""
    return {name: None for name in os.environ if name.startswith("ATLAS_")}


@dataclass
class CLI:
    """Invokes ``atlas-async`` in process with the emulator's URL and key in the environment."""

    emulator: Emulator
    cwd: Path
    env: dict[str, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.env = {
            **clean_environ(),
            "ATLAS_API_KEY": self.emulator.api_key,
            "ATLAS_BASE_URL": self.emulator.url,
            "ATLAS_TOKEN_FILE": str(self.cwd / "no-tokens.json"),
            "COLUMNS": "160",
        }

    def __call__(
        self, *args: str, env: dict[str, str | None] | None = None, input: str | None = None
    ) -> Result:
        runner = CliRunner(env={**self.env, **(env or {})})
        result = runner.invoke(cli_group, list(args), prog_name="atlas-async", input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception  # a bug in the CLI, not an exit code: show its traceback
        return Result(result.exit_code, result.stdout, result.stderr, result.stdout_bytes)


@pytest.fixture
def cli(emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CLI:
    (tmp_path / "contract.pdf").write_bytes(PDF)
    monkeypatch.chdir(tmp_path)  # relative paths (contract.pdf, manifests) resolve here
    return CLI(emulator, tmp_path)


class SubprocessCLI:
    """Runs the installed console script with the emulator's URL and key in the environment."""

    def __init__(self, emulator: Emulator, cwd: Path) -> None:
        self.exe = console_script()
        self.cwd = cwd
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
        self.env = {
            **env,
            "ATLAS_API_KEY": emulator.api_key,
            "ATLAS_BASE_URL": emulator.url,
            "ATLAS_TOKEN_FILE": str(cwd / "no-tokens.json"),
            "COLUMNS": "160",
        }

    def __call__(self, *args: str, timeout: float = 60) -> Result:
        proc = subprocess.run(
            [self.exe, *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [self.exe, *args],
            cwd=self.cwd,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


@pytest.fixture
def subprocess_cli(emulator: Emulator, tmp_path: Path) -> SubprocessCLI:
    (tmp_path / "contract.pdf").write_bytes(PDF)
    return SubprocessCLI(emulator, tmp_path)
