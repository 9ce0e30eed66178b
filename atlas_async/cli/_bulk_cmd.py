"""``atlas-async bulk-send``: a CSV manifest in, a results CSV out, resumable.

The results file is an :class:`atlas_async.bulk.ResultsLog`: each outcome is appended and flushed
as it lands, so a crash or Ctrl-C loses nothing, and it holds one row per manifest row once the
run ends. A re-run reads it back: keys already ``sent``/``already_sent`` are skipped without a
request, and for the rest the bulk engine's deterministic idempotency keys and external_id
look-up make sure nothing goes out twice.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import click

from ._common import common_options, finish, options_from
from ._exit import ExitCode
from ._output import error_line
from ._progress import Reporter, progress_mode
from ._queue_cmds import queue_option, queued_runner

if TYPE_CHECKING:
    from .._client import Atlas
    from ..bulk import BulkItem, BulkSummary, InvalidRow, ManifestRow, ResultsLog

__all__ = ["Runner", "bulk_send"]

#: ``(items, skip_keys) -> async with ... as run``: a bulk run, here or through a queue.
Runner: TypeAlias = "Callable[[list[BulkItem], frozenset[str]], AbstractAsyncContextManager[Any]]"

# What to do after a run that stopped early, by BulkSummary.stopped_reason.
_NEXT_STEP = {
    "insufficient_credits": "out of credits: top up the account, then run the same command "
    "again; it resumes where this run stopped and sends nothing twice",
    "authentication": "the credentials were refused (401): fix the API key or log in again, "
    "then run the same command again to resume",
    "permission_denied": "permission denied (403): check the account, then run the same command "
    "again to resume",
}


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
    "--lookup/--no-lookup",
    default=None,
    help="Ask the server for each row's envelope (by external_id) before creating it: keeps a "
    "re-run exact after the server's 24 h idempotency window. Default: only when resuming "
    "(the results file has rows).",
)
@click.option(
    "--max-attempts",
    type=click.IntRange(1, 100),
    default=9,
    show_default=True,
    help="Tries per request on network errors, 5xx and 429 (within a 5-minute budget).",
)
@queue_option(
    "Queue the rows for `atlas-async worker` processes (redis://...) instead of sending "
    "them from here; the summary and results file are the same. Needs the taskiq extra."
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
    lookup: bool | None,
    max_attempts: int,
    retry_delay: float,
    queue: str | None,
    **kwargs: Any,
) -> None:
    """Send one envelope per row of MANIFEST (CSV), CONCURRENCY at a time.

    \b
    Columns: key, document (path, relative to the manifest) or template_id,
    signers (email[:name[:role]];...), metadata (k=v;... or JSON), prefill, webhook_url.
    Re-running the same manifest sends only what did not go out.
    """
    from ..bulk import BULK_RETRY, InvalidRow, ManifestRow, ResultsLog, read_manifest

    opts = options_from(kwargs)
    results_path = results or manifest.with_name(manifest.stem + ".results.csv")
    mode = progress_mode(progress, opts.as_json)

    try:
        rows = list(read_manifest(manifest))
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        # The file itself is unusable (no header, unknown column...): nothing was sent.
        raise click.UsageError(f"{manifest}: {error_line(exc)}") from None
    valid = [r for r in rows if isinstance(r, ManifestRow)]
    invalid = [r for r in rows if isinstance(r, InvalidRow)]
    try:
        log = ResultsLog.open(results_path)
    except (ValueError, OSError) as exc:  # not a results file, or not writable: nothing sent
        raise click.UsageError(error_line(exc)) from None

    send_options: dict[str, Any] = {
        "concurrency": concurrency,
        "retry": BULK_RETRY.with_(max_retries=max_attempts - 1, initial_delay=retry_delay),
        # Resuming (the results file has rows): rows that did not finish last time may have gone
        # out more than 24 h ago, beyond the idempotency keys' reach.
        "lookup_existing": bool(log.rows()) if lookup is None else lookup,
    }

    async def main() -> int:
        try:
            _record_invalid(log, invalid, manifest.name, opts.as_json)
            if queue is not None:
                runner = queued_runner(queue, account=opts.account, **send_options)
                summary = await _send(runner, log, valid, mode)
            else:
                async with opts.client() as atlas:
                    summary = await _send(_local_runner(atlas, **send_options), log, valid, mode)
        finally:
            log.close()
        return _report(summary, len(invalid), results_path, opts.as_json)

    finish(opts, main)


def _record_invalid(log: ResultsLog, invalid: list[InvalidRow], name: str, as_json: bool) -> None:
    for bad in invalid:
        log.record_invalid(bad)
        if as_json:  # one JSON object per line, like every error under --json
            doc = {"invalid_row": {"line": bad.line, "key": bad.key, "error": bad.message}}
            sys.stderr.write(json.dumps(doc, sort_keys=True) + "\n")
        else:
            sys.stderr.write(f"atlas-async: {name}: {bad}\n")


def _local_runner(atlas: Atlas, **send_options: Any) -> Runner:
    """Send from this process: :func:`atlas_async.bulk.send_many` with ``send_options``."""
    from ..bulk import send_many

    def run(items: list[BulkItem], skip: frozenset[str]) -> AbstractAsyncContextManager[Any]:
        return send_many(atlas, items, skip_keys=skip, **send_options)

    return run


async def _send(
    runner: Runner, log: ResultsLog, valid: list[ManifestRow], mode: str
) -> BulkSummary:
    """Send the valid rows through ``runner``, recording each outcome as it lands."""
    skip = log.done_keys()
    with Reporter(mode, len(valid)) as reporter:
        if log.dropped_torn_row:
            reporter.note(f"dropped the partial last row of {log.path.name}")
        if skip:
            reporter.note(f"resuming: {len(skip)} row(s) already sent per {log.path.name}")
        items = [row.item for row in valid]
        async with runner(items, skip) as run:
            async for outcome in run:
                await log.record(outcome)
                reporter.outcome(int(outcome.item.tag), outcome, run.summary)
        summary: BulkSummary = run.summary
        return summary


def _report(summary: BulkSummary, invalid: int, results_path: Path, as_json: bool) -> int:
    code = ExitCode.OK
    if summary.stopped_reason == "insufficient_credits":
        code = ExitCode.NO_CREDITS
    elif summary.stopped_reason == "authentication":
        code = ExitCode.AUTH
    elif summary.stopped_reason == "permission_denied":
        code = ExitCode.PERMISSION
    elif summary.failed or summary.not_attempted or invalid:
        code = ExitCode.BULK_INCOMPLETE
    next_step = _NEXT_STEP.get(summary.stopped_reason or "")
    if next_step is None and summary.failed:
        next_step = f"run the same command again to retry the {summary.failed} failed row(s)"
    doc = {**summary.as_dict(), "invalid": invalid, "results": str(results_path)}
    if as_json:
        click.echo(json.dumps({**doc, "next_step": next_step}, sort_keys=True))
        return int(code)
    stopped = f"; stopped: {summary.stopped_reason}" if summary.stopped_reason else ""
    click.echo(
        f"sent {summary.sent}, already sent {summary.already_sent}, failed {summary.failed}, "
        f"not attempted {summary.not_attempted}, invalid {invalid}; "
        f"{summary.credits_spent} credit(s) in {summary.elapsed:.1f}s "
        f"({summary.rate:.1f} env/s){stopped}; results: {results_path}"
    )
    if next_step is not None:
        click.echo(next_step)
    return int(code)
