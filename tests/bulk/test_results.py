"""ResultsLog: a batch resumable from a CSV file, one row per item, whole after a crash."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import anyio.from_thread
import pytest

from atlas_async import Atlas, Party
from atlas_async.bulk import (
    BulkItem,
    BulkOutcome,
    InvalidRow,
    ResultRow,
    ResultsLog,
    derive_key,
    send_all,
)
from atlas_async.testing import FakeAtlas

from .conftest import FAST, PDF, items

BULK_DOCS = Path(__file__).resolve().parents[2] / "docs" / "bulk.md"
HEADER = "line,key,status,envelope_id,envelope_status,error,attempts,at"


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def item(n: int, *, key: str | None = None, tag: object = None) -> BulkItem:
    party = Party(email=f"s{n}@example.com", name=f"S {n}", role="Signer")
    return BulkItem(document=PDF + f"% {n}\n".encode(), parties=[party], key=key, tag=tag)


@pytest.mark.anyio
async def test_a_402_stop_then_resume_keeps_one_row_per_item(
    fake: FakeAtlas, atlas: Atlas, tmp_path: Path
) -> None:
    batch = items(10)
    path = tmp_path / "batch.results.csv"
    fake.set_credits(4)
    with ResultsLog.open(path) as log:
        assert log.done_keys() == frozenset()
        first = await send_all(
            atlas,
            batch,
            concurrency=2,
            retry=FAST,
            skip_keys=log.done_keys(),
            on_outcome=log.record,
        )
    assert first.stopped_reason == "insufficient_credits"
    assert first.sent == 4
    rows = csv_rows(path)
    assert len(rows) == 10
    # Every item keeps its key, the ones the 402 stopped before they started included, and the
    # line is the item's 1-based place in the input (the items carry no int tag).
    keys = [await derive_key(i) for i in batch]
    assert [(int(r["line"]), r["key"]) for r in rows] == list(enumerate(keys, start=1))
    assert {r["status"] for r in rows} <= {"sent", "failed", "not_attempted"}
    assert any(r["status"] == "not_attempted" for r in rows)

    fake.set_credits(100)
    with ResultsLog.open(path) as log:
        assert len(log.done_keys()) == 4
        second = await send_all(
            atlas, batch, retry=FAST, skip_keys=log.done_keys(), on_outcome=log.record
        )
        assert all(row.done for row in log.rows())
    assert (second.sent, second.already_sent) == (6, 4)
    assert len(lines(path)) == 11  # the header and one row per item, not 10 + 10
    rows = csv_rows(path)
    assert {r["status"] for r in rows} == {"sent"}  # the first run's rows kept their envelope
    assert all(r["envelope_id"] for r in rows)
    assert len(fake.envelopes()) == 10


def test_a_torn_last_row_is_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(
        (HEADER + "\r\n2,a,sent,env-a,pending,,2,t\r\n3,b,failed,,,boom,8,t\r\n").encode()
        + b'4,c,failed,,,"503: Service Unavailable, caf\xc3'  # a kill mid-write
    )
    with ResultsLog.open(path) as log:
        assert log.dropped_torn_row
        assert [(r.line, r.key, r.status) for r in log.rows()] == [
            (2, "a", "sent"),
            (3, "b", "failed"),
        ]
        assert log.done_keys() == {"a"}
    assert lines(path) == [HEADER, "2,a,sent,env-a,pending,,2,t", "3,b,failed,,,boom,8,t"]
    with ResultsLog.open(path) as again:
        assert not again.dropped_torn_row


def test_a_torn_header_starts_a_fresh_file(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER[:10])  # killed while writing the header of a new file
    with ResultsLog.open(path) as log:
        assert log.dropped_torn_row
        assert log.rows() == []
    assert lines(path) == [HEADER]


@pytest.mark.parametrize("content", ["key,document,signers\nx,a.pdf,a@example.com\n", "hello"])
def test_a_file_that_is_not_a_results_file_is_refused_and_left_alone(
    tmp_path: Path, content: str
) -> None:
    path = tmp_path / "manifest.csv"
    path.write_text(content)
    with pytest.raises(ValueError, match="is not a bulk results file"):
        ResultsLog.open(path)
    assert path.read_text() == content
    assert names(tmp_path) == ["manifest.csv"]


def outcome(index: int, status: str, **kwargs: object) -> BulkOutcome:
    return BulkOutcome(index, item(index), status, **kwargs)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_a_row_that_went_out_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    with ResultsLog.open(path) as log:
        await log.record(outcome(0, "sent", key="k0", envelope_id="env-0", attempts=2))
        # What a re-run reports for a skipped key: nothing new, so nothing is written.
        await log.record(outcome(0, "already_sent", key="k0"))
        await log.record(outcome(1, "failed", key="k1", error=RuntimeError("503:\n  retry")))
        await log.record(outcome(1, "sent", key="k1", envelope_id="env-1"))
    with ResultsLog.open(path) as log:
        rows = log.rows()
    assert [(r.key, r.status, r.envelope_id, r.error) for r in rows] == [
        ("k0", "sent", "env-0", None),
        ("k1", "sent", "env-1", None),
    ]
    assert [r["attempts"] for r in csv_rows(path)] == ["2", "0"]


@pytest.mark.anyio
async def test_a_fixed_manifest_row_replaces_its_invalid_row(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    with ResultsLog.open(path) as log:
        log.record_invalid(InvalidRow(7, "signer 'x': 'x' is not an email address"))
        log.record_invalid(InvalidRow(9, "document 'a.pdf' not found", key="k9"))
    with ResultsLog.open(path) as log:
        assert [r.status for r in log.rows()] == ["invalid", "invalid"]
        fixed = BulkOutcome(0, item(0, tag=7), "sent", key="b-derived", envelope_id="env")
        await log.record(fixed)
        await log.record(BulkOutcome(1, item(1, key="k9", tag=9), "sent", key="k9"))
    with ResultsLog.open(path) as log:
        rows = log.rows()
    assert [(r.line, r.key, r.status) for r in rows] == [
        (7, "b-derived", "sent"),
        (9, "k9", "sent"),
    ]


@pytest.mark.anyio
async def test_a_crash_during_the_rewrite_loses_no_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.csv"
    with ResultsLog.open(path) as log:
        for i in range(3):
            await log.record(outcome(i, "failed", key=f"k{i}", error=ValueError("503")))
    log = ResultsLog.open(path)
    for i in range(3):
        await log.record(outcome(i, "sent", key=f"k{i}", envelope_id=f"env-{i}"))

    def crash(*args: object) -> None:
        raise OSError("disk full")

    import atlas_async.bulk._results as module

    monkeypatch.setattr(module.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        log.close()  # the rewrite never replaced the file: it still holds every appended row
    monkeypatch.undo()
    assert len(lines(path)) == 1 + 3 + 3
    with ResultsLog.open(path) as again:  # reading merges them: the latest row per item
        assert [(r.key, r.status) for r in again.rows()] == [
            ("k0", "sent"),
            ("k1", "sent"),
            ("k2", "sent"),
        ]
    assert len(lines(path)) == 1 + 3
    assert names(tmp_path) == ["r.csv"]  # no temporary file left behind


@pytest.mark.anyio
async def test_recording_into_a_closed_log_is_an_error(tmp_path: Path) -> None:
    log = ResultsLog.open(tmp_path / "r.csv")
    log.close()
    log.close()  # twice is fine
    with pytest.raises(ValueError, match="closed"):
        await log.record(outcome(0, "sent", key="k"))
    assert "0 row(s), closed" in repr(log)
    assert ResultRow(line=1, key="k", status="already_sent").done


def docs_example() -> str:
    """The bulk page's ResultsLog example (its one block that uses it)."""
    text = BULK_DOCS.read_text(encoding="utf-8")
    [block] = [b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "ResultsLog" in b]
    return block


def test_the_docs_example_resumes_after_a_top_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Run as a user runs it: a script on its own (anyio.run at the top), configured by the
    # environment, against the emulator on 127.0.0.1 with its default 5 credits.
    code = compile(docs_example(), str(BULK_DOCS), "exec")
    fake = FakeAtlas(detection_delay=0)
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.startswith("ATLAS_")]:
        monkeypatch.delenv(name)
    with (
        anyio.from_thread.start_blocking_portal() as portal,
        portal.wrap_async_context_manager(fake.serve()) as url,
    ):
        monkeypatch.setenv("ATLAS_BASE_URL", url)
        monkeypatch.setenv("ATLAS_API_KEY", fake.api_key)
        exec(code, {"__name__": "__main__"})
        assert capsys.readouterr().out.splitlines() == [
            "sent 5, already sent 0",
            "out of credits: top up, then run this again; it picks up where it stopped",
        ]
        fake.set_credits(100)
        exec(code, {"__name__": "__main__"})
        assert capsys.readouterr().out.splitlines() == ["sent 15, already sent 5"]
    rows = csv_rows(tmp_path / "renewals.results.csv")
    assert [r["key"] for r in rows] == [f"renewal-2026-{i}" for i in range(20)]
    assert {r["status"] for r in rows} == {"sent"}
    assert len(fake.envelopes()) == 20
    assert fake.credits() == 100 - 15
