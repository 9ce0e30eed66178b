"""Each benchmark still runs (``python -m benchmarks --quick``): tiny sizes, one round.

Benchmarks are not timed tests: nothing here checks a number, only that every figure runs to
the end against the current code and produces its section of RESULTS.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.__main__ import _runner, main
from benchmarks._common import FIGURES, Options, Section

QUICK = Options(quick=True, rounds=1, max_n=50, timeout=60.0)


@pytest.mark.slow
@pytest.mark.parametrize("figure", FIGURES)
def test_each_figure_runs_and_reports(figure: str) -> None:
    section = _runner(figure)(QUICK)
    assert isinstance(section, Section)
    assert section.key == figure
    assert section.headline
    assert any(line.startswith("|") for line in section.lines)


@pytest.mark.slow
def test_the_command_line_writes_the_results_file(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    # Two of the quickest figures: each figure's own run is the test above.
    argv = ["--quick", "--rounds", "1", "--only", "port", "--only", "cheap", "--output", str(out)]
    assert main(argv) == 0
    text = out.read_text()
    assert "## Machine" in text
    assert "## 4. Cheap calls" in text
    assert "## 6. The emulator on a port" in text
    assert "load" in text


def test_bad_options_are_refused() -> None:
    with pytest.raises(SystemExit):
        main(["--rounds", "0", "--no-write"])


@pytest.mark.anyio
async def test_the_cheap_call_diagnosis_still_switches_every_layer_off() -> None:
    # It patches private names of the SDK: one renamed away shows here as missing, not as a
    # diagnosis that quietly measures the SDK as shipped twice.
    from benchmarks.cheap_diagnosis import CONTENDERS, SWITCHES, measure, report

    result = await measure(3, 2)
    assert result["missing"] == []
    assert all(len(result["per_call"][name]) == 2 for name in CONTENDERS)
    lines = report(result, 3, 2, "test")
    assert all(any(line.startswith(f"| {name} |") for line in lines) for name in SWITCHES)
    assert set(result["alone"]) >= {"typed model: Envelope.from_dict"}
