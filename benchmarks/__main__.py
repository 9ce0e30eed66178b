"""``python -m benchmarks``: run every benchmark and write benchmarks/RESULTS.md."""

from __future__ import annotations

import sys

from .bulk import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
