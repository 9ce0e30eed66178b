"""The README's example, run as a user runs it: copied into a file and run with ``python``.

The emulator is served on 127.0.0.1 and the script configures itself from ATLAS_API_KEY /
ATLAS_BASE_URL. Nobody signs at the emulator unless told to, so the test signs the envelope once
the script has sent it, as the README tells the reader to. The same file must pass mypy --strict.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from atlas_async.testing import FakeAtlas

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
QUICKSTART = ROOT / "docs" / "quickstart.md"


def readme_example() -> str:
    examples = re.findall(r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), re.M | re.S)
    # The README's examples are not run by the docs test: more than one belongs in docs/ instead.
    assert len(examples) == 1, "the README holds one example; put the others in docs/"
    return str(examples[0])


def test_the_example_is_the_quickstarts() -> None:
    """One example, not two drifting copies: docs/quickstart.md shows the same script."""
    assert f"```python\n{readme_example()}```" in QUICKSTART.read_text(encoding="utf-8")


def test_the_example_is_a_short_script() -> None:
    code = readme_example()
    compile(code, str(README), "exec")  # a SyntaxError here: top-level await, notebook-only code
    assert len(code.strip().splitlines()) <= 20
    assert "SAMPLE_PDF" in code  # runs as written: no contract.pdf that the reader does not have


async def _sent_envelope(emulator: FakeAtlas) -> str:
    """The id of the envelope the script sent, once it is out for signing (the caller bounds it)."""
    while True:
        pending = [env for env in emulator.envelopes() if env["status"] == "pending"]
        if pending:
            return str(pending[0]["envelope_id"])
        await anyio.sleep(0.05)


@pytest.mark.anyio
async def test_the_example_runs_as_a_script(tmp_path: Path) -> None:
    script = tmp_path / "first_signature.py"
    script.write_text(readme_example(), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
    emulator = FakeAtlas(detection_delay=0.1)
    with (tmp_path / "output.txt").open("wb") as output:
        async with emulator.serve() as url:
            env.update(ATLAS_BASE_URL=url, ATLAS_API_KEY=emulator.api_key)
            async with await anyio.open_process(
                [sys.executable, str(script)],
                cwd=tmp_path,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            ) as process:
                try:
                    with anyio.fail_after(60):
                        envelope_id = await _sent_envelope(emulator)
                        await emulator.sign(envelope_id)  # as Jane
                        returncode = await process.wait()
                finally:
                    if process.returncode is None:
                        process.kill()
    printed = (tmp_path / "output.txt").read_text()
    assert returncode == 0, printed
    assert f"Envelope {envelope_id} is out" in printed
    assert (tmp_path / "signed.pdf").read_bytes().startswith(b"%PDF-")
    assert emulator.envelope(envelope_id)["status"] == "signed"
    assert emulator.credits() == 4


def test_the_example_passes_mypy_strict(tmp_path: Path) -> None:
    script = tmp_path / "first_signature.py"
    script.write_text(readme_example(), encoding="utf-8")
    # From the repository root: mypy reuses the cache `make check` left, so this takes seconds.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
