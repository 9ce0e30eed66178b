"""Options shared by several commands: ``--signer``, ``k=v`` pairs, a wait's ``--timeout``.

They parse with the manifest rules of :mod:`atlas_async.bulk`, imported when an option is
actually given, so that ``--help`` does not load the bulk engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from .._models import Party

__all__ = ["metadata_option", "pairs_callback", "signer_option", "wait_timeout_option"]

F = TypeVar("F", bound=Callable[..., Any])


def _signers(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[Party]:
    from .._models import Party
    from ..bulk import default_party_factory, parse_signer

    make = default_party_factory()
    parties: list[Party] = []
    for value in values:
        try:
            party = make(*parse_signer(value))
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
        assert isinstance(party, Party)
        parties.append(party)
    return parties


def pairs_callback(
    _ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, Any]:
    """``k=v`` pairs (or JSON objects), repeatable, merged into one dict."""
    from ..bulk import parse_pairs

    out: dict[str, Any] = {}
    for value in values:
        try:
            out.update(parse_pairs(value, what=f"--{param.name}"))
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return out


signer_option = click.option(
    "--signer",
    "parties",
    multiple=True,
    required=True,
    callback=_signers,
    metavar="EMAIL[:NAME[:ROLE]]",
    help="A signer, in signing order; repeat for several. NAME defaults to the email's local "
    "part, ROLE to Signer.",
)
metadata_option = click.option(
    "--metadata",
    multiple=True,
    callback=pairs_callback,
    metavar="K=V",
    help="Metadata to store on the envelope (k=v, repeatable, or one JSON object).",
)


def wait_timeout_option(help: str) -> Callable[[F], F]:
    """``--timeout SECONDS``: how long a wait may take (None: the SDK's default, an hour)."""
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=None,
        metavar="SECONDS",
        help=help,
    )
