"""The ``atlas-async`` command line: every command, its options, and how it ends.

Each command builds one ``Atlas`` client from ``--api-key/--base-url/--account`` (or the
``ATLAS_API_KEY/ATLAS_BASE_URL/ATLAS_ACCOUNT`` environment), runs one coroutine under anyio, and
exits with the code of :mod:`._exit` for whatever error ended it, printed as one line.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import click

from .._version import __version__
from ..bulk._manifest import default_party_factory, parse_pairs, parse_signer
from ._exit import ExitCode, exit_code_for
from ._output import echo_error, echo_result

if TYPE_CHECKING:
    from .._auth import TokenProvider
    from .._client import Atlas
    from .._models import Party

__all__ = ["cli"]

F = TypeVar("F", bound=Callable[..., Any])

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


@dataclass(frozen=True)
class Options:
    api_key: str | None
    base_url: str | None
    account: str | None
    as_json: bool
    debug: bool

    def client(self) -> Atlas:
        """An API key when one is given; else the tokens of `atlas-async login`, if any."""
        from .._client import Atlas

        if self.api_key is None and not os.environ.get("ATLAS_API_KEY"):
            provider = _stored_login(self.base_url)
            if provider is not None:
                return Atlas(auth=provider, base_url=self.base_url, account=self.account)
        return Atlas(api_key=self.api_key, base_url=self.base_url, account=self.account)


def _loopback(url: str | None) -> bool:
    from urllib.parse import urlsplit

    host = urlsplit(url or "").hostname or ""
    return host in ("127.0.0.1", "localhost", "::1")


def _stored_login(base_url: str | None) -> TokenProvider | None:
    """The OAuth token provider over `atlas-async login`'s token file, when that file exists."""
    try:
        from ..oauth import FileTokenStore, OAuthTokenProvider, default_token_path
    except ImportError:  # the oauth extra is not installed: API keys only
        return None
    path = default_token_path()
    if not path.exists():
        return None
    return OAuthTokenProvider(store=FileTokenStore(path), allow_insecure_http=_loopback(base_url))


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
        click.option(
            "--base-url",
            envvar="ATLAS_BASE_URL",
            show_envvar=True,
            metavar="URL",
            help="API base URL (default https://atlaswork.ai; an emulator's URL for tests).",
        ),
        click.option(
            "--account",
            envvar="ATLAS_ACCOUNT",
            show_envvar=True,
            metavar="ACCOUNT",
            help="Act for a connected account (platform keys): ext_<external_id> or its UUID.",
        ),
        click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output."),
        click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error."),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def _options(kwargs: dict[str, Any]) -> Options:
    return Options(
        api_key=kwargs.pop("api_key"),
        base_url=kwargs.pop("base_url"),
        account=kwargs.pop("account"),
        as_json=kwargs.pop("as_json"),
        debug=kwargs.pop("debug"),
    )


def _unwrap(exc: BaseException) -> BaseException:
    # Task groups wrap errors; report the real one.
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def run(opts: Options, body: Callable[[Atlas], Awaitable[int | None]]) -> None:
    """Run ``body`` with a client and exit with its code, or the code of the error that ended it."""

    async def main() -> int:
        async with opts.client() as atlas:
            return int(await body(atlas) or 0)

    finish(opts, main)


def finish(opts: Options, main: Callable[[], Awaitable[int]]) -> None:
    try:
        code = anyio.run(main)
    except KeyboardInterrupt:
        sys.stderr.write("atlas-async: interrupted\n")
        code = ExitCode.INTERRUPTED
    except click.exceptions.Exit:
        raise
    except click.ClickException:
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
            echo_error(exc, as_json=opts.as_json, exit_code=int(code))
            if opts.debug or code == ExitCode.UNEXPECTED:
                if code == ExitCode.UNEXPECTED and not opts.debug:
                    sys.stderr.write("atlas-async: this is a bug; --debug shows the traceback\n")
                else:
                    traceback.print_exception(group, file=sys.stderr)
    sys.exit(int(code))


def _signers(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[Party]:
    from .._models import Party

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


def _pairs(_ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, Any]:
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
    callback=_pairs,
    metavar="K=V",
    help="Metadata to store on the envelope (k=v, repeatable, or one JSON object).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="atlas-async")
def cli() -> None:
    """Atlas e-signature from the shell: send, track, download, bulk-send, run the emulator.

    Credentials come from ATLAS_API_KEY, ATLAS_BASE_URL and ATLAS_ACCOUNT (or the matching
    options). Every command takes --json for scripts; errors are one line on stderr and the
    exit code tells them apart (see the README's table).
    """


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@signer_option
@click.option("--wait", is_flag=True, help="Wait until every signer has signed.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="With --wait: give up after (default: one hour).",
)
@click.option("--webhook-url", metavar="URL", help="Where Atlas posts this envelope's events.")
@metadata_option
@click.option("--idempotency-key", metavar="KEY", help="Make a retried command a no-op.")
@common_options
def send(**kwargs: Any) -> None:
    """Create an envelope from FILE (PDF or DOCX) and send it to the signers."""
    opts = _options(kwargs)

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
            await atlas.envelopes.wait_until_signed(env.envelope_id, **_timeout(kwargs["timeout"]))
            env = await atlas.envelopes.get(env.envelope_id)
        echo_result(env, as_json=opts.as_json, fields=(*ENVELOPE_FIELDS, "parties"))

    run(opts, body)


def _timeout(seconds: float | None) -> dict[str, float]:
    # Not given: the SDK's default deadline (an hour), not "forever".
    return {} if seconds is None else {"timeout": seconds}


@cli.command()
@click.argument("envelope_id")
@common_options
def status(envelope_id: str, **kwargs: Any) -> None:
    """Where ENVELOPE_ID stands: status, signatures so far, who is next."""
    opts = _options(kwargs)

    async def body(atlas: Atlas) -> None:
        echo_result(await atlas.envelopes.status(envelope_id), as_json=opts.as_json)

    run(opts, body)


@cli.command()
@click.argument("envelope_id")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="SECONDS",
    help="Give up after (default: one hour).",
)
@common_options
def wait(envelope_id: str, timeout: float | None, **kwargs: Any) -> None:
    """Block until ENVELOPE_ID is signed (exit 12 if declined or voided, 13 on timeout)."""
    opts = _options(kwargs)

    async def body(atlas: Atlas) -> None:
        await atlas.envelopes.wait_until_signed(envelope_id, **_timeout(timeout))
        env = await atlas.envelopes.get(envelope_id)
        echo_result(env, as_json=opts.as_json, fields=ENVELOPE_FIELDS)

    run(opts, body)


@cli.command()
@click.argument("envelope_id")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="File to write the signed PDF to.",
)
@common_options
def download(envelope_id: str, output: str, **kwargs: Any) -> None:
    """Download the signed PDF of ENVELOPE_ID (exit 7 if it is not signed yet)."""
    opts = _options(kwargs)

    async def body(atlas: Atlas) -> None:
        await atlas.envelopes.download_signed_pdf(envelope_id, output)
        size = (await anyio.Path(output).stat()).st_size
        echo_result(
            {"envelope_id": envelope_id, "path": output, "bytes": size}, as_json=opts.as_json
        )

    run(opts, body)


@cli.command()
@click.argument("envelope_id")
@click.option("--reason", help="Why it is voided (shown to the signers).")
@common_options
def void(envelope_id: str, reason: str | None, **kwargs: Any) -> None:
    """Void ENVELOPE_ID (a credit comes back when no one had signed)."""
    opts = _options(kwargs)

    async def body(atlas: Atlas) -> None:
        env = await atlas.envelopes.void(envelope_id, reason=reason)
        echo_result(env, as_json=opts.as_json, fields=ENVELOPE_FIELDS)

    run(opts, body)


@cli.command()
@click.argument("envelope_id")
@common_options
def remind(envelope_id: str, **kwargs: Any) -> None:
    """Email the signer whose turn it is again (once per signer per hour)."""
    opts = _options(kwargs)

    async def body(atlas: Atlas) -> None:
        echo_result(await atlas.envelopes.remind(envelope_id), as_json=opts.as_json)

    run(opts, body)


@cli.command("list")
@click.option("--status", "status_", metavar="STATUS", help="draft, pending, signed, ...")
@click.option("--external-id", metavar="ID", help="Only envelopes with this metadata.external_id.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@common_options
def list_(status_: str | None, external_id: str | None, limit: int, **kwargs: Any) -> None:
    """List envelopes, newest first."""
    opts = _options(kwargs)

    async def body(atlas: Atlas) -> None:
        rows: list[Any] = []
        async for env in atlas.envelopes.list(
            status=status_, external_id=external_id, limit=min(limit, 100)
        ):
            rows.append(env)
            if len(rows) >= limit:
                break
        _table(rows, ("envelope_id", "status", "created_at"), opts.as_json)

    run(opts, body)


def _table(rows: list[Any], columns: tuple[str, ...], as_json: bool) -> None:
    from ._output import jsonable

    data = [jsonable(r) for r in rows]
    if as_json:
        echo_result(data, as_json=True)
        return
    for row in data:
        click.echo("  ".join(str(row.get(c) if row.get(c) is not None else "-") for c in columns))


@cli.group()
def templates() -> None:
    """Templates: list them, send one."""


@templates.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@common_options
def templates_list(limit: int, **kwargs: Any) -> None:
    """List templates."""
    opts = _options(kwargs)

    async def body(atlas: Atlas) -> None:
        rows: list[Any] = []
        async for tmpl in atlas.templates.list(limit=min(limit, 100)):
            rows.append(tmpl)
            if len(rows) >= limit:
                break
        _table(rows, ("template_id", "name", "roles"), opts.as_json)

    run(opts, body)


@templates.command("send")
@click.argument("template_id")
@signer_option
@click.option(
    "--prefill", multiple=True, callback=_pairs, metavar="K=V", help="Prefill values (repeatable)."
)
@metadata_option
@click.option("--webhook-url", metavar="URL", help="Where Atlas posts this envelope's events.")
@click.option("--draft", is_flag=True, help="Create a draft for review instead of sending.")
@click.option("--idempotency-key", metavar="KEY", help="Make a retried command a no-op.")
@common_options
def templates_send(template_id: str, **kwargs: Any) -> None:
    """Send TEMPLATE_ID to the signers (their roles must match the template's)."""
    opts = _options(kwargs)

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


@cli.group()
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
    opts = _options(kwargs)

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
    opts = _options(kwargs)

    async def body(atlas: Atlas) -> None:
        rows: list[Any] = []
        async for acct in atlas.platform.connected_accounts.list(limit=min(limit, 100)):
            rows.append(acct)
            if len(rows) >= limit:
                break
        _table(rows, ("external_id", "connected_org_id", "status", "name"), opts.as_json)

    run(opts, body)


def _register_bulk() -> None:
    from ._bulk_cmd import bulk_send

    cli.add_command(bulk_send)


def _register_emulator() -> None:
    from ._emulator_cmd import emulator

    cli.add_command(emulator)


def _register_login() -> None:
    from ._login_cmd import login, logout

    cli.add_command(login)
    cli.add_command(logout)


_register_bulk()
_register_emulator()
_register_login()
