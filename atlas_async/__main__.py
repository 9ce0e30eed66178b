"""``python -m atlas_async``: the same command line as ``atlas-async``."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    main()
