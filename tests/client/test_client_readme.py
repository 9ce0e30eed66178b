"""The README's opening snippet and its "Using the client" examples, run against the emulator.

The emulator is served on 127.0.0.1 and the examples configure themselves from ATLAS_API_KEY /
ATLAS_BASE_URL exactly as a user's code would. A bot plays the signers. Each ``python`` block runs
as the body of an async function, in order, in a folder holding contract.pdf and contract.docx.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

import anyio
import pytest

from atlas_async.samples import SAMPLE_DOCX, SAMPLE_PDF
from atlas_async.testing import FakeAtlas

pytestmark = pytest.mark.anyio

README = Path(__file__).resolve().parents[2] / "README.md"


def client_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- section: client -->")
    end = text.index("<!-- section:", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start:end], flags=re.DOTALL)


def intro_block() -> str:
    """The snippet at the very top of the README, before "## Set-up": the first code anyone reads."""
    text = README.read_text(encoding="utf-8")
    head = text[: text.index("\n## Set-up")]
    [block] = re.findall(r"```python\n(.*?)```", head, flags=re.DOTALL)
    return block


def test_the_section_has_examples() -> None:
    assert len(client_blocks()) >= 8


async def _run_block(code: str) -> None:
    namespace: dict[str, Any] = {}
    source = "async def __readme_block():\n" + textwrap.indent(code, "    ") + "\n    pass\n"
    exec(compile(source, str(README), "exec"), namespace)
    await namespace["__readme_block"]()


async def _signer_bot(fake: FakeAtlas, stop: anyio.Event) -> None:
    """Signs, as each party in turn, every envelope of the default org that is out for signing."""
    while not stop.is_set():
        for env in fake.envelopes():
            if env["status"] == "pending":
                await fake.sign(env["envelope_id"])
        with anyio.move_on_after(0.05):
            await stop.wait()


async def test_readme_examples_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    shutil.copy(SAMPLE_PDF, tmp_path / "contract.pdf")
    shutil.copy(SAMPLE_DOCX, tmp_path / "contract.docx")
    monkeypatch.chdir(tmp_path)
    fake = FakeAtlas(detection_delay=0.1)
    fake.add_document("https://example.com/contract.pdf", SAMPLE_PDF.read_bytes())
    platform = fake.create_org(platform=True, credits=5)
    stop = anyio.Event()
    async with fake.serve() as url, anyio.create_task_group() as tg:
        monkeypatch.setenv("ATLAS_BASE_URL", url)
        monkeypatch.delenv("ATLAS_ACCOUNT", raising=False)
        tg.start_soon(_signer_bot, fake, stop)
        try:
            for code in [intro_block(), *client_blocks()]:
                key = platform.platform_key if "# needs: a platform key" in code else fake.api_key
                assert key is not None
                monkeypatch.setenv("ATLAS_API_KEY", key)
                with anyio.fail_after(60):
                    await _run_block(code)
        finally:
            stop.set()
    out = capsys.readouterr().out
    assert "neither a PDF nor a DOCX" in out
    assert "404 not_found" in out
    assert (tmp_path / "signed.pdf").read_bytes().startswith(b"%PDF-")
