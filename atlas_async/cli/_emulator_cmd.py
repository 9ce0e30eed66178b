"""``atlas-async emulator``: the Atlas emulator on a local port, for demos and end-to-end tests.

It runs exactly what ``python -m atlas_async.testing`` runs (``atlas_async.testing.serve``), so the
two never drift.
"""

from __future__ import annotations

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
def emulator(
    port: int, host: str, credits: int, detection_delay: float, webhook_time_scale: float
) -> None:
    """Serve the Atlas emulator (atlas_async.testing) until Ctrl-C.

    Prints ATLAS_BASE_URL=... and ATLAS_API_KEY=... lines: export them and every other command
    talks to the emulator. Needs the testing extra.
    """
    try:
        from ..testing import serve
    except ImportError as exc:  # the extra is not installed
        raise click.ClickException(
            f"the emulator needs the testing extra: pip install 'atlas-async[testing]' ({exc})"
        ) from None
    raise SystemExit(
        serve(
            host=host,
            port=port,
            initial_credits=credits,
            detection_delay=detection_delay,
            webhook_time_scale=webhook_time_scale,
        )
    )
