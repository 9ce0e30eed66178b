"""`make demo` runs examples/demo.py: both modes are exercised here.

The emulator mode runs exactly as `make demo` does. The live mode (ATLAS_API_KEY + ATLAS_BASE_URL)
runs against the emulator served on a 127.0.0.1 port, with this test playing the human signers.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import anyio
import pytest
from pypdf import PdfReader

from atlas_async.testing import FakeAtlas

pytestmark = pytest.mark.anyio

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"


def _load_demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("atlas_demo", DEMO)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["atlas_demo"] = module
    spec.loader.exec_module(module)
    return module


async def test_demo_against_the_embedded_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ATLAS_API_KEY", raising=False)
    monkeypatch.delenv("ATLAS_BASE_URL", raising=False)
    lines: list[str] = []
    out = tmp_path / "signed.pdf"
    path = await _load_demo().main(["--out", str(out)], write=lines.append)
    assert path == out
    steps = [line.split("]", 1)[1].split()[0] for line in lines]
    assert steps == [
        "emulator",
        "create",
        "fields",
        "send",
        "sign",
        "sign",
        "signed",
        "download",
        "credits",
    ]
    envelope_ids = {line.split("envelope ")[1].split()[0] for line in lines if "envelope " in line}
    assert len(envelope_ids) == 1  # every step names the same envelope
    reader = PdfReader(str(out))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Jane Doe" in text
    assert "Sam Roe" in text


async def test_demo_against_a_live_server_waits_for_real_signers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeAtlas(detection_delay=0.2)
    async with fake.serve() as url:
        monkeypatch.setenv("ATLAS_API_KEY", fake.api_key)
        monkeypatch.setenv("ATLAS_BASE_URL", url)
        monkeypatch.setenv("ATLAS_DEMO_SIGNERS", "Ann <ann@example.com>, Bob <bob@example.com>")
        monkeypatch.setenv("ATLAS_DEMO_TIMEOUT", "30")
        lines: list[str] = []
        waiting = anyio.Event()

        def write(line: str) -> None:
            lines.append(line)
            if " wait " in line:
                waiting.set()

        async def humans() -> None:
            await waiting.wait()
            eid = fake.envelopes()[0]["envelope_id"]
            await fake.sign(eid, email="ann@example.com")
            await fake.sign(eid, email="bob@example.com")

        out = tmp_path / "live.pdf"
        async with anyio.create_task_group() as tg:
            tg.start_soon(humans)
            with anyio.fail_after(60):
                await _load_demo().main(["--out", str(out)], write=write)
    assert [line.split("]", 1)[1].split()[0] for line in lines] == [
        "server",
        "create",
        "fields",
        "send",
        "wait",
        "signed",
        "download",
    ]
    assert out.read_bytes() == fake.signed_pdf(fake.envelopes()[0]["envelope_id"])
