"""Progress of ``bulk-send`` on stderr: a live rich bar on a terminal, one plain line per row
otherwise, nothing with ``--json``."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from ._output import error_line

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from ..bulk import BulkOutcome, BulkSummary

__all__ = ["Reporter", "progress_mode"]


def progress_mode(choice: str, as_json: bool) -> str:
    """``--progress auto`` resolved: rich on a terminal, plain lines otherwise, none for JSON."""
    if choice != "auto":
        return choice
    if as_json:
        return "none"
    return "rich" if sys.stderr.isatty() else "plain"


class Reporter:
    """Counts outcomes and shows them in the chosen ``mode`` (rich, plain or none)."""

    def __init__(self, mode: str, total: int) -> None:
        self.mode = mode
        self.total = total
        self.counts = {"sent": 0, "already_sent": 0, "failed": 0, "not_attempted": 0}
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> Reporter:
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
