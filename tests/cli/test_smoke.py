"""The installed console script, as a subprocess: what only a real process can show.

It starts (``--help``, ``--version``, ``python -m atlas_async``) without importing what it does
not need; the emulator serves on a port; and a bulk send interrupted by Ctrl-C (SIGINT) or killed
outright (SIGKILL) resumes with exactly one envelope and one credit per row.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from subprocess import Popen

import pytest

from .conftest import PDF, Emulator, SubprocessCLI, console_script
from .test_bulk_send import manifest, results, server_keys

pytestmark = pytest.mark.slow


def test_the_console_script_and_python_dash_m_start() -> None:
    helped = subprocess.run(
        [console_script(), "--help"], capture_output=True, text=True, timeout=30, check=False
    )
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("Usage: atlas-async")
    assert "bulk-send" in helped.stdout
    version = subprocess.run(
        [sys.executable, "-m", "atlas_async", "--version"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert version.returncode == 0
    assert version.stdout.startswith("atlas-async, version ")


def test_help_imports_no_heavy_module() -> None:
    # Listing the commands imports every command module, and none of them may pull in the
    # emulator, OAuth, the bulk engine, rich or the HTTP stack at import time.
    code = (
        "import sys\n"
        "from atlas_async.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(sys.modules), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    loaded = proc.stderr
    for heavy in ("atlas_async.testing", "atlas_async.oauth", "atlas_async.bulk", "'rich",
                  "'httpx", "'uvicorn", "'starlette", "atlas_async._client"):  # fmt: skip
        assert heavy not in loaded, heavy


def test_emulator_command_serves_on_a_port(tmp_path: Path) -> None:
    (tmp_path / "c.pdf").write_bytes(PDF)
    proc = subprocess.Popen(
        [console_script(), "emulator", "--port", "0", "--detection-delay", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        env: dict[str, str] = {}
        while len(env) < 2:
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "emulator exited"
            name, eq, value = line.strip().partition("=")
            if eq and name.startswith("ATLAS_"):
                env[name] = value
        assert env["ATLAS_BASE_URL"].startswith("http://127.0.0.1:")
        clean = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
        clean["ATLAS_TOKEN_FILE"] = str(tmp_path / "no-tokens.json")
        sent = subprocess.run(
            [console_script(), "send", "c.pdf", "--signer", "a@example.com", "--json"],
            cwd=tmp_path,
            env={**clean, **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert sent.returncode == 0, sent.stderr
        assert json.loads(sent.stdout)["status"] == "pending"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 0


def _interrupt_mid_run(
    cli: SubprocessCLI, emulator: Emulator, tmp_path: Path, stop: Callable[[Popen[str]], None]
) -> tuple[Path, int, str]:
    """Start bulk-send on 60 slow rows and ``stop`` it once 5 are recorded.

    Returns the results file, the credits before the run, and the interrupted run's stderr.
    """
    manifest(tmp_path / "big.csv", 60, prefix="k")
    # Slow sends so the run is surely mid-way when interrupted.
    emulator.fake.faults.add("latency", "POST /api/envelope/{id}/send", seconds=0.1, count=None)
    before = emulator.fake.credits()
    proc = cli.popen("bulk-send", "big.csv", "--concurrency", "4")
    out_file = tmp_path / "big.results.csv"
    deadline = time.monotonic() + 60
    while not (out_file.exists() and len(results(out_file)) >= 5):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never got that far"
        time.sleep(0.02)
    stop(proc)
    _, err = proc.communicate(timeout=60)
    emulator.fake.faults.clear()
    return out_file, before, err


def _assert_all_sent_once(emulator: Emulator, out_file: Path, credits_before: int) -> None:
    keys = server_keys(emulator)
    assert len(keys) == 60
    assert set(keys.values()) == {1}
    assert {e["status"] for e in emulator.fake.envelopes()} == {"pending"}
    assert credits_before - emulator.fake.credits() == 60
    with out_file.open(newline="") as fh:
        assert len(fh.read().splitlines()) == 61  # the header and one row per manifest row
    rows = results(out_file)
    assert {r["status"] for r in rows} <= {"sent", "already_sent"}
    assert sorted(r["key"] for r in rows) == sorted(f"k{i}" for i in range(60))
    assert [int(r["line"]) for r in rows] == list(range(2, 62))  # whole rows, in line order


def test_ctrl_c_then_rerun_sends_the_rest_once(
    subprocess_cli: SubprocessCLI, emulator: Emulator, tmp_path: Path
) -> None:
    def ctrl_c(proc: Popen[str]) -> None:
        proc.send_signal(signal.SIGINT)

    out_file, before, err = _interrupt_mid_run(subprocess_cli, emulator, tmp_path, ctrl_c)
    assert "interrupted" in err
    assert 5 <= len(results(out_file)) < 60

    rerun = subprocess_cli("bulk-send", "big.csv", "--concurrency", "8")
    assert rerun.code == 0, rerun.err
    assert "resuming:" in rerun.err
    _assert_all_sent_once(emulator, out_file, before)


def test_hard_kill_then_rerun_sends_the_rest_once(
    subprocess_cli: SubprocessCLI, emulator: Emulator, tmp_path: Path
) -> None:
    def kill(proc: Popen[str]) -> None:
        proc.kill()  # SIGKILL: no handler runs, sends in flight may or may not have gone out

    out_file, before, _ = _interrupt_mid_run(subprocess_cli, emulator, tmp_path, kill)
    # A kill during a write leaves a torn last row; this one stops inside a quoted field and
    # inside a UTF-8 character, the worst case for a CSV reader and for the next append.
    with out_file.open("ab") as fh:
        fh.write(b'7,k7,failed,,,"503: Service Unavailable, caf\xc3')

    rerun = subprocess_cli("bulk-send", "big.csv", "--concurrency", "8")
    assert rerun.code == 0, rerun.err
    assert "dropped the partial last row of big.results.csv" in rerun.err
    assert "resuming:" in rerun.err
    _assert_all_sent_once(emulator, out_file, before)
