"""The tracing middleware: a span per SDK call, a CLIENT span per HTTP attempt under it.

It is an ordinary per-attempt middleware (``atlas_async._middleware``) that also provides
``scope_call``, the hook the core opens around a whole SDK call: the call span is current while
the attempts run, so each attempt span is its child, and the attempt span is current while the
request is sent, so the ``traceparent`` it injects names it.

Attribute names follow the stable HTTP client semantic conventions (``http.request.method``,
``url.full``, ``server.address``, ``server.port``, ``http.response.status_code``,
``error.type``, ``http.request.resend_count``, ``network.protocol.version``); the SDK's own
are under ``atlas.``.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from ..._middleware import Attempt, AttemptResponse, CallNext, Operation
from ..._version import __version__

__all__ = [
    "ACCOUNT",
    "ENVELOPE_ID",
    "OPERATION",
    "REPLAYED",
    "REQUEST_ID",
    "RETRY_COUNT",
    "TracingMiddleware",
]

#: The SDK's own span attributes.
OPERATION = "atlas.operation"
ENVELOPE_ID = "atlas.envelope_id"
REQUEST_ID = "atlas.request_id"
RETRY_COUNT = "atlas.retry_count"
REPLAYED = "atlas.replayed"
ACCOUNT = "atlas.account"

# The semantic conventions these attribute names come from (stable since 1.23.0).
_SCHEMA_URL = "https://opentelemetry.io/schemas/1.23.0"
_DEFAULT_PORTS = {"https": 443, "http": 80}

# The call span of the SDK call running in this context, for its attempts to report to.
_CURRENT: ContextVar[_CallSpan | None] = ContextVar("atlas_async_otel_call", default=None)


class TracingMiddleware:
    """OpenTelemetry spans for every SDK call and HTTP attempt, and ``traceparent`` on the wire.

    ``Atlas(middleware=[TracingMiddleware()])``; put it first in the list, so that an attempt's
    span also covers what other middleware does around it (a rate gate's wait, say).

    * ``tracer_provider``: where spans go (default: the global provider, looked up when a span
      starts, so configuring OpenTelemetry after building the client works).
    * ``record_account``: put the configured account (``ext_<external_id>`` or a connected org's
      UUID) on the spans as ``atlas.account``. It names your customer, which your tracing
      backend may not be the place for: ``record_account=False`` leaves it out.
    * ``propagate``: inject the trace context (W3C ``traceparent`` by default: whatever
      propagator OpenTelemetry is configured with) into every outgoing request.

    ``url.full`` never carries credentials: the user part of the URL is dropped and every query
    value reads ``REDACTED`` (the signed storage URL of a PDF download carries its signature
    there). Request and response bodies and headers are never recorded.
    """

    __slots__ = ("_propagate", "_record_account", "_tracer")

    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None = None,
        record_account: bool = True,
        propagate: bool = True,
    ) -> None:
        self._tracer = trace.get_tracer(
            "atlas_async", __version__, tracer_provider=tracer_provider, schema_url=_SCHEMA_URL
        )
        self._record_account = record_account
        self._propagate = propagate

    def __repr__(self) -> str:
        return f"TracingMiddleware(record_account={self._record_account})"

    # The span around one SDK call (the core's call-scope hook) -----------------------------------

    def scope_call(self, operation: Operation) -> _CallSpan:
        return _CallSpan(self, operation)

    # One span per attempt ---------------------------------------------------------------------

    async def __call__(self, attempt: Attempt, call_next: CallNext) -> AttemptResponse:
        call = _CURRENT.get()
        if call is not None:
            call.attempts += 1
        span = self._tracer.start_span(attempt.method, kind=SpanKind.CLIENT)
        # Attributes cost only when someone records them (not under the API's no-op tracer).
        recording = span.is_recording()
        if recording:
            span.set_attributes(self._attempt_attributes(attempt))
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            if self._propagate:
                propagate.inject(attempt.headers)
            response = await call_next(attempt)
        except Exception as exc:
            if recording:
                span.set_attribute("error.type", type(exc).__qualname__)
                span.set_status(Status(StatusCode.ERROR, type(exc).__qualname__))
            raise
        else:
            if recording:
                _record_answer(span, response)
                if call is not None:
                    call.request_id = response.request_id or call.request_id
            return response
        finally:
            otel_context.detach(token)
            span.end()

    def _attempt_attributes(self, attempt: Attempt) -> dict[str, Any]:
        parts = urlsplit(attempt.url)
        attributes: dict[str, Any] = {
            "http.request.method": attempt.method,
            "url.full": _url_full(parts),
            "server.address": parts.hostname or "",
            "server.port": parts.port or _DEFAULT_PORTS.get(parts.scheme, 0),
        }
        if attempt.number:
            # Set only on retries, as the conventions say.
            attributes["http.request.resend_count"] = attempt.number
        if attempt.operation:
            attributes[OPERATION] = attempt.operation
        if attempt.envelope_id:
            attributes[ENVELOPE_ID] = attempt.envelope_id
        if self._record_account and attempt.account:
            attributes[ACCOUNT] = attempt.account
        return attributes


class _CallSpan:
    """The span of one SDK call, current while its attempts run."""

    __slots__ = ("_operation", "_otel_token", "_owner", "_span", "_token", "attempts", "request_id")

    def __init__(self, owner: TracingMiddleware, operation: Operation) -> None:
        self._owner = owner
        self._operation = operation
        self.attempts = 0
        self.request_id: str | None = None

    def __enter__(self) -> Span:
        operation = self._operation
        self._span = span = self._owner._tracer.start_span(
            f"atlas.{operation.name or 'request'}", kind=SpanKind.INTERNAL
        )
        if span.is_recording():
            if operation.name:
                span.set_attribute(OPERATION, operation.name)
            if operation.envelope_id:
                span.set_attribute(ENVELOPE_ID, operation.envelope_id)
            if self._owner._record_account and operation.account:
                span.set_attribute(ACCOUNT, operation.account)
        self._otel_token = otel_context.attach(trace.set_span_in_context(self._span))
        self._token = _CURRENT.set(self)
        return self._span

    def __exit__(self, *exc_info: object) -> None:
        exc = exc_info[1]
        _CURRENT.reset(self._token)
        otel_context.detach(self._otel_token)
        span, operation = self._span, self._operation
        if not span.is_recording():
            span.end()
            return
        span.set_attribute(RETRY_COUNT, max(self.attempts - 1, 0))
        request_id = operation.request_id or self.request_id
        if request_id:
            span.set_attribute(REQUEST_ID, request_id)
        if exc is None:
            span.set_attribute(REPLAYED, operation.replayed)
            if not operation.envelope_id:
                # A create names its envelope only in the answer.
                created = getattr(operation.result, "envelope_id", None)
                if isinstance(created, str):
                    span.set_attribute(ENVELOPE_ID, created)
        elif isinstance(exc, Exception):
            # SDK errors carry no secrets in their messages (they are scrubbed when raised).
            span.record_exception(exc)
            span.set_attribute("error.type", type(exc).__qualname__)
            span.set_status(Status(StatusCode.ERROR, type(exc).__qualname__))
        span.end()


def _record_answer(span: Span, response: AttemptResponse) -> None:
    status = response.status_code
    span.set_attribute("http.response.status_code", status)
    version = response.http_version.removeprefix("HTTP/")
    if version:
        span.set_attribute("network.protocol.version", version)
    if response.request_id:
        span.set_attribute(REQUEST_ID, response.request_id)
    span.set_attribute(REPLAYED, response.replayed)
    if status >= 400:
        # A client span is in error for any 4xx or 5xx; error.type is the status code.
        span.set_attribute("error.type", str(status))
        span.set_status(Status(StatusCode.ERROR))


def _url_full(parts: SplitResult) -> str:
    """The URL without its user part, each query value replaced by ``REDACTED``."""
    query = parts.query
    if query:
        query = urlencode(
            [(name, "REDACTED") for name, _ in parse_qsl(query, keep_blank_values=True)],
            safe="",
        )
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, query, ""))
