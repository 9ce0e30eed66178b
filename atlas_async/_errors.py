"""The one exception tree of atlas-async.

Every error the SDK raises derives from :class:`AtlasError`. Server answers map by status code and
then by Atlas's stable error ``code`` (the 409 and 422 families), so callers can catch as broadly or
as narrowly as they need. No exception ever carries a credential: headers are redacted on the way in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ._secrets import REDACTED, scrub, scrub_value

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AtlasError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "EnvelopeDeclinedError",
    "EnvelopeVoidedError",
    "FieldDetectionFailedError",
    "FieldsPendingError",
    "FieldsVersionConflictError",
    "IdempotencyKeyInUseError",
    "IdempotencyKeyReusedError",
    "InsufficientCreditsError",
    "InternalServerError",
    "InvalidDocumentError",
    "InvalidStateError",
    "ManualPlacementRequiredError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RedirectError",
    "ResponseTooLargeError",
    "UnprocessableEntityError",
    "WaitTimeoutError",
    "WebhookPayloadError",
    "WebhookSignatureError",
    "connection_failure",
    "redact_headers",
]

# Headers whose values are credentials or one-time secrets: never stored on an exception, never logged.
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-atlas-signature"}
)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` with every credential-bearing value replaced by ``[REDACTED]``, and
    every other value scrubbed (a ``Location`` may be a presigned URL)."""
    return {
        k: (REDACTED if k.lower() in SENSITIVE_HEADERS else scrub(v)) for k, v in headers.items()
    }


class AtlasError(Exception):
    """Base class of every exception raised by atlas-async.

    Whatever text an error carries (its message, a server's body) goes through the SDK's
    scrubber first, so no credential the SDK knows, or recognises by its shape, is ever in
    ``str(exc)``, ``repr(exc)`` or a field of the error.
    """

    def __init__(self, *args: object) -> None:
        super().__init__(*(scrub(a) if isinstance(a, str) else a for a in args))


class APIConnectionError(AtlasError):
    """The request never got an HTTP answer: DNS, refused connection, reset, TLS failure."""

    def __init__(
        self, message: str = "Connection error.", *, method: str = "", url: str = ""
    ) -> None:
        super().__init__(message)
        self.message = scrub(message)
        self.method = method
        self.url = scrub(url)


def connection_failure(exc: BaseException) -> str:
    """Why a connection failed, in words that carry no secret, or "" when none is found: the
    TLS verification failure (``unable to get local issuer certificate``), the name lookup's
    text, the OS's name for the error (``Connection refused``).

    Read from the causes of the HTTP library's error rather than its message, which differs
    between libraries and backends (it is empty on trio for a refused certificate) and may name
    more than a reason.
    """
    import socket
    import ssl

    pending: list[BaseException] = [exc]
    for _ in range(16):  # a bounded walk: chains are a few links deep
        if not pending:
            break
        link = pending.pop(0)
        if isinstance(link, ssl.SSLCertVerificationError):
            return f"TLS certificate verification failed: {link.verify_message}"
        if isinstance(link, ssl.SSLError):  # (its errno is OpenSSL's code, not the OS's)
            reason = getattr(link, "reason", None)  # set on OpenSSL's own errors
            return f"TLS error: {reason}" if isinstance(reason, str) and reason else "TLS error"
        if isinstance(link, socket.gaierror) and link.strerror:
            return f"name lookup failed: {link.strerror}"
        if isinstance(link, OSError) and link.errno is not None and link.errno > 0:
            return os.strerror(link.errno)
        if isinstance(link, BaseExceptionGroup):
            pending.extend(link.exceptions)
        pending.extend(e for e in (link.__cause__, link.__context__) if e is not None)
    return ""


class APITimeoutError(APIConnectionError):
    """The request timed out before an answer arrived."""

    def __init__(
        self, message: str = "Request timed out.", *, method: str = "", url: str = ""
    ) -> None:
        super().__init__(message, method=method, url=url)


class APIStatusError(AtlasError):
    """The server answered with a non-2xx status.

    ``code`` is Atlas's stable error code (``fields_pending``, ``not_found``...) when the body had
    the documented shape, else ``None``; ``body`` is the parsed JSON body, or the raw text when the
    body was not JSON (a proxy's HTML 502, say).
    """

    status_code: int

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: str | None = None,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        self.message = scrub(message)
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.headers: dict[str, str] = redact_headers(headers or {})
        self.body = scrub_value(body)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = [f"{self.status_code}"]
        if self.code:
            parts.append(self.code)
        text = " ".join(parts) + f": {self.message}"
        if self.request_id:
            text += f" (request_id={self.request_id})"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructors do not pickle by default; errors cross process boundaries in
        # bulk workers and task queues, so make them round-trip.
        return (
            _rebuild_status_error,
            (
                type(self),
                self.message,
                self.status_code,
                self.code,
                self.request_id,
                self.headers,
                self.body,
            ),
        )


def _rebuild_status_error(
    cls: type[APIStatusError],
    message: str,
    status_code: int,
    code: str | None,
    request_id: str | None,
    headers: dict[str, str],
    body: Any,
) -> APIStatusError:
    return cls(
        message,
        status_code=status_code,
        code=code,
        request_id=request_id,
        headers=headers,
        body=body,
    )


class BadRequestError(APIStatusError):
    """400: the request was malformed (bad parties, no document, a ``template_id`` on create...)."""


class AuthenticationError(APIStatusError):
    """401: the API key or token is missing, wrong or expired."""


class InsufficientCreditsError(APIStatusError):
    """402: no credits left to dispatch an envelope. Never retried."""


class PermissionDeniedError(APIStatusError):
    """403: not allowed (a suspended connected account, a non-platform key using Atlas-Account...)."""


class NotFoundError(APIStatusError):
    """404: no such resource for this account (another tenant's rows are 404 too)."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's current state."""


class FieldsPendingError(ConflictError):
    """409 ``fields_pending``: field detection is still running; wait for it, then retry."""


class FieldsVersionConflictError(ConflictError):
    """409 ``fields_version_conflict``: the fields changed since they were read."""

    @property
    def current_fields_version(self) -> int | None:
        """The server's current ``fields_version``, when the body carried it."""
        body: dict[str, Any] = self.body if isinstance(self.body, dict) else {}
        nested = body.get("error")
        err: dict[str, Any] = nested if isinstance(nested, dict) else {}
        for source in (body, err):
            value = source.get("current_fields_version")
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return None


class InvalidStateError(ConflictError):
    """409 ``invalid_state`` (or ``not_signed``): the envelope is not in a state that allows this."""


class IdempotencyKeyInUseError(ConflictError):
    """409 ``idempotency_key_in_use``: the first request with this key is still in flight."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but cannot be processed."""


class IdempotencyKeyReusedError(UnprocessableEntityError):
    """422 ``idempotency_key_reused``: the same key was sent earlier with a different body."""


class RateLimitError(APIStatusError):
    """429: too many requests (or a reminder inside its cooldown). See ``retry_after``."""

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked us to wait (``retry-after-ms``, or ``Retry-After`` in seconds
        or as an HTTP-date), read exactly as the transport reads it before a retry; else None."""
        from ._retry import parse_retry_after

        return parse_retry_after(self.headers)


class InternalServerError(APIStatusError):
    """5xx (including non-IANA codes such as Cloudflare's 520): the server failed."""


class APIResponseValidationError(AtlasError):
    """A 2xx answer the SDK cannot use: its body is not JSON, or lacks what the SDK needs.

    The server did the work (a create may have created the envelope): ``body`` holds the raw
    text (up to 64 KiB), so the created id can still be recovered, and ``request_id`` names the
    request for support. ``field`` names what was missing or malformed (``"envelope_id"``), or
    ``"<body>"`` when the body as a whole could not be read.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        field: str,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: str | None = None,
    ) -> None:
        self.message = scrub(message)
        self.status_code = status_code
        self.field = field
        self.request_id = request_id
        self.headers: dict[str, str] = redact_headers(headers or {})
        self.body = scrub(body) if body is not None else None
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = f"{self.status_code}: {self.message} (field: {self.field})"
        if self.request_id:
            text += f" (request_id={self.request_id})"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            _rebuild_keyword_error,
            (
                type(self),
                self.message,
                {
                    "status_code": self.status_code,
                    "field": self.field,
                    "request_id": self.request_id,
                    "headers": self.headers,
                    "body": self.body,
                },
            ),
        )


class RedirectError(AtlasError):
    """A redirect the SDK will not follow, or too many of them.

    ``reason`` is ``"too_many"``, ``"missing_location"``, ``"invalid_location"``, ``"scheme"``
    (not http or https), ``"downgrade"`` (https to http), ``"insecure"`` (plain http to a public
    host), or ``"forbidden_host"`` (a link-local or cloud metadata address). ``status_code`` is
    the 3xx that asked for it and ``request_id`` its ``X-Request-Id``, when there was one. The
    message names scheme and host only: the query string of a presigned storage URL is a
    credential.
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        status_code: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = scrub(message)
        self.reason = reason
        self.status_code = status_code
        self.request_id = request_id

    def __reduce__(self) -> tuple[Any, ...]:
        kwargs = {"reason": self.reason, "status_code": self.status_code}
        return (
            _rebuild_keyword_error,
            (type(self), self.message, kwargs | {"request_id": self.request_id}),
        )


class ResponseTooLargeError(AtlasError):
    """An answer's body passed ``max_response_bytes`` (``Atlas(max_response_bytes=...)``, 16 MiB
    by default) and was refused while being read, before it could fill the memory.

    ``status_code`` is the answer's status, ``limit`` the cap in bytes. Never retried.
    """

    def __init__(
        self, message: str, *, status_code: int, limit: int, request_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = scrub(message)
        self.status_code = status_code
        self.limit = limit
        self.request_id = request_id

    def __reduce__(self) -> tuple[Any, ...]:
        kwargs = {"status_code": self.status_code, "limit": self.limit}
        return (
            _rebuild_keyword_error,
            (type(self), self.message, kwargs | {"request_id": self.request_id}),
        )


# Client-side errors: raised before a request, or from what a flow observed.


class InvalidDocumentError(AtlasError, ValueError):
    """The document is neither a PDF nor a DOCX (judged by its bytes), or cannot be read."""


class FieldDetectionFailedError(AtlasError):
    """Field detection ended in ``failed``; ``detection_error`` is what the server reported."""

    def __init__(self, envelope_id: str, detection_error: str | None = None) -> None:
        self.envelope_id = envelope_id
        self.detection_error = detection_error
        detail = f": {detection_error}" if detection_error else ""
        super().__init__(f"field detection failed for envelope {envelope_id}{detail}")


class ManualPlacementRequiredError(AtlasError):
    """Detection found no fields (``recovered_empty``) and no fallback fields were supplied."""

    def __init__(self, envelope_id: str) -> None:
        self.envelope_id = envelope_id
        super().__init__(
            f"envelope {envelope_id}: detection found no fields (recovered_empty); "
            "place them with update_fields() or pass fields= to the flow"
        )


class _TerminalEnvelopeError(AtlasError):
    state = ""

    def __init__(self, envelope_id: str, reason: str | None = None) -> None:
        self.envelope_id = envelope_id
        self.reason = reason
        detail = f": {reason}" if reason else ""
        super().__init__(f"envelope {envelope_id} was {self.state}{detail}")


class EnvelopeDeclinedError(_TerminalEnvelopeError):
    """A signer declined the envelope while we were waiting for it to be signed."""

    state = "declined"


class EnvelopeVoidedError(_TerminalEnvelopeError):
    """The sender voided the envelope while we were waiting for it to be signed."""

    state = "voided"


class WaitTimeoutError(AtlasError, TimeoutError):
    """A wait (for fields, for signatures) passed its deadline; ``last`` is the last state seen."""

    def __init__(self, message: str, *, last: Any = None) -> None:
        super().__init__(message)
        self.last = last


class WebhookSignatureError(AtlasError, ValueError):
    """A webhook's ``X-Atlas-Signature`` is missing, malformed or wrong. Never contains a secret.

    ``reason`` is ``"missing"``, ``"malformed"`` or ``"mismatch"``, so a receiver can count them.
    """

    def __init__(self, message: str, *, reason: str = "invalid") -> None:
        super().__init__(message)
        self.message = scrub(message)
        self.reason = reason

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_keyword_error, (type(self), self.message, {"reason": self.reason}))


class WebhookPayloadError(AtlasError, ValueError):
    """A webhook body passed the signature check but is not a valid Atlas event.

    ``field`` names the failing field as a dotted path (``"data.status"``), or ``"<body>"`` when the
    body is not a JSON object at all.
    """

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = scrub(message)
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_keyword_error, (type(self), self.message, {"field": self.field}))


def _rebuild_keyword_error(cls: type[Exception], message: str, kwargs: dict[str, Any]) -> Exception:
    return cls(message, **kwargs)
