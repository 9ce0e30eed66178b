"""Values from requests: JSON held in multipart fields, booleans, metadata, URLs, documents.

Each helper answers a clear 400 (or 413 for a document over the limit) naming the field at fault.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from .._apierror import ApiError, bad_request
from .._documents import docx_to_pdf, sniff_document

__all__ = [
    "as_is",
    "decode_b64",
    "decode_json_field",
    "parse_bool",
    "parse_limit",
    "parse_metadata",
    "parse_opt_int",
    "parse_str",
    "parse_url",
    "to_pdf",
]


def decode_json_field(value: Any, name: str) -> Any:
    """A multipart field holding JSON text, decoded (``None`` when absent)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"{name} is not valid JSON.", code=f"invalid_{name}") from None
    return value


def as_is(value: Any, name: str) -> Any:
    return value


def parse_bool(value: Any, name: str) -> bool:
    """A JSON boolean, or the multipart spellings ``"true"`` / ``"false"``."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise bad_request(f"{name} must be a boolean.")


METADATA_TYPES: dict[str, type] = {
    "external_id": str,
    "is_test": bool,
    "send_error": str,
    "detection_error": str,
}


def parse_metadata(value: Any) -> dict[str, Any] | None:
    """Free-form metadata, except the documented keys must have their documented types."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("metadata must be an object.")
    for key, kind in METADATA_TYPES.items():
        if key in value and not isinstance(value[key], kind):
            raise bad_request(f"metadata.{key} must be a {kind.__name__}.")
    return value


def parse_url(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(("http://", "https://")) or " " in value:
        raise bad_request(f"{name} must be an http(s) URL.")
    return value


def parse_str(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise bad_request(f"{name} must be a non-empty string.")
    return value


def parse_opt_int(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{name} must be an integer.")
    return value


def parse_limit(raw: str | None, default: int) -> int:
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise bad_request("limit must be an integer between 1 and 100.") from None


def decode_b64(value: Any, limit: int) -> bytes:
    text = parse_str(value, "document")
    if len(text) > limit * 4 // 3 + 8:
        raise ApiError(413, "payload_too_large", f"The document exceeds {limit} bytes.")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("document is not valid base64.", code="invalid_document") from None


def to_pdf(data: bytes, limit: int) -> bytes:
    if len(data) > limit:
        raise ApiError(413, "payload_too_large", f"The document exceeds {limit} bytes.")
    kind = sniff_document(data)
    if kind == "pdf":
        return data
    if kind == "docx":
        return docx_to_pdf(data)
    raise bad_request("Unsupported document: send a PDF or a DOCX.", code="unsupported_document")
