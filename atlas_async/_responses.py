"""What a returned model remembers about the response that produced it.

The generated models are slotted attrs classes (no room for an extra attribute) and compare by
value (so they cannot key a WeakKeyDictionary); the details therefore live beside the object,
keyed by identity, and go away with it. ``get_request_id(envelope)`` is what a support ticket
needs; ``was_replayed(envelope)`` says whether the server answered from its idempotency store.
"""

from __future__ import annotations

import weakref
from typing import Any

__all__ = ["attach_response_info", "get_request_id", "was_replayed"]


class _Info(weakref.ref[Any]):
    """The details of one object's response, in the weak reference that keys them: one small
    object per model kept (a wait keeps its last poll's for minutes, ten thousand waits at once),
    where a reference, a tuple and a closure each were some 300 bytes more."""

    __slots__ = ("key", "replayed", "request_id")

    key: int
    request_id: str | None
    replayed: bool


def _forget(info: _Info) -> None:
    # The object is gone; its id may be another's already, attached since: only its own goes.
    if _INFO.get(info.key) is info:
        del _INFO[info.key]


_INFO: dict[int, _Info] = {}


def attach_response_info(obj: Any, request_id: str | None, *, replayed: bool = False) -> None:
    if (request_id is None and not replayed) or obj is None:
        return
    try:
        info = _Info(obj, _forget)
    except TypeError:  # not weak-referenceable (a str, a list): nothing to attach to
        return
    info.key, info.request_id, info.replayed = id(obj), request_id, replayed
    _INFO[info.key] = info


def _info(obj: object) -> _Info | None:
    entry = _INFO.get(id(obj))
    if entry is None or entry() is not obj:
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
