"""Idempotency keys: checked when the caller gives one, made or derived when not.

Every create and send carries a key fixed once per logical call and reused by every retry. Where a
re-run must be deduplicated across processes (a send after a crash), the key is derived from what
identifies the work, so the re-run carries the same key and the server replays instead of
spending a second credit.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

__all__ = ["check_key", "new_idempotency_key", "send_idempotency_key", "versioned_key"]

MAX_KEY_LENGTH = 255
_MAX_ID_IN_KEY = 80


def new_idempotency_key() -> str:
    """A fresh key for one logical operation; every retry of that operation reuses it."""
    return f"atlas-async-{uuid.uuid4()}"


def check_key(key: str | None) -> str | None:
    """A caller's Idempotency-Key, checked before any request.

    It travels as an HTTP header value: visible ASCII and inner spaces only. A non-ASCII
    character would fail deep inside the HTTP library; a control character (CR, LF) could
    split the header; a leading or trailing space is stripped on the way, so the server would
    see another key than the one the caller records.
    """
    if key is None:
        return None
    if (
        not isinstance(key, str)
        or not 1 <= len(key) <= MAX_KEY_LENGTH
        or not all(" " <= ch <= "~" for ch in key)
        or key != key.strip()
    ):
        raise ValueError(
            f"idempotency_key must be 1 to {MAX_KEY_LENGTH} printable ASCII characters, without "
            f"leading or trailing spaces (it is sent as an HTTP header), got {key!r}"
        )
    return key


def _canonical(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def send_idempotency_key(envelope_id: str, fields_version: int, body: Mapping[str, Any]) -> str:
    """The deterministic key of one send: a re-run of the same send replays, never re-spends.

    Derived from the envelope id and fields_version (what must be deduplicated), plus a digest of
    the body, so a send with different parties is a different request rather than a 422. The id
    is percent-encoded (a header is ASCII) and, past 80 characters, cut and folded into the
    digest, so the key stays within the contract's 255 characters.
    """
    name = quote(envelope_id, safe="")
    material = _canonical(body)
    if len(name) > _MAX_ID_IN_KEY:
        material = envelope_id + "\0" + material
        name = name[:_MAX_ID_IN_KEY]
    digest = hashlib.sha256(material.encode()).hexdigest()[:16]
    return f"atlas-send-{name}-v{fields_version}-{digest}"


def versioned_key(key: str, fields_version: int) -> str:
    """The caller's key for a later fields_version, kept within the contract's 255 characters."""
    suffix = f"-v{fields_version}"
    if len(key) + len(suffix) <= MAX_KEY_LENGTH:
        return key + suffix
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"{key[: MAX_KEY_LENGTH - len(suffix) - 17]}-{digest}{suffix}"
