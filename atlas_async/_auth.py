"""The seam between the client and any token source other than a static API key.

``Atlas(auth=...)`` takes any object with these two coroutines. ``atlas_async.oauth`` provides one
that refreshes OAuth tokens by itself; users can plug in their own (a secrets manager, say).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["TokenProvider"]


@runtime_checkable
class TokenProvider(Protocol):
    async def token(self) -> str:
        """The bearer token to send now, refreshed first if it is about to expire."""
        ...

    async def refresh(self, rejected: str) -> str | None:
        """Called once after the server answered 401 to ``rejected``.

        Return a new token to retry the request with, or None to give up (the 401 is raised).
        Implementations must make concurrent callers share a single refresh.
        """
        ...
