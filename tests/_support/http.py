"""The HTTP library a test run uses: ``ATLAS_HTTP_LIBRARY`` (``httpx``, the default, or ``httpx2``).

The client suite and the core tests import it as ``httpx`` (``from .._support.http import httpx``)
so one source runs on either library: httpx2 keeps httpx's API under another name. The SDK reads
the same variable for the clients it makes itself, so a run is on one library throughout.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

#: ``httpx`` or ``httpx2``.
NAME = os.environ.get("ATLAS_HTTP_LIBRARY", "").strip().lower() or "httpx"
if NAME not in ("httpx", "httpx2"):
    raise RuntimeError(f"ATLAS_HTTP_LIBRARY must be httpx or httpx2, not {NAME!r}")

httpx: Any = importlib.import_module(NAME)
