"""Sign a webhook body exactly as Atlas does, for tests of webhook receivers.

Atlas sends ``X-Atlas-Signature: sha256=<hex HMAC-SHA256 of the raw body>``, keyed with the API key
that created the envelope. This module is deliberately self-contained (stdlib only): the emulator
uses it to sign its deliveries and must not share code with the client side it is testing, so it
computes the HMAC itself instead of borrowing ``atlas_async.webhooks``.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["SIGNATURE_HEADER", "sign_webhook"]

#: The request header Atlas puts the signature in.
SIGNATURE_HEADER = "X-Atlas-Signature"


def sign_webhook(payload: bytes | str, secret: str | bytes) -> str:
    """The ``X-Atlas-Signature`` header value Atlas would send with ``payload``.

    ``payload`` must be the exact bytes you will POST (a ``str`` is encoded as UTF-8); ``secret``
    is the API key that created the envelope.

    >>> body = b'{"event_id": "evt_1", "type": "envelope.signed"}'
    >>> headers = {"X-Atlas-Signature": sign_webhook(body, "test_key")}
    """
    if not isinstance(payload, bytes | bytearray | memoryview | str):
        raise TypeError(
            f"sign_webhook() needs the raw body as bytes or str, not {type(payload).__name__}: "
            "serialise it once (json.dumps(...).encode()) and send those same bytes"
        )
    if not isinstance(secret, str | bytes):
        raise TypeError(f"the secret must be str or bytes, not {type(secret).__name__}")
    if not secret:
        raise ValueError("the webhook secret is empty")
    body = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
