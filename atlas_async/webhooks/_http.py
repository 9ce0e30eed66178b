"""The framework-neutral HTTP answer to one webhook delivery, shared by every piece of glue.

Status codes, and why (Atlas retries every non-2xx after 1 min, 5 min, 30 min and 2 h):

- 200: every handler succeeded, or the event was already processed (a duplicate).
- 400: the signature is missing, malformed or wrong, or the signed body is not a valid event.
  Nothing ran and nothing was recorded.
- 409: the same event is being processed right now by another delivery; try again later.
- 413: the body is larger than the receiver accepts (read no further than the limit).
- 500: a handler raised. The event was not recorded as processed, so Atlas's retry runs it again.

Error bodies use Atlas's own error shape, ``{"error": {"code", "message"}}``, and never carry a
handler's exception text (it may hold customer data); that goes to the ``atlas_async.webhooks``
logger instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .._errors import WebhookPayloadError, WebhookSignatureError
from .._log import logger as get_logger

if TYPE_CHECKING:
    from ._dispatcher import DispatchResult, WebhookDispatcher

__all__ = [
    "DEFAULT_MAX_BODY_SIZE",
    "WebhookResponse",
    "error_response",
    "join_signature_headers",
    "respond",
    "too_large",
]

logger = get_logger("atlas_async.webhooks")

#: Atlas's payloads are an envelope snapshot: kilobytes. Anything near this limit is not Atlas.
DEFAULT_MAX_BODY_SIZE = 1024 * 1024

_JSON = "application/json"


@dataclass(frozen=True)
class WebhookResponse:
    """What to answer Atlas with: status, JSON body, extra headers; plus the result when known."""

    status_code: int
    body: bytes
    content_type: str = _JSON
    headers: dict[str, str] = field(default_factory=dict)
    result: DispatchResult | None = None


def _error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


def error_response(status: int, code: str, message: str, **headers: str) -> WebhookResponse:
    """An answer in Atlas's error shape, for the glue's own refusals (404, 405, 413)."""
    return WebhookResponse(status, _error_body(code, message), headers=dict(headers))


def too_large(limit: int) -> WebhookResponse:
    return error_response(413, "payload_too_large", f"webhook body exceeds {limit} bytes")


def join_signature_headers(values: Iterable[str | bytes]) -> str | None:
    """All ``X-Atlas-Signature`` values of a request as one header (None when there is none).

    A proxy may split or duplicate the header; verification accepts a comma-separated list.
    """
    texts = [v.decode("latin-1") if isinstance(v, bytes) else v for v in values]
    return ", ".join(texts) if texts else None


async def respond(
    dispatcher: WebhookDispatcher, body: bytes, signature_header: str | bytes | None
) -> WebhookResponse:
    """Verify, dispatch and turn the outcome into the answer Atlas should get."""
    try:
        result = await dispatcher.handle(body, signature_header)
    except WebhookSignatureError as exc:
        # Worth a warning: a burst of "mismatch" after a key rotation means a secret is missing.
        logger.warning("rejected a webhook (%s): %s", exc.reason, exc.message)
        return WebhookResponse(400, _error_body("invalid_signature", exc.message))
    except WebhookPayloadError as exc:
        logger.warning("rejected a signed webhook: %s", exc.message)
        return WebhookResponse(400, _error_body("invalid_payload", exc.message))
    if result.ok:
        payload = {"event_id": result.event.event_id, "outcome": result.outcome}
        return WebhookResponse(result.http_status, json.dumps(payload).encode(), result=result)
    if result.outcome == "in_progress":
        body = _error_body("in_progress", "this event is being processed; retry later")
    else:
        body = _error_body(
            "handler_failed",
            f"{len(result.failures)} webhook handler(s) failed; "
            "the event will be processed again on redelivery",
        )
    return WebhookResponse(result.http_status, body, result=result)
