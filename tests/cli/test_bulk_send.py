"""``atlas-async bulk-send``: progress, results CSV, bad rows by line, 402, Ctrl-C and resume."""

from __future__ import annotations

import csv
import json
import signal
import time
from collections import Counter
from pathlib import Path

import anyio

from atlas_async import Atlas

from .conftest import CLI, PDF, Emulator


def manifest(
    path: Path, rows: int, *, bad: dict[int, str] | None = None, prefix: str = "r"
) -> Path:
    """``rows`` good rows (keyed prefix0...), with bad rows inserted at the given line numbers."""
    lines = ["key,document,signers,metadata"]
    good = iter(range(rows))
    bad = bad or {}
    while True:
        line_no = len(lines) + 1
        if line_no in bad:
            lines.append(bad[line_no])
            continue
        i = next(good, None)
        if i is None:
            break
        lines.append(f"{prefix}{i},contract.pdf,s{i}@example.com:Signer {i}:Signer,batch=b;i={i}")
    path.write_text("\n".join(lines) + "\n")
    return path


def results(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def server_keys(emulator: Emulator) -> Counter[str]:
    return Counter(str(e["metadata"]["external_id"]) for e in emulator.fake.envelopes())


def test_bad_rows_402_then_resume(cli: CLI, emulator: Emulator, tmp_path: Path) -> None:
    bad = {
        4: "bad-doc,missing.pdf,x@example.com,",
        9: "bad-signer,contract.pdf,not-an-email,",
        12: "bad-meta,contract.pdf,y@example.com,{oops",
    }
    manifest(tmp_path / "batch.csv", 30, bad=bad)
    emulator.fake.set_credits(12)

    first = cli("bulk-send", "batch.csv", "--concurrency", "3", "--retry-delay", "0.01")
    assert first.code == 6, first.err  # stopped by 402
    assert "batch.csv: line 4: document 'missing.pdf' not found" in first.err
    assert "line 9: signer 'not-an-email'" in first.err
    assert "line 12: metadata: invalid JSON" in first.err
    assert "[1/30] line " in first.err  # plain progress when stderr is not a terminal
    assert "insufficient_credits" in first.out
    rows = results(tmp_path / "batch.results.csv")
    states = Counter(r["status"] for r in rows)
    assert states["invalid"] == 3
    assert states["sent"] == 12
    assert {r["line"] for r in rows if r["status"] == "invalid"} == {"4", "9", "12"}
    assert emulator.fake.credits() == 0

    emulator.fake.set_credits(100)
    second = cli("bulk-send", "batch.csv", "--concurrency", "3", "--json")
    assert second.code == 14  # everything sent now, but the 3 bad rows are still bad
    summary = json.loads(second.out)
    assert (summary["sent"], summary["already_sent"], summary["invalid"]) == (18, 12, 3)
    # --json: no progress lines; each bad row is one JSON object on stderr
    bad_rows = [json.loads(line)["invalid_row"] for line in second.err.splitlines()]
    assert [row["line"] for row in bad_rows] == [4, 9, 12]
    assert bad_rows[0]["key"] == "bad-doc"

    third = cli("bulk-send", "batch.csv", "--json")
    assert json.loads(third.out)["already_sent"] == 30
    assert json.loads(third.out)["sent"] == 0

    keys = server_keys(emulator)
    assert len(keys) == 30
    assert set(keys.values()) == {1}
    assert emulator.fake.credits() == 100 - 18


def test_ctrl_c_then_rerun_sends_the_rest_once(
    cli: CLI, emulator: Emulator, tmp_path: Path
) -> None:
    manifest(tmp_path / "big.csv", 60, prefix="k")
    # Slow sends so the run is surely mid-way when interrupted.
    emulator.fake.faults.add("latency", "POST /api/envelope/{id}/send", seconds=0.1, count=None)
    before = emulator.fake.credits()
    proc = cli.popen("bulk-send", "big.csv", "--concurrency", "2")
    out_file = tmp_path / "big.results.csv"
    deadline = time.monotonic() + 60
    while not (out_file.exists() and len(results(out_file)) >= 5):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    done_first = len(results(out_file))
    assert 5 <= done_first < 60

    emulator.fake.faults.clear()
    rerun = cli("bulk-send", "big.csv", "--concurrency", "8", "--progress", "rich")
    assert rerun.code == 0, rerun.err
    assert "resuming:" in rerun.err
    for column in ("bulk-send", "sent", "failed", "env/s", "ETA"):
        assert column in rerun.err
    assert "\x1b[" in rerun.err  # the live (rich) bar, forced on although not a terminal
    keys = server_keys(emulator)
    assert len(keys) == 60
    assert set(keys.values()) == {1}
    assert {e["status"] for e in emulator.fake.envelopes()} == {"pending"}
    assert before - emulator.fake.credits() == 60
    final = {r["key"]: r["status"] for r in results(out_file)}
    assert set(final.values()) <= {"sent", "already_sent"}
    assert len(final) == 60


def test_hard_kill_then_rerun_sends_the_rest_once(
    cli: CLI, emulator: Emulator, tmp_path: Path
) -> None:
    manifest(tmp_path / "big.csv", 60, prefix="k")
    emulator.fake.faults.add("latency", "POST /api/envelope/{id}/send", seconds=0.1, count=None)
    before = emulator.fake.credits()
    proc = cli.popen("bulk-send", "big.csv", "--concurrency", "4")
    out_file = tmp_path / "big.results.csv"
    deadline = time.monotonic() + 60
    while not (out_file.exists() and len(results(out_file)) >= 5):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.kill()  # SIGKILL: no handler runs, sends in flight may or may not have gone out
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    # A kill during a write leaves a torn last row; this one stops inside a quoted field and
    # inside a UTF-8 character, the worst case for a CSV reader and for the next append.
    with out_file.open("ab") as fh:
        fh.write(b'7,k7,failed,,,"503: Service Unavailable, caf\xc3')

    emulator.fake.faults.clear()
    rerun = cli("bulk-send", "big.csv", "--concurrency", "8")
    assert rerun.code == 0, rerun.err
    assert "dropped the partial last row of big.results.csv" in rerun.err
    assert "resuming:" in rerun.err
    keys = server_keys(emulator)
    assert len(keys) == 60
    assert set(keys.values()) == {1}
    assert before - emulator.fake.credits() == 60
    rows = results(out_file)
    assert all(r["status"] in {"sent", "already_sent"} for r in rows)
    assert {r["key"] for r in rows} == {f"k{i}" for i in range(60)}


def test_unusable_manifest_is_a_usage_error(cli: CLI, tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("key,document\nx,contract.pdf\n")
    result = cli("bulk-send", "m.csv")
    assert result.code == 2
    assert "signers column" in result.err
    assert not (tmp_path / "m.results.csv").exists()


def test_template_rows(cli: CLI, emulator: Emulator, tmp_path: Path) -> None:
    async def upload() -> tuple[str, str]:
        async with Atlas(api_key=emulator.api_key, base_url=emulator.url) as atlas:
            fields = [{"type": "signature", "page": 1, "x_pct": 0.1, "y_pct": 0.8,
                       "w_pct": 0.3, "h_pct": 0.05}]  # fmt: skip
            tmpl = await atlas.templates.upload("NDA", PDF, fields=fields)
            return str(tmpl.template_id), str(tmpl.roles[0])

    template_id, role = anyio.run(upload)
    lines = ["template_id,signers,metadata,webhook_url"]
    lines += [f"{template_id},t{i}@example.com:T {i}:{role},n={i}," for i in range(6)]
    (tmp_path / "nda.csv").write_text("\n".join(lines) + "\n")

    first = cli("bulk-send", "nda.csv", "--json")
    assert first.code == 0, first.err
    assert json.loads(first.out)["sent"] == 6
    again = cli("bulk-send", "nda.csv", "--json", "--results", "elsewhere.csv")
    # A fresh results file knows nothing, but the external_id look-up does: nothing twice.
    assert json.loads(again.out)["already_sent"] == 6
    assert len(server_keys(emulator)) == 6
    assert {e["status"] for e in emulator.fake.envelopes()} == {"pending"}


def test_rerun_without_lookup_reports_replays_as_already_sent(
    cli: CLI, emulator: Emulator, tmp_path: Path
) -> None:
    manifest(tmp_path / "m.csv", 4, prefix="nl")
    credits = emulator.fake.credits()
    first = cli("bulk-send", "m.csv", "--no-lookup", "--json")
    assert first.code == 0, first.err
    assert (json.loads(first.out)["sent"], json.loads(first.out)["credits_spent"]) == (4, 4)
    # A fresh results file and no look-up: only the idempotency keys remember run 1, and the
    # server's replays (Idempotency-Replayed: true) are recorded as such, not as new sends.
    again = cli("bulk-send", "m.csv", "--no-lookup", "--json", "--results", "again.csv")
    assert again.code == 0, again.err
    summary = json.loads(again.out)
    assert (summary["sent"], summary["already_sent"], summary["credits_spent"]) == (0, 4, 0)
    assert {r["status"] for r in results(tmp_path / "again.csv")} == {"already_sent"}
    assert emulator.fake.credits() == credits - 4
