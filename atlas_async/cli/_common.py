"""What every command shares: the connection options, the client they build, and how it ends.

Each command builds one ``Atlas`` client from ``--api-key/--base-url/--account`` (or the
``ATLAS_API_KEY/ATLAS_BASE_URL/ATLAS_ACCOUNT`` environment), runs one coroutine under anyio, and
exits with the code of :mod:`._exit` for whatever error ended it, printed as one line.

Only click, the SDK's core and the sibling CLI modules are imported here: ``atlas-async --help``
must not pay for the emulator, OAuth or bulk code.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import AsyncIterable, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import anyio
import click
from click.core import ParameterSource

from .._config import allows_plain_http, resolve_allow_insecure_http, resolve_base_url
from .._errors import APIConnectionError
from ._exit import ExitCode, exit_code_for
from ._output import echo_error

if TYPE_CHECKING:
    from .._auth import TokenProvider
    from .._client import Atlas

__all__ = [
    "Options",
    "base_url_option",
    "base_url_source",
    "common_options",
    "finish",
    "insecure_http_allowed",
    "json_option",
    "options_from",
    "run",
    "take",
    "wait_deadline",
]

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


@dataclass(frozen=True)
class Options:
    api_key: str | None
    base_url: str | None
    account: str | None
    as_json: bool
    debug: bool
    #: Where the base URL came from, for error messages: ``--base-url``, ``ATLAS_BASE_URL`` or
    #: ``default``.
    base_url_source: str = "default"

    def client(self) -> Atlas:
        """An API key when one is given; else the tokens of `atlas-async login`, if any."""
        from .._client import Atlas

        if self.api_key is None and not os.environ.get("ATLAS_API_KEY"):
            provider = _stored_login(self.base_url)
            if provider is not None:
                return Atlas(auth=provider, base_url=self.base_url, account=self.account)
        return Atlas(api_key=self.api_key, base_url=self.base_url, account=self.account)


def insecure_http_allowed(base_url: str | None) -> bool:
    """Whether plain http to ``base_url`` is allowed: exactly the rule ``Atlas(...)`` applies.

    https always; plain http on hosts that cannot be on the public internet (loopback,
    ``localhost``, ``*.test``), or anywhere with ``ATLAS_ALLOW_INSECURE_HTTP=1``. The OAuth
    calls of the stored-login path and of login/logout follow it too, so a URL the client
    accepts is never refused by the token refresh that goes with it.
    """
    return resolve_allow_insecure_http(None) or allows_plain_http(resolve_base_url(base_url))


def _stored_login(base_url: str | None) -> TokenProvider | None:
    """The OAuth token provider over `atlas-async login`'s token file, when that file exists."""
    from ..oauth import FileTokenStore, OAuthTokenProvider, default_token_path

    path = default_token_path()
    if not path.exists():
        return None
    return OAuthTokenProvider(
        store=FileTokenStore(path), allow_insecure_http=insecure_http_allowed(base_url)
    )


def common_options(fn: F) -> F:
    """The connection and output options every command takes (so they go after the command)."""
    decorators = [
        click.option(
            "--api-key",
            envvar="ATLAS_API_KEY",
            show_envvar=True,
            metavar="KEY",
            help="API key (prefer the environment: a flag shows up in `ps`).",
        ),
        base_url_option(
            "API base URL (default https://atlaswork.ai; an emulator's URL for tests)."
        ),
        click.option(
            "--account",
            envvar="ATLAS_ACCOUNT",
            show_envvar=True,
            metavar="ACCOUNT",
            help="Act for a connected account (platform keys): ext_<external_id> or its UUID.",
        ),
        json_option,
        click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error."),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def base_url_option(text: str, *, default: str | None = None) -> Callable[[F], F]:
    """``--base-url`` (or ``ATLAS_BASE_URL``); :func:`base_url_source` says which one was used."""
    return click.option(
        "--base-url",
        envvar="ATLAS_BASE_URL",
        show_envvar=True,
        default=default,
        show_default=default is not None,
        metavar="URL",
        help=text,
    )


json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")


def base_url_source() -> str:
    """Where the current command's ``--base-url`` came from (see :attr:`Options.base_url_source`)."""
    ctx = click.get_current_context(silent=True)
    source = ctx.get_parameter_source("base_url") if ctx is not None else None
    if source == ParameterSource.COMMANDLINE:
        return "--base-url"
    if source == ParameterSource.ENVIRONMENT:
        return "ATLAS_BASE_URL"
    return "default"


def options_from(kwargs: dict[str, Any]) -> Options:
    """Take the common options out of a command's keyword arguments."""
    return Options(
        api_key=kwargs.pop("api_key"),
        base_url=kwargs.pop("base_url"),
        account=kwargs.pop("account"),
        as_json=kwargs.pop("as_json"),
        debug=kwargs.pop("debug"),
        base_url_source=base_url_source(),
    )


async def take(items: AsyncIterable[T], limit: int) -> list[T]:
    """The first ``limit`` items of a listing (pages are fetched only as far as needed)."""
    out: list[T] = []
    if limit < 1:
        return out
    async for item in items:
        out.append(item)
        if len(out) >= limit:
            break
    return out


def wait_deadline(seconds: float | None) -> float:
    """A wait's overall deadline: not given, the SDK's default (an hour), not "forever"."""
    from .._resources._signing import DEFAULT_SIGN_TIMEOUT

    return DEFAULT_SIGN_TIMEOUT if seconds is None else seconds


def run(opts: Options, body: Callable[[Atlas], Awaitable[int | None]]) -> None:
    """Run ``body`` with a client and exit with its code, or the code of the error that ended it."""

    async def main() -> int:
        async with opts.client() as atlas:
            return int(await body(atlas) or 0)

    finish(opts, main)


def _unwrap(exc: BaseException) -> BaseException:
    # Task groups wrap errors; report the real one.
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def finish(opts: Options, main: Callable[[], Awaitable[int]]) -> None:
    """Run ``main`` under anyio and exit with its code, or with the code of what ended it."""
    try:
        code = anyio.run(main)
    except KeyboardInterrupt:
        sys.stderr.write("atlas-async: interrupted\n")
        code = ExitCode.INTERRUPTED
    except (click.exceptions.Exit, click.ClickException):
        raise
    except BaseException as group:  # one line for the user, the traceback only on request
        exc = _unwrap(group)
        if isinstance(exc, KeyboardInterrupt):
            sys.stderr.write("atlas-async: interrupted\n")
            code = ExitCode.INTERRUPTED
        elif isinstance(exc, SystemExit | GeneratorExit):
            raise
        else:
            code = exit_code_for(exc)
            where = _connection_context(opts) if isinstance(exc, APIConnectionError) else {}
            echo_error(exc, as_json=opts.as_json, exit_code=int(code), context=where)
            if opts.debug or code == ExitCode.UNEXPECTED:
                if code == ExitCode.UNEXPECTED and not opts.debug:
                    sys.stderr.write("atlas-async: this is a bug; --debug shows the traceback\n")
                else:
                    traceback.print_exception(group, file=sys.stderr)
    sys.exit(int(code))


def _connection_context(opts: Options) -> dict[str, str]:
    """Which server could not be reached and where its URL came from (never a credential:
    only the host and port are shown, not a user:password@ part of the URL)."""
    try:
        url = resolve_base_url(opts.base_url)
    except ValueError:
        url = opts.base_url or ""
    host = urlsplit(url).netloc.rpartition("@")[2] or url
    if opts.base_url_source == "default":
        why = f"the default URL {url}; set ATLAS_BASE_URL or pass --base-url for another server"
    else:
        why = f"the URL from {opts.base_url_source}"
    return {
        "host": host,
        "base_url_source": opts.base_url_source,
        "hint": f"cannot reach {host} ({why})",
    }
