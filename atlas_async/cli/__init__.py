"""The ``atlas-async`` command line (needs the ``cli`` extra: click and rich).

``main`` is the console script; ``python -m atlas_async`` runs it too.
"""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``atlas-async``: parse ``argv`` (default ``sys.argv[1:]``) and run."""
    try:
        from ._app import cli
    except ImportError as exc:  # click or rich missing: say how to fix it, in one line
        import sys

        sys.stderr.write(
            f"atlas-async: the command line needs the cli extra: "
            f"pip install 'atlas-async[cli]' ({exc})\n"
        )
        raise SystemExit(2) from None
    cli.main(args=argv, prog_name="atlas-async")
