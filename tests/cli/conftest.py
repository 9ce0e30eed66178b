"""CLI tests: the INSTALLED console script, as a subprocess, against an emulator on 127.0.0.1.

The emulator runs in this process (``fake.serve()``: uvicorn in a thread) so a test can set credits,
inject faults, sign as a party and count envelopes on the server side while the CLI talks to it over
HTTP.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

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

    @property
    def api_key(self) -> str:
        return self.fake.api_key


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    fake = FakeAtlas(initial_credits=1000, detection_delay=0, webhook_time_scale=0.001)
    with fake.serve() as url:
        yield Emulator(fake, url)


@dataclass
class Result:
    code: int
    out: str
    err: str


class CLI:
    """Runs the console script with the emulator's URL and key in the environment."""

    def __init__(self, emulator: Emulator, cwd: Path) -> None:
        self.exe = console_script()
        self.cwd = cwd
        self.env = {
            **os.environ,
            "ATLAS_API_KEY": emulator.api_key,
            "ATLAS_BASE_URL": emulator.url,
            "ATLAS_TOKEN_FILE": str(cwd / "no-tokens.json"),
            "COLUMNS": "160",
        }
        self.env.pop("ATLAS_ACCOUNT", None)

    def __call__(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 60
    ) -> Result:
        proc = subprocess.run(
            [self.exe, *args],
            cwd=self.cwd,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def popen(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [self.exe, *args],
            cwd=self.cwd,
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


@pytest.fixture
def cli(emulator: Emulator, tmp_path: Path) -> CLI:
    (tmp_path / "contract.pdf").write_bytes(PDF)
    return CLI(emulator, tmp_path)
