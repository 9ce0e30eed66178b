"""``python -m codegen``: the command-line entry point."""

import sys

from ._cli import main

sys.exit(main())
