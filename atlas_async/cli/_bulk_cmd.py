"""``atlas-async bulk-send``: a CSV manifest in, a results CSV out, resumable.

The results file is appended to, one row per outcome, flushed as each lands, so a crash or Ctrl-C
loses nothing. A re-run reads it back: keys already ``sent``/``already_sent`` are skipped without a
request, and for the rest the bulk engine's deterministic idempotency keys and external_id look-up
make sure nothing goes out twice (see ``atlas_async.bulk``).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from ..bulk import BULK_RETRY, BulkOutcome, BulkSummary, send_many
from ..bulk._items import BulkItem
from ..bulk._manifest import InvalidRow, ManifestRow, read_manifest
from ._app import Options, common_options, finish
from ._exit import ExitCode
from ._output import error_line

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["RESULT_COLUMNS", "bulk_send", "done_keys"]

RESULT_COLUMNS = (
    "line",
    "key",
    "status",
    "envelope_id",
    "envelope_status",
    "error",
    "attempts",
    "at",
)
_DONE = frozenset({"sent", "already_sent"})


def drop_torn_tail(results: Path) -> bool:
    """Cut a partial last row (a run killed mid-write) back to the last complete line.

    Every row is written whole and ends in a newline, so anything after the last newline is a
    torn write: it may stop inside a quoted field (which would swallow every row appended after
    it) or inside a UTF-8 character. Its outcome is unknown, so it is dropped; re-running that
    row is safe (lookup and idempotency keys make a send that did go out ``already_sent``).
    """
    if not results.exists():
        return False
    with results.open("r+b") as fh:
        end = fh.seek(0, os.SEEK_END)
        if end == 0:
            return False
        fh.seek(end - 1)
        if fh.read(1) == b"\n":
            return False
        pos = end
        while pos > 0:
            start = max(0, pos - 4096)
            fh.seek(start)
            newline = fh.read(pos - start).rfind(b"\n")
            if newline >= 0:
                fh.truncate(start + newline + 1)
                return True
            pos = start
        fh.truncate(0)  # not even the header was whole: the next run writes it again
        return True


def done_keys(results: Path) -> set[str]:
    """Keys a previous run of this manifest already got out (last row per key wins)."""
    if not results.exists():
        return set()
    last: dict[str, str] = {}
    with results.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row.get("key"):
                last[row["key"]] = row.get("status") or ""
    return {key for key, state in last.items() if state in _DONE}


class _Results:
    """Append-only results CSV, flushed per row."""

    def __init__(self, path: Path) -> None:
        new = not path.exists() or path.stat().st_size == 0
        self._fh: IO[str] = path.open("a", newline="", encoding="utf-8")
        self._writer = csv.writer(self._fh)
        if new:
            self._writer.writerow(RESULT_COLUMNS)
            self._fh.flush()

    def write(
        self,
        *,
        line: int | None,
        key: str | None,
        status: str,
        envelope_id: str | None = None,
        envelope_status: str | None = None,
        error: str | None = None,
        attempts: int = 0,
    ) -> None:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        if error is not None:
            error = " ".join(error.split())  # one physical line per row: see drop_torn_tail
        self._writer.writerow(
            [line, key, status, envelope_id, envelope_status, error, attempts, now]
        )
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()


class _Reporter:
    """Progress on stderr: a live rich bar on a terminal, one plain line per row otherwise."""

    def __init__(self, mode: str, total: int) -> None:
        self.mode = mode
        self.total = total
        self.counts = {"sent": 0, "already_sent": 0, "failed": 0, "not_attempted": 0}
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> _Reporter:
        if self.mode == "rich":
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]bulk-send[/]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(
                    "[green]sent {task.fields[sent]}[/] [red]failed {task.fields[failed]}[/] "
                    "skipped {task.fields[skipped]}"
                ),
                TextColumn("{task.fields[rate]:.1f} env/s"),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TimeElapsedColumn(),
                console=Console(file=sys.stderr, force_terminal=True),
                refresh_per_second=8,
            )
            self._progress.start()
            self._task = self._progress.add_task(
                "bulk", total=self.total, sent=0, failed=0, skipped=0, rate=0.0
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def outcome(self, line: int, outcome: BulkOutcome, summary: BulkSummary) -> None:
        self.counts[outcome.status] += 1
        if self._progress is not None and self._task is not None:
            self._progress.update(
                self._task,
                advance=1,
                sent=self.counts["sent"],
                failed=self.counts["failed"],
                skipped=self.counts["already_sent"],
                rate=summary.rate,
            )
            if outcome.status == "failed":
                why = error_line(outcome.error) if outcome.error else "failed"
                # markup off: an error message may contain [brackets]
                self._progress.console.print(
                    f"line {line}: failed: {why}", markup=False, highlight=False
                )
        elif self.mode == "plain":
            done = sum(self.counts.values())
            detail = outcome.envelope_id or ""
            if outcome.error is not None:
                detail = error_line(outcome.error)
            sys.stderr.write(
                f"[{done}/{self.total}] line {line}: {outcome.status.replace('_', ' ')}"
                f"{': ' + detail if detail else ''}"
                f" (sent {self.counts['sent']}, failed {self.counts['failed']},"
                f" {summary.rate:.1f} env/s)\n"
            )
            sys.stderr.flush()

    def note(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False)
        elif self.mode != "none":
            sys.stderr.write(text + "\n")
            sys.stderr.flush()


def _progress_mode(choice: str, as_json: bool) -> str:
    if choice != "auto":
        return choice
    if as_json:
        return "none"
    return "rich" if sys.stderr.isatty() else "plain"


@click.command("bulk-send")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-c",
    "--concurrency",
    type=click.IntRange(1, 256),
    default=8,
    show_default=True,
    help="Envelopes in flight at once.",
)
@click.option(
    "--results",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Results CSV (default: MANIFEST with .results.csv). Re-running reads it to resume.",
)
@click.option(
    "--progress",
    type=click.Choice(["auto", "rich", "plain", "none"]),
    default="auto",
    show_default=True,
    help="auto: a live bar on a terminal, plain lines otherwise, none with --json.",
)
@click.option(
    "--no-lookup",
    is_flag=True,
    help="Skip the per-row external_id look-up (faster; re-runs then rely on idempotency keys, "
    "which the server keeps 24 h).",
)
@click.option(
    "--max-attempts",
    type=click.IntRange(1, 100),
    default=8,
    show_default=True,
    help="Tries per request on network errors and 5xx.",
)
@click.option(
    "--retry-delay",
    type=click.FloatRange(0, 60),
    default=0.5,
    show_default=True,
    help="First backoff delay in seconds (doubles per retry).",
)
@common_options
def bulk_send(
    manifest: Path,
    concurrency: int,
    results: Path | None,
    progress: str,
    no_lookup: bool,
    max_attempts: int,
    retry_delay: float,
    **kwargs: Any,
) -> None:
    """Send one envelope per row of MANIFEST (CSV), CONCURRENCY at a time.

    \b
    Columns: key, document (path, relative to the manifest) or template_id,
    signers (email[:name[:role]];...), metadata (k=v;... or JSON), prefill, webhook_url.
    Re-running the same manifest sends only what did not go out.
    """
    from ._app import _options

    opts: Options = _options(kwargs)
    results_path = results or manifest.with_name(manifest.stem + ".results.csv")
    mode = _progress_mode(progress, opts.as_json)

    try:
        rows = list(read_manifest(manifest))
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        # The file itself is unusable (no header, unknown column...): nothing was sent.
        raise click.UsageError(f"{manifest}: {error_line(exc)}") from None
    valid = [r for r in rows if isinstance(r, ManifestRow)]
    invalid = [r for r in rows if isinstance(r, InvalidRow)]
    torn = drop_torn_tail(results_path)
    skip = done_keys(results_path)

    async def main() -> int:
        sink = _Results(results_path)
        try:
            for bad in invalid:
                sink.write(line=bad.line, key=bad.key, status="invalid", error=bad.message)
                if opts.as_json:  # one JSON object per line, like every error under --json
                    doc = {"invalid_row": {"line": bad.line, "key": bad.key, "error": bad.message}}
                    sys.stderr.write(json.dumps(doc, sort_keys=True) + "\n")
                else:
                    sys.stderr.write(f"atlas-async: {manifest.name}: {bad}\n")
            async with opts.client() as atlas:
                return await _run(atlas, sink)
        finally:
            sink.close()

    async def _run(atlas: Any, sink: _Results) -> int:
        items: list[BulkItem] = [row.item for row in valid]
        with _Reporter(mode, len(items)) as reporter:
            if torn:
                reporter.note(f"dropped the partial last row of {results_path.name}")
            if skip:
                reporter.note(f"resuming: {len(skip)} row(s) already sent per {results_path.name}")
            async with send_many(
                atlas,
                items,
                concurrency=concurrency,
                retry=BULK_RETRY.with_(max_retries=max_attempts - 1, initial_delay=retry_delay),
                lookup_existing=not no_lookup,
                skip_keys=skip,
            ) as run:
                async for outcome in run:
                    line = int(outcome.item.tag)
                    if not (outcome.status == "already_sent" and outcome.key in skip):
                        sink.write(
                            line=line,
                            key=outcome.key,
                            status=outcome.status,
                            envelope_id=outcome.envelope_id,
                            envelope_status=outcome.envelope_status,
                            error=None if outcome.error is None else error_line(outcome.error),
                            attempts=outcome.attempts,
                        )
                    reporter.outcome(line, outcome, run.summary)
            summary = run.summary
        return _report(summary, len(invalid), results_path, opts.as_json, mode)

    finish(opts, main)


def _report(
    summary: BulkSummary, invalid: int, results_path: Path, as_json: bool, mode: str
) -> int:
    code = ExitCode.OK
    if summary.stopped_reason == "insufficient_credits":
        code = ExitCode.NO_CREDITS
    elif summary.stopped_reason == "authentication":
        code = ExitCode.AUTH
    elif summary.stopped_reason == "permission_denied":
        code = ExitCode.PERMISSION
    elif summary.failed or summary.not_attempted or invalid:
        code = ExitCode.BULK_INCOMPLETE
    doc = {**summary.as_dict(), "invalid": invalid, "results": str(results_path)}
    if as_json:
        click.echo(json.dumps(doc, sort_keys=True))
    else:
        stopped = f"; stopped: {summary.stopped_reason}" if summary.stopped_reason else ""
        click.echo(
            f"sent {summary.sent}, already sent {summary.already_sent}, failed {summary.failed}, "
            f"not attempted {summary.not_attempted}, invalid {invalid}; "
            f"{summary.credits_spent} credit(s) in {summary.elapsed:.1f}s "
            f"({summary.rate:.1f} env/s){stopped}; results: {results_path}"
        )
    return int(code)
