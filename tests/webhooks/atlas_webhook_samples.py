"""Builders for webhook bodies shaped as ATLAS_API.md describes, signed as Atlas signs them."""

from __future__ import annotations

import json
import uuid
from typing import Any

from atlas_async.testing._signing import sign_webhook

SECRET = "test_0123456789abcdef"

_TERMINAL_STATUS = {
    "envelope.created": "draft",
    "envelope.sent": "pending",
    "envelope.viewed": "pending",
    "envelope.signed": "signed",
    "envelope.declined": "declined",
    "envelope.voided": "voided",
}


def envelope_data(envelope_id: str, status: str = "pending", **extra: Any) -> dict[str, Any]:
    """An envelope object as GET /api/envelope/{id} returns it."""
    data: dict[str, Any] = {
        "envelope_id": envelope_id,
        "status": status,
        "fields_status": "ready",
        "fields_version": 2,
        "fields": [],
        "parties": [
            {
                "email": "jane@example.com",
                "name": "Jane Doe",
                "role": "Customer",
                "order": 1,
                "status": "signed" if status == "signed" else "pending",
                "signed_at": None,
                "sign_url": None,
            }
        ],
        "metadata": {"external_id": "crm-42"},
        "created_at": "2026-03-02T14:05:09Z",
    }
    data.update(extra)
    return data


def event_payload(
    event_type: str,
    *,
    envelope_id: str | None = None,
    event_id: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    envelope_id = envelope_id or str(uuid.uuid4())
    if event_type == "contract.extracted":
        data: dict[str, Any] = {"envelope_id": envelope_id, "extract": {"term_months": 12}}
    else:
        data = envelope_data(envelope_id, _TERMINAL_STATUS.get(event_type, "pending"))
    payload: dict[str, Any] = {
        "event_id": event_id or f"evt_{uuid.uuid4().hex[:12]}",
        "type": event_type,
        "created_at": "2026-03-02T15:41:22Z",
        "envelope_id": envelope_id,
        "data": data,
    }
    payload.update(overrides)
    return payload


def signed(payload: dict[str, Any], secret: str = SECRET) -> tuple[bytes, str]:
    """The exact body bytes and the X-Atlas-Signature value for them."""
    body = json.dumps(payload).encode()
    return body, sign_webhook(body, secret)
