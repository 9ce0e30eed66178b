"""What a returned model remembers about the response that produced it.

The generated models are slotted attrs classes (no room for an extra attribute) and compare by
value (so they cannot key a WeakKeyDictionary); the details therefore live beside the object,
keyed by identity, and go away with it. ``get_request_id(envelope)`` is what a support ticket
needs; ``was_replayed(envelope)`` says whether the server answered from its idempotency store.
"""

from __future__ import annotations

import weakref
from typing import Any, NamedTuple

__all__ = ["attach_response_info", "get_request_id", "was_replayed"]


class _Info(NamedTuple):
    ref: weakref.ref[Any]
    request_id: str | None
    replayed: bool


_INFO: dict[int, _Info] = {}


def attach_response_info(obj: Any, request_id: str | None, *, replayed: bool = False) -> None:
    if (request_id is None and not replayed) or obj is None:
        return
    key = id(obj)

    def forget(_ref: weakref.ref[Any]) -> None:
        _INFO.pop(key, None)

    try:
        ref = weakref.ref(obj, forget)
    except TypeError:  # not weak-referenceable (a str, a list): nothing to attach to
        return
    _INFO[key] = _Info(ref, request_id, replayed)


def _info(obj: object) -> _Info | None:
    entry = _INFO.get(id(obj))
    if entry is None or entry.ref() is not obj:
        return None
    return entry


def get_request_id(obj: object) -> str | None:
    """The ``X-Request-Id`` of the response that produced ``obj`` (a model or a page), if any."""
    request_id = getattr(obj, "request_id", None)
    if isinstance(request_id, str):
        return request_id
    entry = _info(obj)
    return entry.request_id if entry is not None else None


def was_replayed(obj: object) -> bool:
    """True when ``obj`` came from a replay of work done before this call started.

    Atlas marks an answer served from its idempotency store with ``Idempotency-Replayed: true``:
    the same Idempotency-Key had already been processed, so nothing was created or spent now
    (a re-run of a create or send after a crash, say). When one of this call's own attempts may
    have reached the server (a connection lost or a 5xx, then a retry answered by the replay),
    the work may well have been this call's, so this is False: a replay is only reported when it
    cannot have been this call's own.
    """
    entry = _info(obj)
    return entry.replayed if entry is not None else False
