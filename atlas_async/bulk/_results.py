"""A results log that makes a batch resumable: one CSV row per item, never lost to a crash.

.. code-block:: python

    with ResultsLog.open("batch.results.csv") as log:
        summary = await send_all(
            atlas, items, skip_keys=log.done_keys(), on_outcome=log.record
        )

Run the same code again after a crash, a Ctrl-C or a 402 and it picks up where the last run
stopped: the keys the log records as sent are skipped without a request, and the rest go through
the bulk engine's idempotency keys and external_id look-up, so nothing is sent twice.

How the file stays whole: while a batch runs, each outcome is appended as one physical line and
flushed as it lands, so a kill loses at most a half-written last line (cut off by the next
:meth:`ResultsLog.open`: that item's outcome is unknown, and sending it again is safe). Opening
and closing rewrite the file with one row per item, its latest state, sorted by line: the new
content goes to a temporary file in the same folder that is then renamed over the old one, so a
crash during the rewrite leaves the old file as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterable
from dataclasses import astuple, dataclass, fields, replace
from pathlib import Path
from typing import IO

from ._items import derive_key
from ._manifest import InvalidRow
from ._runner import BulkOutcome

__all__ = ["ResultRow", "ResultsLog"]

# Outcomes that got the item out: a re-run skips these keys.
_DONE = frozenset({"sent", "already_sent"})


@dataclass(frozen=True)
class ResultRow:
    """One item's latest state in a :class:`ResultsLog` (the CSV columns, in order)."""

    #: The item's ``tag`` when it is an int (the manifest line for :func:`read_manifest` rows),
    #: else its 1-based position in the input.
    line: int | None
    #: The item's bulk key (see :func:`derive_key`); empty only when it could not be derived.
    key: str | None
    #: ``sent``, ``already_sent``, ``failed``, ``not_attempted``, or ``invalid`` (a manifest row
    #: that could not become an item).
    status: str
    envelope_id: str | None = None
    envelope_status: str | None = None
    #: Why it failed, on one line.
    error: str | None = None
    #: Requests made for the item, retries included.
    attempts: int = 0
    #: When the row was recorded (UTC, ISO 8601).
    at: str = ""

    @property
    def done(self) -> bool:
        """True when the item went out (``sent`` or ``already_sent``)."""
        return self.status in _DONE


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(ResultRow))


def _identity(row: ResultRow, position: int) -> str:
    # The key names an item across runs; a row without one (an invalid manifest row, an item
    # whose key could not be derived) is known by its line, or failing that by its place.
    if row.key:
        return "key:" + row.key
    if row.line is not None:
        return f"line:{row.line}"
    return f"row:{position}"


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None


def _from_csv(record: dict[str, str | None]) -> ResultRow:
    return ResultRow(
        line=_int(record.get("line")),
        key=record.get("key") or None,
        status=record.get("status") or "",
        envelope_id=record.get("envelope_id") or None,
        envelope_status=record.get("envelope_status") or None,
        error=record.get("error") or None,
        attempts=_int(record.get("attempts")) or 0,
        at=record.get("at") or "",
    )


def _one_line(text: str) -> str:
    # One physical line per row: that is what lets open() tell a torn write from a whole row.
    return " ".join(text.split())


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class ResultsLog:
    """The results CSV of a batch: one row per item, resumable. Get one with :meth:`open`.

    Columns: ``line, key, status, envelope_id, envelope_status, error, attempts, at`` (see
    :class:`ResultRow`). Use it as a context manager, or call :meth:`close` when the batch ends.
    """

    def __init__(self, path: Path, rows: dict[str, ResultRow], *, torn: bool) -> None:
        # Use ResultsLog.open(path): it reads, repairs and compacts the file first.
        self.path = path
        #: True when :meth:`open` cut off a half-written last row (a run killed mid-write).
        self.dropped_torn_row = torn
        self._rows = rows
        self._fh: IO[str] | None = None
        self._writer: csv.DictWriter[str] | None = None
        self._dirty = False

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> ResultsLog:
        """Open (or create) the results file at ``path`` and read what earlier runs recorded.

        A half-written last row is dropped (see :attr:`dropped_torn_row`) and the file is
        rewritten with one row per item. Raises ValueError, leaving the file untouched, when
        ``path`` holds something that is not a results file (another CSV, say).
        """
        target = Path(path)
        raw = target.read_bytes() if target.exists() else b""
        end = raw.rfind(b"\n") + 1
        whole, torn = raw[:end], end < len(raw)
        header = ",".join(COLUMNS).encode()
        if whole:
            first = whole.split(b"\n", 1)[0].rstrip(b"\r")
            is_results = first == header
        else:  # empty, or killed while writing the header
            first = raw
            is_results = header.startswith(raw.rstrip(b"\r"))
        if not is_results:
            shown = first[:80].decode("utf-8", "replace")
            raise ValueError(
                f"{target} is not a bulk results file (its first line is {shown!r}, expected "
                f"{header.decode()!r}); give another path for the results"
            )
        rows: dict[str, ResultRow] = {}
        read = 0
        text = io.StringIO(whole.decode("utf-8", "replace"), newline="")
        for record in csv.DictReader(text):
            read += 1
            _merge(rows, _from_csv(record), read)
        log = cls(target, rows, torn=torn)
        if torn or not whole or read != len(rows):
            log._rewrite()
        log._open_for_append()
        return log

    # -- reading -------------------------------------------------------------------------------

    def done_keys(self) -> frozenset[str]:
        """Keys of the items that went out (``sent``/``already_sent``): pass as ``skip_keys=``."""
        return frozenset(row.key for row in self._rows.values() if row.done and row.key)

    def rows(self) -> list[ResultRow]:
        """Every item's latest row, sorted by line."""
        return _sorted(self._rows.values())

    # -- recording -----------------------------------------------------------------------------

    async def record(self, outcome: BulkOutcome) -> None:
        """Record one outcome (use as ``on_outcome=`` of :func:`send_all`).

        A row that already says the item went out is kept as it is (it names the envelope and
        when): the ``already_sent`` a re-run reports for a skipped key adds nothing. An item the
        batch did not reach keeps its key, so the next run can tell it apart.
        """
        key = outcome.key
        if key is None and outcome.status == "not_attempted":
            try:
                key = await derive_key(outcome.item)
            except (OSError, TypeError, ValueError):
                key = None  # an unreadable document: the row is then known by its line
        tag = outcome.item.tag
        line = tag if isinstance(tag, int) and not isinstance(tag, bool) else outcome.index + 1
        error = None
        if outcome.error is not None:
            error = str(outcome.error).strip() or type(outcome.error).__name__
        self._add(
            ResultRow(
                line=line,
                key=key,
                status=outcome.status,
                envelope_id=outcome.envelope_id,
                envelope_status=outcome.envelope_status,
                error=error,
                attempts=outcome.attempts,
            )
        )

    def record_invalid(self, row: InvalidRow) -> None:
        """Record a manifest row that could not become an item (status ``invalid``)."""
        self._add(ResultRow(line=row.line, key=row.key, status="invalid", error=row.message))

    def _add(self, row: ResultRow) -> None:
        if self._writer is None or self._fh is None:
            raise ValueError(f"the results log {self.path} is closed")
        row = replace(
            row,
            key=None if row.key is None else _one_line(row.key),  # an invalid row's raw cell
            error=None if row.error is None else _one_line(row.error),
            at=_now(),
        )
        # Every recorded row has a line, so the position (for rows with neither key nor line,
        # which only an edited file holds) is never used here.
        if not _merge(self._rows, row, 0):
            return
        self._writer.writerow(_csv_dict(row))
        self._fh.flush()
        self._dirty = True

    # -- closing -------------------------------------------------------------------------------

    def close(self) -> None:
        """Flush and close; the file is rewritten with one row per item. Safe to call twice."""
        if self._fh is None:
            return
        self._fh.close()
        self._fh = self._writer = None
        if self._dirty:
            self._rewrite()

    def __enter__(self) -> ResultsLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._fh is None else "open"
        return f"<ResultsLog {str(self.path)!r} {len(self._rows)} row(s), {state}>"

    # -- the file ------------------------------------------------------------------------------

    def _open_for_append(self) -> None:
        self._fh = self.path.open("a", newline="", encoding="utf-8")
        self._writer = csv.DictWriter(self._fh, COLUMNS)

    def _rewrite(self) -> None:
        """Replace the file with the merged rows, atomically (temporary file, fsync, rename)."""
        temp = self.path.with_name(self.path.name + ".tmp")
        try:
            with temp.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, COLUMNS)
                writer.writeheader()
                writer.writerows(_csv_dict(row) for row in _sorted(self._rows.values()))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, self.path)
        except BaseException:
            temp.unlink(missing_ok=True)  # the old file is still whole: keep only that
            raise
        _fsync_directory(self.path.parent)
        self._dirty = False


def _merge(rows: dict[str, ResultRow], row: ResultRow, position: int) -> bool:
    """Fold ``row`` into ``rows``; False when it changes nothing (the item already went out)."""
    ident = _identity(row, position)
    current = rows.get(ident)
    if current is not None and current.done:
        return False
    if row.key and row.line is not None:
        # The same line, now with a key (the row was fixed, or its key became derivable): the
        # key-less row it replaces is the same item.
        stale = rows.get(f"line:{row.line}")
        if stale is not None and not stale.key:
            del rows[f"line:{row.line}"]
    rows[ident] = row
    return True


def _sorted(rows: Iterable[ResultRow]) -> list[ResultRow]:
    return sorted(rows, key=lambda r: (r.line is None, r.line or 0))


def _csv_dict(row: ResultRow) -> dict[str, object]:
    return dict(zip(COLUMNS, astuple(row), strict=True))


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable on POSIX; directories cannot be opened this way on Windows.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
