"""examples/bulk_send.py runs as documented and shows exactly-once under faults."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bulk_send.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bulk_send_example", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.anyio
async def test_bulk_example_against_the_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATLAS_API_KEY", raising=False)
    monkeypatch.delenv("ATLAS_BASE_URL", raising=False)
    lines: list[str] = []
    code = await load().main(["--count", "40", "--faults", "0.2"], write=lines.append)
    assert code == 0
    text = "\n".join(lines)
    assert "sent 40, already sent 0, failed 0, not attempted 0; 40 credit(s)" in text
    assert "sent 0, already sent 40, failed 0, not attempted 0; 0 credit(s)" in text
    assert "server: 40 envelope(s), 40 credit(s) spent, 40 distinct key(s)" in text
    assert re.search(r"; [1-9]\d* rate-limit pause", text)  # the 429s really happened
    assert "ATLAS_API_KEY" not in os.environ
