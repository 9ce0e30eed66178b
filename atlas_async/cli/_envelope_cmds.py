"""The one-envelope commands: send, status, download, void, remind, list (``wait``: _wait_cmd)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio
import click

from ._common import common_options, options_from, run, take, wait_deadline
from ._output import echo_result, echo_table
from ._params import metadata_option, signer_option, wait_timeout_option

if TYPE_CHECKING:
    from .._client import Atlas

__all__ = ["download", "list_", "remind", "send", "status", "void"]

ENVELOPE_FIELDS = (
    "envelope_id",
    "status",
    "fields_status",
    "review_url",
    "sent_at",
    "completed_at",
    "voided_at",
    "declined_at",
    "credit_refunded",
)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@signer_option
@click.option("--wait", is_flag=True, help="Wait until every signer has signed.")
@wait_timeout_option("With --wait: give up after (default: one hour).")
@click.option("--webhook-url", metavar="URL", help="Where Atlas posts this envelope's events.")
@metadata_option
@click.option("--idempotency-key", metavar="KEY", help="Make a retried command a no-op.")
@common_options
def send(**kwargs: Any) -> None:
    """Create an envelope from FILE (PDF or DOCX) and send it to the signers."""
    opts = options_from(kwargs)

    async def body(atlas: Atlas) -> None:
        env = await atlas.envelopes.create_and_send(
            kwargs["file"],
            parties=kwargs["parties"],
            metadata=kwargs["metadata"] or None,
            webhook_url=kwargs["webhook_url"],
            idempotency_key=kwargs["idempotency_key"],
        )
        if kwargs["wait"]:
            if not opts.as_json:
                click.echo(f"sent {env.envelope_id}; waiting for signatures...", err=True)
            await atlas.envelopes.wait_until_signed(
                env.envelope_id, timeout=wait_deadline(kwargs["timeout"])
            )
            env = await atlas.envelopes.get(env.envelope_id)
        echo_result(env, as_json=opts.as_json, fields=(*ENVELOPE_FIELDS, "parties"))

    run(opts, body)


@click.command()
@click.argument("envelope_id")
@common_options
def status(envelope_id: str, **kwargs: Any) -> None:
    """Where ENVELOPE_ID stands: status, signatures so far, who is next."""
    opts = options_from(kwargs)

    async def body(atlas: Atlas) -> None:
        echo_result(await atlas.envelopes.status(envelope_id), as_json=opts.as_json)

    run(opts, body)


@click.command()
@click.argument("envelope_id")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    help="File to write the signed PDF to; - writes it to standard output.",
)
@common_options
def download(envelope_id: str, output: str, **kwargs: Any) -> None:
    """Download the signed PDF of ENVELOPE_ID (exit 7 if it is not signed yet)."""
    opts = options_from(kwargs)

    async def body(atlas: Atlas) -> None:
        if output == "-":
            # The PDF is the whole of stdout (for a pipe): no summary, as curl -o - does.
            with click.open_file("-", "wb") as stdout:  # stdout's binary stream, left open
                async with atlas.envelopes.stream_signed_pdf(envelope_id) as pdf:
                    async for chunk in pdf:
                        stdout.write(chunk)
                stdout.flush()
            return
        await atlas.envelopes.download_signed_pdf(envelope_id, output)
        size = (await anyio.Path(output).stat()).st_size
        echo_result(
            {"envelope_id": envelope_id, "path": output, "bytes": size}, as_json=opts.as_json
        )

    run(opts, body)


@click.command()
@click.argument("envelope_id")
@click.option("--reason", help="Why it is voided (shown to the signers).")
@common_options
def void(envelope_id: str, reason: str | None, **kwargs: Any) -> None:
    """Void ENVELOPE_ID (a credit comes back when no one had signed)."""
    opts = options_from(kwargs)

    async def body(atlas: Atlas) -> None:
        env = await atlas.envelopes.void(envelope_id, reason=reason)
        echo_result(env, as_json=opts.as_json, fields=ENVELOPE_FIELDS)

    run(opts, body)


@click.command()
@click.argument("envelope_id")
@common_options
def remind(envelope_id: str, **kwargs: Any) -> None:
    """Email the signer whose turn it is again (once per signer per hour)."""
    opts = options_from(kwargs)

    async def body(atlas: Atlas) -> None:
        echo_result(await atlas.envelopes.remind(envelope_id), as_json=opts.as_json)

    run(opts, body)


@click.command("list")
@click.option("--status", "status_", metavar="STATUS", help="draft, pending, signed, ...")
@click.option("--external-id", metavar="ID", help="Only envelopes with this metadata.external_id.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@common_options
def list_(status_: str | None, external_id: str | None, limit: int, **kwargs: Any) -> None:
    """List envelopes, newest first."""
    opts = options_from(kwargs)

    async def body(atlas: Atlas) -> None:
        listing = atlas.envelopes.list(
            status=status_, external_id=external_id, limit=min(limit, 100)
        )
        rows = await take(listing, limit)
        echo_table(rows, ("envelope_id", "status", "created_at"), as_json=opts.as_json)

    run(opts, body)
