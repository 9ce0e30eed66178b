"""Verify ``X-Atlas-Signature``: HMAC-SHA256 over the raw request body.

Atlas signs the exact bytes it sends, keyed with the API key that created the envelope, and puts
``sha256=<hex digest>`` in the header. The check must run on those bytes: a body that was parsed
and re-serialised (key order, spacing, unicode escapes) no longer matches, which is why every entry
point here takes ``bytes`` and rejects a parsed ``dict`` with a pointed ``TypeError``.

Atlas sends no timestamp, so there is no replay window to check; replays are absorbed by the
dispatcher's ``event_id`` de-duplication instead.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import TypeAlias

from .._errors import WebhookSignatureError
from .._secrets import register

__all__ = ["SIGNATURE_HEADER", "Secrets", "body_bytes", "normalize_secrets", "verify_signature"]

#: The request header Atlas puts the signature in.
SIGNATURE_HEADER = "X-Atlas-Signature"

#: One secret, or several while a key is being rotated (any one of them may match).
Secrets: TypeAlias = str | bytes | Sequence[str | bytes]

_SCHEME = "sha256="
_HEX = frozenset("0123456789abcdefABCDEF")
_DIGEST_HEX_LEN = hashlib.sha256().digest_size * 2


def normalize_secrets(secret_or_secrets: Secrets) -> tuple[bytes, ...]:
    """The secrets as a non-empty tuple of keys; raises on a configuration mistake.

    These are programming errors, not bad requests, so they raise ``TypeError``/``ValueError`` and
    never :class:`WebhookSignatureError`: a receiver must not answer "bad signature" (and drop the
    event) because its own secret is missing.
    """
    items: Sequence[object]
    if isinstance(secret_or_secrets, str | bytes):
        items = (secret_or_secrets,)
    elif isinstance(secret_or_secrets, Sequence):
        items = secret_or_secrets
    else:
        raise TypeError(
            "the webhook secret must be str, bytes or a sequence of them, "
            f"not {type(secret_or_secrets).__name__}"
        )
    keys: list[bytes] = []
    for item in items:
        if isinstance(item, str):
            key = item.encode("utf-8")
        elif isinstance(item, bytes | bytearray):
            key = bytes(item)
        else:
            raise TypeError(f"a webhook secret must be str or bytes, not {type(item).__name__}")
        if not key:
            raise ValueError("a webhook secret is empty (check the environment variable)")
        register(key.decode("utf-8", "replace"))  # never in an error or a log line
        keys.append(key)
    if not keys:
        raise ValueError("no webhook secret configured")
    return tuple(keys)


def body_bytes(payload: object) -> bytes:
    """The raw body as ``bytes``; a parsed body (dict, list...) is a ``TypeError``."""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, bytearray | memoryview):
        return bytes(payload)
    if isinstance(payload, str):
        # A decoded body re-encodes to the same bytes when it was UTF-8 (Atlas sends UTF-8 JSON);
        # lone surrogates pass through so such a body simply fails to match instead of crashing.
        return payload.encode("utf-8", "surrogatepass")
    raise TypeError(
        f"webhook payload must be the raw request body (bytes), not {type(payload).__name__}: "
        "parsing the JSON and serialising it again changes the bytes and breaks the signature"
    )


def _header_text(signature_header: object) -> str | None:
    if signature_header is None:
        return None
    if isinstance(signature_header, bytes | bytearray):
        # Raw ASGI header values are bytes; latin-1 maps every byte, so decoding cannot fail.
        return bytes(signature_header).decode("latin-1")
    if isinstance(signature_header, str):
        return signature_header
    raise TypeError(
        f"the signature header must be str, bytes or None, not {type(signature_header).__name__}"
    )


def _candidate_digests(header: str) -> list[bytes]:
    """The sha256 digests in the header, as ASCII hex; raises when there is none usable.

    One value is what Atlas sends. A comma-separated list is accepted too (two ``X-Atlas-Signature``
    headers joined by a proxy, or a future sender that signs with two keys during rotation); entries
    under another scheme (``sha512=``, ``v1=``) are skipped so such an addition cannot break us.
    """
    digests: list[bytes] = []
    saw_entry = False
    for raw in header.split(","):
        entry = raw.strip()
        if not entry:
            continue
        saw_entry = True
        scheme, sep, value = entry.partition("=")
        if not sep:
            raise WebhookSignatureError(
                f"malformed {SIGNATURE_HEADER} header: expected 'sha256=<64 hex digits>'",
                reason="malformed",
            )
        if scheme.strip().lower() + "=" != _SCHEME:
            continue
        value = value.strip()
        if len(value) != _DIGEST_HEX_LEN or not _HEX.issuperset(value):
            raise WebhookSignatureError(
                f"malformed {SIGNATURE_HEADER} header: the sha256 value must be "
                f"{_DIGEST_HEX_LEN} hex digits",
                reason="malformed",
            )
        digests.append(value.lower().encode("ascii"))
    if not saw_entry:
        raise WebhookSignatureError(f"missing {SIGNATURE_HEADER} header", reason="missing")
    if not digests:
        raise WebhookSignatureError(
            f"malformed {SIGNATURE_HEADER} header: no 'sha256=' signature in it",
            reason="malformed",
        )
    return digests


def verify_signature(
    payload: bytes,
    signature_header: str | bytes | None,
    secret_or_secrets: Secrets,
) -> None:
    """Check that ``signature_header`` is Atlas's signature of ``payload``; return None if so.

    ``payload`` is the raw request body, byte for byte as received. ``signature_header`` is the
    value of ``X-Atlas-Signature`` (None when the request had none). ``secret_or_secrets`` is the
    API key that created the envelope, or several keys while you rotate them.

    Raises :class:`~atlas_async.WebhookSignatureError` with ``reason`` ``"missing"``,
    ``"malformed"`` or ``"mismatch"``. The message never contains a secret or the expected digest.
    The comparison is constant-time (``hmac.compare_digest``) against every secret.
    """
    keys = normalize_secrets(secret_or_secrets)
    body = body_bytes(payload)
    header = _header_text(signature_header)
    if header is None or not header.strip():
        raise WebhookSignatureError(f"missing {SIGNATURE_HEADER} header", reason="missing")
    received = _candidate_digests(header)
    matched = False
    for key in keys:
        expected = hmac.new(key, body, hashlib.sha256).hexdigest().encode("ascii")
        for digest in received:
            # No early exit: the work done does not depend on which secret or entry matched.
            matched |= hmac.compare_digest(expected, digest)
    if not matched:
        raise WebhookSignatureError(
            f"{SIGNATURE_HEADER} does not match the body for any configured secret "
            f"({len(keys)} tried); was the body modified, or signed with another API key?",
            reason="mismatch",
        )
