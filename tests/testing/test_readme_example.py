"""The README's "Use it in your own tests" example, run exactly as written (asyncio and trio)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from atlas_async.testing import FakeAtlas, ManualClock

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> dict[str, Any]:
    text = README.read_text()
    section = text[text.index("### Use it in your own tests") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), str(README), "exec"), namespace)
    return namespace


@pytest.mark.anyio
async def test_readme_example_runs() -> None:
    example = _example()
    await example["test_contract_gets_signed"](FakeAtlas(clock=ManualClock(), detection_delay=2.0))
