"""``atlas-async wait``: until one envelope is signed, or until many have ended (``wait_many``)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from ._common import common_options, options_from, run, wait_deadline
from ._envelope_cmds import ENVELOPE_FIELDS
from ._exit import ExitCode
from ._output import echo_result
from ._params import wait_timeout_option

if TYPE_CHECKING:
    from .._client import Atlas
    from .._resources.envelopes import SigningStatus, WaitManyResult

__all__ = ["wait"]


@click.command()
@click.argument("envelope_ids", nargs=-1, required=True, metavar="ENVELOPE_ID...")
@wait_timeout_option("Give up after (default: one hour).")
@common_options
def wait(envelope_ids: tuple[str, ...], timeout: float | None, **kwargs: Any) -> None:
    """Block until ENVELOPE_ID is signed (exit 12 if declined or voided, 13 on timeout).

    With several ids, or - to read them from standard input (one per line), wait for all of
    them at once and print each as it ends. The exit code is then 13 if any was still not
    signed at the deadline, else 12 if any was declined or voided, else 5 if Atlas does not
    know one of them, else 0.
    """
    opts = options_from(kwargs)
    deadline = wait_deadline(timeout)
    if len(envelope_ids) == 1 and envelope_ids[0] != "-":
        eid = envelope_ids[0]

        async def one(atlas: Atlas) -> None:
            await atlas.envelopes.wait_until_signed(eid, timeout=deadline)
            env = await atlas.envelopes.get(eid)
            echo_result(env, as_json=opts.as_json, fields=ENVELOPE_FIELDS)

        run(opts, one)
        return
    ids = _read_ids(envelope_ids)

    async def many(atlas: Atlas) -> int:
        def landed(outcome: SigningStatus) -> None:
            if not opts.as_json:
                click.echo(f"{outcome.envelope_id}  {outcome.status}")

        result = await atlas.envelopes.wait_many(ids, timeout=deadline, on_outcome=landed)
        if opts.as_json:
            echo_result(_rows(result), as_json=True)
        else:
            for eid in result.failed:
                click.echo(f"{eid}  not found")
            for eid in result.pending:
                click.echo(f"{eid}  still pending at the deadline")
        if result.pending:
            return ExitCode.WAIT_TIMEOUT
        if result.declined or result.voided:
            return ExitCode.DECLINED_OR_VOIDED
        if result.failed:
            return ExitCode.NOT_FOUND
        return ExitCode.OK

    run(opts, many)


def _read_ids(arguments: tuple[str, ...]) -> list[str]:
    """The ids given, ``-`` replaced by the non-blank lines of standard input."""
    ids: list[str] = []
    for argument in arguments:
        if argument == "-":
            ids.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            ids.append(argument)
    if not ids:
        raise click.UsageError("no envelope ids were given (standard input was empty)")
    return ids


def _rows(result: WaitManyResult) -> list[dict[str, Any]]:
    """One JSON object per envelope: how it ended, or ``not_found`` / ``pending``."""
    rows: list[dict[str, Any]] = [
        {
            "envelope_id": outcome.envelope_id,
            "status": outcome.status,
            "signed_count": outcome.signed_count,
            "total": outcome.total,
            "source": outcome.source,
        }
        for outcome in result.finished.values()
    ]
    rows.extend({"envelope_id": eid, "status": "not_found"} for eid in result.failed)
    rows.extend({"envelope_id": eid, "status": "pending"} for eid in result.pending)
    return rows
