"""``atlas-async emulator``: the Atlas emulator on a local port, for demos and end-to-end tests."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import anyio
import click

__all__ = ["emulator"]


@click.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port to listen on (0: any free port; the URL is printed).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind.")
def emulator(port: int, host: str) -> None:
    """Serve the Atlas emulator (atlas_async.testing) until Ctrl-C.

    Prints ATLAS_BASE_URL=... and ATLAS_API_KEY=... lines: `eval` them, or export them, and
    every other command talks to the emulator. Needs the `testing` extra.
    """
    try:
        from ..testing import FakeAtlas
    except ImportError as exc:  # the extra is not installed
        raise click.ClickException(
            f"the emulator needs the testing extra: pip install 'atlas-async[testing]' ({exc})"
        ) from None

    async def main() -> None:
        fake: Any = FakeAtlas()
        async with fake.serve(host=host, port=port) as url:
            sys.stdout.write(f"ATLAS_BASE_URL={url}\nATLAS_API_KEY={fake.api_key}\n")
            sys.stdout.flush()
            await anyio.sleep_forever()

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how the emulator stops
        anyio.run(main)
