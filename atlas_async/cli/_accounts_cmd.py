"""``atlas-async accounts``: connected accounts, for platform keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ._common import common_options, options_from, run, take
from ._output import echo_result, echo_table

if TYPE_CHECKING:
    from .._client import Atlas

__all__ = ["accounts"]


@click.group()
def accounts() -> None:
    """Connected accounts (platform keys only)."""


@accounts.command("create")
@click.argument("external_id")
@click.option("--name", required=True, help="Display name of the connected account.")
@click.option("--billing-mode", type=click.Choice(["platform_pays", "child_pays"]), default=None)
@click.option("--initial-credits", type=click.IntRange(min=0), default=None)
@common_options
def accounts_create(
    external_id: str,
    name: str,
    billing_mode: str | None,
    initial_credits: int | None,
    **kwargs: Any,
) -> None:
    """Create (or fetch: it is idempotent on EXTERNAL_ID) a connected account."""
    opts = options_from(kwargs)

    async def body(atlas: Atlas) -> None:
        result = await atlas.platform.connected_accounts.create(
            external_id=external_id,
            name=name,
            billing_mode=billing_mode,
            initial_credits=initial_credits,
        )
        echo_result(result, as_json=opts.as_json)

    run(opts, body)


@accounts.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@common_options
def accounts_list(limit: int, **kwargs: Any) -> None:
    """List connected accounts."""
    opts = options_from(kwargs)

    async def body(atlas: Atlas) -> None:
        rows = await take(atlas.platform.connected_accounts.list(limit=min(limit, 100)), limit)
        columns = ("external_id", "connected_org_id", "status", "name")
        echo_table(rows, columns, as_json=opts.as_json)

    run(opts, body)
