"""A minimal MCP server at ``/api/mcp`` (JSON-RPC 2.0 over streamable HTTP, JSON answers).

Atlas serves MCP at ``/api/mcp``, over the same envelope rows as REST. The tools act on the
same :class:`AtlasState` as the REST routes, for the org the Bearer (API key or OAuth token)
belongs to. Only what an agent needs to see that sharing: initialize, tools/list, tools/call.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from ._apierror import ApiError
from ._state import AtlasState, OrgRecord, parse_parties

__all__ = ["PROTOCOL_VERSION", "handle_rpc"]

PROTOCOL_VERSION = "2025-06-18"

_ID = {
    "type": "object",
    "properties": {"envelope_id": {"type": "string"}},
    "required": ["envelope_id"],
}
_TOOLS: list[dict[str, Any]] = [
    {
        "name": "list_envelopes",
        "description": "List envelopes, newest first (optionally by status).",
        "inputSchema": {
            "type": "object",
            "properties": {"status": {"type": "string"}, "limit": {"type": "integer"}},
        },
    },
    {
        "name": "get_envelope",
        "description": "One envelope with fields and parties.",
        "inputSchema": _ID,
    },
    {"name": "get_envelope_status", "description": "Signing progress.", "inputSchema": _ID},
    {
        "name": "create_envelope",
        "description": "Create a draft from a base64 PDF or DOCX, with parties.",
        "inputSchema": {
            "type": "object",
            "properties": {"document": {"type": "string"}, "parties": {"type": "array"}},
            "required": ["document"],
        },
    },
    {"name": "send_envelope", "description": "Send a draft (spends a credit).", "inputSchema": _ID},
    {
        "name": "void_envelope",
        "description": "Void a draft or pending envelope.",
        "inputSchema": _ID,
    },
]

Converter = Callable[[bytes], bytes]  # bytes -> PDF (400 for anything else)


_WRITES = frozenset({"create_envelope", "send_envelope", "void_envelope"})


def handle_rpc(
    state: AtlasState,
    org: OrgRecord,
    key: str,
    message: Any,
    to_pdf: Converter,
    scopes: frozenset[str] | None = None,
) -> dict[str, Any] | None:
    """Answer one JSON-RPC message; ``None`` for a notification (no ``id``)."""
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0" or "method" not in message:
        return _error(None, -32600, "Invalid Request")
    rid = message.get("id")
    method = message["method"]
    if "id" not in message:  # notifications/initialized and friends: nothing to answer
        return None
    params = message.get("params") or {}
    if method == "initialize":
        return _result(
            rid,
            {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {"tools": {"listChanged": False}},
                "serverInfo": {"name": "atlas-emulator", "version": "1"},
            },
        )
    if method == "ping":
        return _result(rid, {})
    if method == "tools/list":
        return _result(rid, {"tools": _TOOLS})
    if method == "tools/call":
        if not isinstance(params, dict) or not isinstance(params.get("arguments", {}), dict):
            return _error(rid, -32602, "Invalid params")
        name = params.get("name")
        needed = "envelopes:write" if name in _WRITES else "envelopes:read"
        try:
            if scopes is not None and needed not in scopes:
                raise ApiError(403, "insufficient_scope", f"This access token lacks {needed!r}.")
            with state.lock:
                data = _call(
                    state, org, key, params.get("name"), params.get("arguments", {}), to_pdf
                )
        except ApiError as exc:
            text = f"{exc.status} {exc.code}: {exc.message}"
            return _result(rid, {"content": [{"type": "text", "text": text}], "isError": True})
        except LookupError:
            return _error(rid, -32602, f"Unknown tool {params.get('name')!r}")
        return _result(
            rid,
            {
                "content": [{"type": "text", "text": json.dumps(data)}],
                "structuredContent": data,
                "isError": False,
            },
        )
    return _error(rid, -32601, f"Method not found: {method}")


def _call(
    state: AtlasState, org: OrgRecord, key: str, name: Any, args: dict[str, Any], to_pdf: Converter
) -> dict[str, Any]:
    def envelope_id() -> str:
        value = args.get("envelope_id")
        if not isinstance(value, str):
            raise ApiError(400, "invalid_request", "envelope_id (a string) is required.")
        return value

    if name == "list_envelopes":
        limit = args.get("limit", 20)
        rows, cursor = state.list_envelopes(
            org, status=args.get("status"), limit=limit if isinstance(limit, int) else 20
        )
        return {"items": [state.summary_json(e) for e in rows], "next_cursor": cursor}
    if name == "get_envelope":
        return state.envelope_json(state.get_envelope(org, envelope_id()))
    if name == "get_envelope_status":
        return state.status_json(state.get_envelope(org, envelope_id()))
    if name == "create_envelope":
        try:
            raw = base64.b64decode(str(args.get("document", "")), validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(400, "invalid_document", "document is not valid base64.") from None
        env = state.create_envelope(
            org, creator_key=key, document=to_pdf(raw), parties=parse_parties(args.get("parties"))
        )
        return state.envelope_json(env)
    if name == "send_envelope":
        return state.envelope_json(state.send(org, envelope_id()))
    if name == "void_envelope":
        env, refunded = state.void(org, envelope_id())
        return {**state.envelope_json(env), "credit_refunded": refunded}
    raise LookupError(name)


def _result(rid: Any, result: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "result": result}


def _error(rid: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}
