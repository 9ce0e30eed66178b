"""Turning a non-2xx answer into the most specific error of the tree (``_errors``).

Answers map by status code and then by Atlas's stable error ``code`` (the 409 and 422 families),
whatever shape the body has: the documented ``{"error": {"code", "message"}}``, a bare
``{"code", "message"}``, ``{"error": "..."}``, a plain string, or a proxy's HTML page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FieldsPendingError,
    FieldsVersionConflictError,
    IdempotencyKeyInUseError,
    IdempotencyKeyReusedError,
    InsufficientCreditsError,
    InternalServerError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)

__all__ = ["error_from_response"]


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditsError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}

_BY_CODE: dict[str, type[APIStatusError]] = {
    "fields_pending": FieldsPendingError,
    "fields_version_conflict": FieldsVersionConflictError,
    "invalid_state": InvalidStateError,
    "not_signed": InvalidStateError,
    "idempotency_key_in_use": IdempotencyKeyInUseError,
    "idempotency_key_reused": IdempotencyKeyReusedError,
}


def _status_class(status_code: int, code: str | None) -> type[APIStatusError]:
    base = _BY_STATUS.get(status_code)
    if base is None:
        return InternalServerError if status_code >= 500 else APIStatusError
    specific = _BY_CODE.get(code or "")
    if specific is not None and issubclass(specific, base):
        return specific
    return base


def error_from_response(
    status_code: int,
    headers: Mapping[str, str],
    content: bytes,
) -> APIStatusError:
    """Build the most specific :class:`APIStatusError` for a non-2xx answer.

    Tolerates any body: the documented ``{"error": {"code", "message"}, "request_id"}`` shape, a
    bare ``{"code", "message"}``, ``{"error": "text"}`` (with or without ``success: false``), a
    JSON string, ``{"detail"}`` or ``{"error_description"}``, or something that is not JSON.
    """
    body: Any
    try:
        body = json.loads(content) if content else None
    except (ValueError, UnicodeDecodeError):
        body = content.decode("utf-8", "replace")

    code: str | None = None
    message: str | None = None
    request_id: str | None = None
    if isinstance(body, dict):
        err = body.get("error")
        source = err if isinstance(err, dict) else body
        raw_code, raw_msg = source.get("code"), source.get("message")
        code = raw_code if isinstance(raw_code, str) else None
        message = raw_msg if isinstance(raw_msg, str) else None
        if message is None and isinstance(err, str):
            message = err
        for other in ("error_description", "detail"):  # OAuth's and many frameworks' spelling
            if message is None and isinstance(body.get(other), str):
                message = body[other]
        rid = body.get("request_id")
        request_id = rid if isinstance(rid, str) else None
    if request_id is None:
        for key, value in headers.items():
            if key.lower() == "x-request-id":
                request_id = value
                break
    if message is None:
        if isinstance(body, str) and body.strip():
            snippet = " ".join(body.split())
            message = snippet[:200] + ("..." if len(snippet) > 200 else "")
        else:
            message = f"HTTP {status_code}"

    cls = _status_class(status_code, code)
    return cls(
        message,
        status_code=status_code,
        code=code,
        request_id=request_id,
        headers=headers,
        body=body,
    )
