"""The asyncio-only guard of every contrib integration.

redis-py's asyncio client and taskiq are built on asyncio: under trio they fail deep inside with
an error that names neither them nor trio. Each public coroutine of ``contrib`` checks first and
raises :class:`AsyncioRequiredError`, which says what to do.
"""

from __future__ import annotations

import asyncio

__all__ = ["AsyncioRequiredError", "require_asyncio"]


class AsyncioRequiredError(RuntimeError):
    """A contrib class (Redis, taskiq) was used outside asyncio (under trio, say)."""


def require_asyncio(what: str) -> None:
    """Raise :class:`AsyncioRequiredError` unless an asyncio event loop runs this code."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise AsyncioRequiredError(
            f"{what} needs asyncio (it runs on redis-py's asyncio client): run this code under "
            "asyncio (anyio's default backend), not trio. The rest of atlas_async runs under both."
        ) from None
