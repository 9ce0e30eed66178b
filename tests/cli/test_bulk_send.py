"""``atlas-async bulk-send`` in process: progress, results CSV, bad rows by line, 402 and resume.

Interrupting a run (SIGINT, SIGKILL) needs a real process: see test_smoke.py.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import anyio

from atlas_async import Atlas
from atlas_async.bulk import ManifestRow, derive_key, read_manifest

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
    out_file = tmp_path / "batch.results.csv"

    first = cli("bulk-send", "batch.csv", "--concurrency", "3", "--retry-delay", "0.01")
    assert first.code == 6, first.err  # stopped by 402
    assert "batch.csv: line 4: document 'missing.pdf' not found" in first.err
    assert "line 9: signer 'not-an-email'" in first.err
    assert "line 12: metadata: invalid JSON" in first.err
    assert "[1/30] line " in first.err  # plain progress when stderr is not a terminal
    summary_line, next_step = first.out.strip().splitlines()
    assert "stopped: insufficient_credits" in summary_line
    assert next_step == (
        "out of credits: top up the account, then run the same command again; it resumes "
        "where this run stopped and sends nothing twice"
    )
    rows = results(out_file)
    states = Counter(r["status"] for r in rows)
    assert states["invalid"] == 3
    assert states["sent"] == 12
    assert {r["line"] for r in rows if r["status"] == "invalid"} == {"4", "9", "12"}
    assert emulator.fake.credits() == 0
    # One row per manifest row, in line order, and every item keeps its key: the rows the
    # 402 stopped (not attempted, or failed on it) included.
    assert len(rows) == 33
    assert [int(r["line"]) for r in rows] == sorted(int(r["line"]) for r in rows)
    manifest_keys = {
        r.line: r.item.key if isinstance(r, ManifestRow) else r.key
        for r in read_manifest(tmp_path / "batch.csv")
    }
    assert {int(r["line"]): r["key"] for r in rows} == manifest_keys
    assert states["not_attempted"] + states["failed"] == 18

    emulator.fake.set_credits(100)
    second = cli("bulk-send", "batch.csv", "--concurrency", "3", "--json")
    assert second.code == 14  # everything sent now, but the 3 bad rows are still bad
    summary = json.loads(second.out)
    assert (summary["sent"], summary["already_sent"], summary["invalid"]) == (18, 12, 3)
    assert summary["next_step"] is None
    # --json: no progress lines; each bad row is one JSON object on stderr
    bad_rows = [json.loads(line)["invalid_row"] for line in second.err.splitlines()]
    assert [row["line"] for row in bad_rows] == [4, 9, 12]
    assert bad_rows[0]["key"] == "bad-doc"
    rows = results(out_file)
    assert len(rows) == 33  # still one row per item after the resume, not 33 + 30
    assert Counter(r["status"] for r in rows) == {"sent": 30, "invalid": 3}

    third = cli("bulk-send", "batch.csv", "--json")
    assert json.loads(third.out)["already_sent"] == 30
    assert json.loads(third.out)["sent"] == 0
    assert len(results(out_file)) == 33

    keys = server_keys(emulator)
    assert len(keys) == 30
    assert set(keys.values()) == {1}
    assert emulator.fake.credits() == 100 - 18


def test_a_not_attempted_row_keeps_its_derived_key(
    cli: CLI, emulator: Emulator, tmp_path: Path
) -> None:
    # No key column: the key of each row is derived from its content, as the engine derives it.
    lines = ["document,signers"] + [f"contract.pdf,s{i}@example.com" for i in range(6)]
    (tmp_path / "m.csv").write_text("\n".join(lines) + "\n")
    emulator.fake.set_credits(2)
    first = cli("bulk-send", "m.csv", "--concurrency", "1", "--json")
    assert first.code == 6, first.err
    rows = results(tmp_path / "m.results.csv")
    assert len(rows) == 6

    async def expected() -> dict[int, str]:
        rows = [r for r in read_manifest(tmp_path / "m.csv") if isinstance(r, ManifestRow)]
        return {row.line: await derive_key(row.item) for row in rows}

    keys = anyio.run(expected)
    assert {int(r["line"]): r["key"] for r in rows} == keys
    assert Counter(r["status"] for r in rows)["not_attempted"] >= 3

    emulator.fake.set_credits(10)
    again = cli("bulk-send", "m.csv", "--json")
    assert again.code == 0, again.err
    assert (json.loads(again.out)["sent"], json.loads(again.out)["already_sent"]) == (4, 2)
    rows = results(tmp_path / "m.results.csv")
    assert {int(r["line"]): r["key"] for r in rows} == keys
    assert {r["status"] for r in rows} == {"sent"}


def test_unusable_manifest_is_a_usage_error(cli: CLI, tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("key,document\nx,contract.pdf\n")
    result = cli("bulk-send", "m.csv")
    assert result.code == 2
    assert "signers column" in result.err
    assert not (tmp_path / "m.results.csv").exists()


def test_a_results_path_that_is_not_a_results_file_is_left_alone(
    cli: CLI, emulator: Emulator, tmp_path: Path
) -> None:
    manifest(tmp_path / "m.csv", 2)
    before = (tmp_path / "m.csv").read_bytes()
    result = cli("bulk-send", "m.csv", "--results", "m.csv")  # the manifest itself, by mistake
    assert result.code == 2
    assert "is not a bulk results file" in result.err
    assert (tmp_path / "m.csv").read_bytes() == before
    assert emulator.fake.envelopes() == []


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
    again = cli("bulk-send", "nda.csv", "--json", "--lookup", "--results", "elsewhere.csv")
    # A fresh results file knows nothing, but the external_id look-up does: nothing twice.
    assert json.loads(again.out)["already_sent"] == 6
    assert len(server_keys(emulator)) == 6
    assert {e["status"] for e in emulator.fake.envelopes()} == {"pending"}


def lookups(emulator: Emulator) -> int:
    return sum(1 for r in emulator.fake.requests if (r.method, r.path) == ("GET", "/api/envelopes"))


def test_the_lookup_runs_only_when_resuming_or_asked(
    cli: CLI, emulator: Emulator, tmp_path: Path
) -> None:
    manifest(tmp_path / "m.csv", 3, prefix="lk")
    first = cli("bulk-send", "m.csv", "--json")
    assert first.code == 0, first.err
    assert lookups(emulator) == 0  # a first run has nothing to find
    # Resuming (the results file has rows): the rows not recorded as sent are looked up.
    rows = results(tmp_path / "m.results.csv")
    (tmp_path / "m.results.csv").write_text(
        (tmp_path / "m.results.csv").read_text().splitlines()[0]
        + "\n"
        + "\n".join(",".join(r.values()) for r in rows[:1])
        + "\n"
    )
    again = cli("bulk-send", "m.csv", "--json")
    assert again.code == 0, again.err
    assert json.loads(again.out)["already_sent"] == 3
    assert lookups(emulator) == 2
    forced = cli("bulk-send", "m.csv", "--json", "--lookup", "--results", "other.csv")
    assert json.loads(forced.out)["already_sent"] == 3
    assert lookups(emulator) == 5
    skipped = cli("bulk-send", "m.csv", "--json", "--no-lookup", "--results", "third.csv")
    assert json.loads(skipped.out)["already_sent"] == 3
    assert lookups(emulator) == 5


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


def test_rich_progress_and_failed_rows_say_how_to_retry(
    cli: CLI, emulator: Emulator, tmp_path: Path
) -> None:
    manifest(tmp_path / "m.csv", 3, prefix="f")
    # Every create is refused (422 is not retried): each row fails, and the summary says what
    # a re-run does about it.
    emulator.fake.faults.add("status", "POST /api/envelope", status=422, count=None)
    result = cli("bulk-send", "m.csv", "--progress", "rich")
    assert result.code == 14, result.err
    for column in ("bulk-send", "sent", "failed", "env/s", "ETA"):
        assert column in result.err
    assert "\x1b[" in result.err  # the live (rich) bar, forced on although not a terminal
    assert result.out.strip().splitlines()[-1] == (
        "run the same command again to retry the 3 failed row(s)"
    )
    assert {r["status"] for r in results(tmp_path / "m.results.csv")} == {"failed"}
