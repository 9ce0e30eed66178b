"""``atlas-async login`` / ``logout``: OAuth for people at a terminal.

After a login, commands run without ATLAS_API_KEY use the stored tokens, refreshed as needed.
"""

from __future__ import annotations

from typing import Any

import click

from .._config import DEFAULT_BASE_URL
from ._common import (
    Options,
    base_url_option,
    base_url_source,
    finish,
    insecure_http_allowed,
    json_option,
)
from ._output import echo_result

__all__ = ["login", "logout"]

_SCOPE = "envelopes:read envelopes:write templates:read templates:write"


def _token_option(fn: Any) -> Any:
    return click.option(
        "--token-file",
        envvar="ATLAS_TOKEN_FILE",
        show_envvar=True,
        type=click.Path(dir_okay=False),
        default=None,
        help="Where tokens are kept (default: the user's config folder).",
    )(fn)


_base_url_option = base_url_option(
    "The Atlas server (plain http only on loopback, localhost and *.test hosts, or with "
    "ATLAS_ALLOW_INSECURE_HTTP=1).",
    default=DEFAULT_BASE_URL,
)


def _options(base_url: str, as_json: bool) -> Options:
    return Options(None, base_url, None, as_json, False, base_url_source=base_url_source())


@click.command()
@_base_url_option
@click.option("--scope", default=_SCOPE, show_default=True, help="Space-separated scopes.")
@click.option("--no-browser", is_flag=True, help="Only print the URL to open.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Loopback port for the redirect (0: any free port).",
)
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(min=1),
    default=300.0,
    show_default=True,
    help="Seconds to wait for the browser.",
)
@_token_option
@json_option
def login(
    base_url: str,
    scope: str,
    no_browser: bool,
    port: int,
    wait_seconds: float,
    token_file: str | None,
    as_json: bool,
) -> None:
    """Log in with your browser (OAuth, PKCE) and keep the tokens for later commands."""
    from ..oauth import FileTokenStore
    from ..oauth import login as oauth_login

    opts = _options(base_url, as_json)

    async def main() -> int:
        store = FileTokenStore(token_file)
        tokens = await oauth_login(
            base_url,
            scope=scope,
            store=store,
            open_browser=not no_browser,
            port=port,
            wait_seconds=wait_seconds,
            allow_insecure_http=insecure_http_allowed(base_url),
        )
        echo_result(
            {"logged_in": True, "scope": tokens.scope, "token_file": str(store.path)},
            as_json=as_json,
        )
        return 0

    finish(opts, main)


@click.command()
@_base_url_option
@_token_option
@json_option
def logout(base_url: str, token_file: str | None, as_json: bool) -> None:
    """Revoke the stored OAuth grant and forget the tokens."""
    from ..oauth import FileTokenStore
    from ..oauth import logout as oauth_logout

    opts = _options(base_url, as_json)

    async def main() -> int:
        store = FileTokenStore(token_file)
        removed = await oauth_logout(store, allow_insecure_http=insecure_http_allowed(base_url))
        echo_result({"logged_out": removed, "token_file": str(store.path)}, as_json=as_json)
        return 0

    finish(opts, main)
