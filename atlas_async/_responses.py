"""Request ids on returned models.

The generated models are slotted attrs classes (no room for an extra attribute) and compare by
value (so they cannot key a WeakKeyDictionary); the id therefore lives beside the object, keyed by
identity, and goes away with it. ``get_request_id(envelope)`` is what a support ticket needs.
"""

from __future__ import annotations

import weakref
from typing import Any

__all__ = ["attach_request_id", "get_request_id"]

_IDS: dict[int, tuple[weakref.ref[Any], str]] = {}


def attach_request_id(obj: Any, request_id: str | None) -> None:
    if request_id is None or obj is None:
        return
    key = id(obj)

    def forget(_ref: weakref.ref[Any]) -> None:
        _IDS.pop(key, None)

    try:
        ref = weakref.ref(obj, forget)
    except TypeError:  # not weak-referenceable (a str, a list): nothing to attach to
        return
    _IDS[key] = (ref, request_id)


def get_request_id(obj: object) -> str | None:
    """The ``X-Request-Id`` of the response that produced ``obj`` (a model or a page), if any."""
    request_id = getattr(obj, "request_id", None)
    if isinstance(request_id, str):
        return request_id
    entry = _IDS.get(id(obj))
    if entry is None or entry[0]() is not obj:
        return None
    return entry[1]
