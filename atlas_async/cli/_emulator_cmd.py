"""``atlas-async emulator``: the Atlas emulator on a local port, and the verbs that drive it.

Without a verb it serves, running exactly what ``python -m atlas_async.testing`` runs
(``atlas_async.testing.serve``), so the two never drift. ``sign``, ``decline``, ``credits`` and
``detection`` act on an emulator already running at ``ATLAS_BASE_URL`` with ``ATLAS_API_KEY`` (the
lines its banner prints), through its ``/_emulator/`` controls.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ._common import Options, common_options, options_from
from ._exit import ExitCode
from ._output import echo_error, echo_result

if TYPE_CHECKING:
    from ..testing import EmulatorControls

__all__ = ["emulator"]

_TESTING_EXTRA = "the emulator needs the testing extra: pip install 'atlas-async[testing]'"


@click.group(invoke_without_command=True)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port to listen on (0: any free port; the URL is printed).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option(
    "--credits", type=click.IntRange(min=0), default=5, show_default=True, help="Starting credits."
)
@click.option(
    "--detection-delay",
    type=click.FloatRange(min=0),
    default=0.5,
    show_default=True,
    help="Seconds field detection stays pending.",
)
@click.option(
    "--webhook-time-scale",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Multiplies webhook retry delays (0.001: minutes become milliseconds).",
)
@click.pass_context
def emulator(
    ctx: click.Context,
    port: int,
    host: str,
    credits: int,
    detection_delay: float,
    webhook_time_scale: float,
) -> None:
    """Serve the Atlas emulator (atlas_async.testing) until Ctrl-C, or drive a running one.

    Without a command it serves, and prints ATLAS_BASE_URL=... and ATLAS_API_KEY=... lines: export
    them and every other command talks to the emulator, these included. Needs the testing extra.
    """
    if ctx.invoked_subcommand is not None:
        return
    try:
        from ..testing import serve
    except ImportError as exc:  # the extra is not installed
        raise click.ClickException(f"{_TESTING_EXTRA} ({exc})") from None
    raise SystemExit(
        serve(
            host=host,
            port=port,
            initial_credits=credits,
            detection_delay=detection_delay,
            webhook_time_scale=webhook_time_scale,
        )
    )


@emulator.command()
@click.argument("envelope_id")
@click.option("--all", "every", is_flag=True, help="Sign as every party left, in order.")
@common_options
def sign(envelope_id: str, every: bool, **kwargs: Any) -> None:
    """Sign ENVELOPE_ID as the party whose turn it is (exit 7 if nobody is due)."""
    _control(
        options_from(kwargs),
        lambda c: c.sign(envelope_id, every=every),
        ("envelope_id", "status", "signed"),
    )


@emulator.command()
@click.argument("envelope_id")
@click.option("--reason", required=True, help="Why the signer declines.")
@common_options
def decline(envelope_id: str, reason: str, **kwargs: Any) -> None:
    """Decline ENVELOPE_ID as the party whose turn it is (exit 7 if nobody is due)."""
    _control(
        options_from(kwargs),
        lambda c: c.decline(envelope_id, reason),
        ("envelope_id", "status", "declined_by"),
    )


@emulator.command(name="credits")
@click.argument("action", required=False, type=click.Choice(["add"]), metavar="[add]")
@click.argument("amount", required=False, type=click.IntRange(min=1), metavar="[N]")
@common_options
def credits_(action: str | None, amount: int | None, **kwargs: Any) -> None:
    """Show the credits the org can spend, or top them up with `credits add N`."""
    if action is None and amount is not None:
        raise click.UsageError("to top up, say `credits add N`")
    if action == "add" and amount is None:
        raise click.UsageError("`credits add` needs a positive number of credits")

    def act(controls: EmulatorControls) -> dict[str, Any]:
        if amount is None:
            return {"credits": controls.credits()}
        return {"credits": controls.add_credits(amount)}

    _control(options_from(kwargs), act)


@emulator.command()
@click.argument("outcome", type=click.Choice(["ready", "failed", "recovered_empty"]))
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=None,
    help="For the next N new envelopes only (default: every new one from now on).",
)
@click.option(
    "--delay", type=click.FloatRange(min=0), default=None, help="Seconds detection stays pending."
)
@common_options
def detection(outcome: str, count: int | None, delay: float | None, **kwargs: Any) -> None:
    """Decide how field detection of new envelopes ends (for the whole emulator)."""
    _control(options_from(kwargs), lambda c: c.set_detection(outcome, count=count, delay=delay))


def _control(
    opts: Options,
    act: Callable[[EmulatorControls], dict[str, Any]],
    fields: tuple[str, ...] = (),
) -> None:
    """Run one control against the emulator at ``--base-url``; print it, or exit with its error."""
    try:
        from ..testing import ApiError, EmulatorControls
    except ImportError as exc:
        raise click.ClickException(f"{_TESTING_EXTRA} ({exc})") from None
    if not opts.base_url:
        # Never the default https://atlaswork.ai: these verbs only make sense against an emulator.
        _fail(opts, ValueError(_NO_URL), ExitCode.USAGE)
    if not opts.api_key:
        _fail(opts, ValueError(_NO_KEY), ExitCode.AUTH)
    controls = EmulatorControls(opts.base_url, opts.api_key, account=opts.account)
    try:
        result = act(controls)
    except ApiError as exc:
        _fail(opts, exc, _STATUS_EXIT.get(exc.status, ExitCode.REJECTED))
    except ConnectionError as exc:
        _fail(opts, exc, ExitCode.CONNECTION)
    echo_result(result, as_json=opts.as_json, fields=fields)


_NO_URL = "no emulator URL: set ATLAS_BASE_URL (or pass --base-url) to the URL the emulator printed"
_NO_KEY = "no API key: set ATLAS_API_KEY (or pass --api-key) to the key the emulator printed"
_STATUS_EXIT = {
    401: ExitCode.AUTH,
    403: ExitCode.PERMISSION,
    404: ExitCode.NOT_FOUND,
    409: ExitCode.CONFLICT,
}


def _fail(opts: Options, exc: BaseException, code: ExitCode) -> NoReturn:
    echo_error(exc, as_json=opts.as_json, exit_code=int(code))
    sys.exit(int(code))
