"""The ``atlas-async`` group: the commands there are, and the module that defines each.

A command's module is imported only when that command runs, or when ``--help`` lists it; the
modules keep their heavy imports (the emulator, OAuth, the bulk engine, rich) inside the
commands, so neither path pays for code it does not run.
"""

from __future__ import annotations

import importlib

import click

from .._version import __version__

__all__ = ["cli"]

# name -> (module in this package, attribute)
_COMMANDS: dict[str, tuple[str, str]] = {
    "send": ("._envelope_cmds", "send"),
    "status": ("._envelope_cmds", "status"),
    "wait": ("._wait_cmd", "wait"),
    "download": ("._envelope_cmds", "download"),
    "void": ("._envelope_cmds", "void"),
    "remind": ("._envelope_cmds", "remind"),
    "list": ("._envelope_cmds", "list_"),
    "templates": ("._templates_cmd", "templates"),
    "accounts": ("._accounts_cmd", "accounts"),
    "bulk-send": ("._bulk_cmd", "bulk_send"),
    "worker": ("._queue_cmds", "worker"),
    "emulator": ("._emulator_cmd", "emulator"),
    "login": ("._login_cmd", "login"),
    "logout": ("._login_cmd", "logout"),
}


class _LazyGroup(click.Group):
    """A group whose subcommands are imported on first use (click's documented pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in _COMMANDS:
            module, attribute = _COMMANDS[cmd_name]
            command = getattr(importlib.import_module(module, __package__), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{module}.{attribute} is not a click command")
            self.add_command(command, cmd_name)
        return command


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="atlas-async")
def cli() -> None:
    """Atlas e-signature from the shell: send, track, download, bulk-send, run the emulator.

    Credentials come from ATLAS_API_KEY, ATLAS_BASE_URL and ATLAS_ACCOUNT (or the matching
    options). Every command takes --json for scripts; errors are one line on stderr and the
    exit code tells them apart (see "Exit codes" on the documentation's Command line page).
    """
