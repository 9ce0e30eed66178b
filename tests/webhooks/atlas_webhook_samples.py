"""Builders for webhook bodies shaped as ATLAS_API.md describes, signed as Atlas signs them."""

from __future__ import annotations

import importlib.util
import json
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

from atlas_async.testing import sign_webhook

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


ROOT = Path(__file__).resolve().parents[2]


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` (the examples are scripts, not a package)."""
    path = ROOT / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"atlas_example_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def asgi_post(
    app: Any,
    path: str,
    chunks: list[bytes],
    headers: list[tuple[bytes, bytes]] | None = None,
    *,
    method: str = "POST",
    disconnect_after: int | None = None,
) -> tuple[int | None, bytes]:
    """Drive an ASGI app with a hand-made request: body in ``chunks``, no Content-Length.

    With ``disconnect_after=n`` the client hangs up after ``n`` chunks. Returns the status (None
    when the app sent no response) and the response body.
    """
    incoming: list[dict[str, Any]] = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ] or [{"type": "http.request", "body": b"", "more_body": False}]
    if disconnect_after is not None:
        incoming = [*incoming[:disconnect_after], {"type": "http.disconnect"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers or [],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    status = next((m["status"] for m in sent if m["type"] == "http.response.start"), None)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body
