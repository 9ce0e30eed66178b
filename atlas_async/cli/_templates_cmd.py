"""``atlas-async templates``: list the templates, send one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ._common import common_options, options_from, run, take
from ._output import echo_result, echo_table
from ._params import metadata_option, pairs_callback, signer_option

if TYPE_CHECKING:
    from .._client import Atlas

__all__ = ["templates"]


@click.group()
def templates() -> None:
    """Templates: list them, send one."""


@templates.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@common_options
def templates_list(limit: int, **kwargs: Any) -> None:
    """List templates."""
    opts = options_from(kwargs)

    async def body(atlas: Atlas) -> None:
        rows = await take(atlas.templates.list(limit=min(limit, 100)), limit)
        echo_table(rows, ("template_id", "name", "roles"), as_json=opts.as_json)

    run(opts, body)


@templates.command("send")
@click.argument("template_id")
@signer_option
@click.option(
    "--prefill",
    multiple=True,
    callback=pairs_callback,
    metavar="K=V",
    help="Prefill values (repeatable).",
)
@metadata_option
@click.option("--webhook-url", metavar="URL", help="Where Atlas posts this envelope's events.")
@click.option("--draft", is_flag=True, help="Create a draft for review instead of sending.")
@click.option("--idempotency-key", metavar="KEY", help="Make a retried command a no-op.")
@common_options
def templates_send(template_id: str, **kwargs: Any) -> None:
    """Send TEMPLATE_ID to the signers (their roles must match the template's)."""
    opts = options_from(kwargs)

    async def body(atlas: Atlas) -> None:
        result = await atlas.templates.send(
            template_id,
            parties=kwargs["parties"],
            prefill={k: str(v) for k, v in kwargs["prefill"].items()} or None,
            metadata=kwargs["metadata"] or None,
            webhook_url=kwargs["webhook_url"],
            auto_send=not kwargs["draft"],
            idempotency_key=kwargs["idempotency_key"],
        )
        echo_result(result, as_json=opts.as_json)

    run(opts, body)
