"""Idempotency keys: a 24 h window, replay of the original answer, reuse and in-flight detection.

Keys are scoped per organisation and per namespace (the route, and for creates the transport:
multipart and JSON creates are separate namespaces). Only successful (2xx) answers are stored:
an error releases the key, so a retry after fixing the cause (credits topped up, detection
finished) runs again instead of replaying the old error.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ._apierror import ApiError
from ._clock import Clock

__all__ = ["IDEMPOTENCY_WINDOW", "IdempotencyStore", "StoredResponse"]

IDEMPOTENCY_WINDOW = 24 * 3600.0


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes
    content_type: str


@dataclass
class _Entry:
    fingerprint: str
    created_at: float
    response: StoredResponse | None = None  # None while the first request is in flight


class IdempotencyStore:
    """The state machine of one key: absent -> in flight -> done (stored) | absent (released)."""

    def __init__(self, clock: Clock, window: float = IDEMPOTENCY_WINDOW) -> None:
        self._clock = clock
        self._window = window
        self._entries: dict[tuple[str, str, str], _Entry] = {}
        self._lock = threading.Lock()

    def begin(
        self, scope: str, namespace: str, key: str, fingerprint: str
    ) -> StoredResponse | None:
        """Reserve ``key``; return the stored answer for a replay, or ``None`` to go ahead.

        Raises 422 ``idempotency_key_reused`` for the same key with a different request, and
        409 ``idempotency_key_in_use`` while the first request with that key is still running.
        """
        now = self._clock()
        with self._lock:
            entry = self._entries.get((scope, namespace, key))
            if entry is not None and now - entry.created_at >= self._window:
                entry = None  # expired: the key is fresh again
            if entry is None:
                self._entries[(scope, namespace, key)] = _Entry(fingerprint, now)
                return None
            if entry.fingerprint != fingerprint:
                raise ApiError(
                    422,
                    "idempotency_key_reused",
                    "This Idempotency-Key was already used with a different request body.",
                )
            if entry.response is None:
                raise ApiError(
                    409,
                    "idempotency_key_in_use",
                    "A request with this Idempotency-Key is still being processed.",
                    headers={"Retry-After": "1"},
                )
            return entry.response

    def complete(self, scope: str, namespace: str, key: str, response: StoredResponse) -> None:
        """Store the answer of the in-flight request (2xx only; anything else releases)."""
        with self._lock:
            entry = self._entries.get((scope, namespace, key))
            if entry is None or entry.response is not None:
                return
            if 200 <= response.status < 300:
                entry.response = response
            else:
                del self._entries[(scope, namespace, key)]

    def release(self, scope: str, namespace: str, key: str) -> None:
        """Forget an in-flight reservation whose request failed."""
        with self._lock:
            entry = self._entries.get((scope, namespace, key))
            if entry is not None and entry.response is None:
                del self._entries[(scope, namespace, key)]

    def in_flight(self) -> list[str]:
        """Keys whose first request is still running: lets a test act at that exact moment."""
        with self._lock:
            return sorted(key for (_, _, key), e in self._entries.items() if e.response is None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
