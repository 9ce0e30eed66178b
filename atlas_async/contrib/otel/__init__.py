"""OpenTelemetry tracing for the SDK (``pip install 'atlas-async[otel]'``: ``opentelemetry-api``).

One line turns it on::

    from atlas_async import Atlas
    from atlas_async.contrib.otel import TracingMiddleware

    atlas = Atlas(middleware=[TracingMiddleware()])

Each SDK call makes one span (``atlas.envelopes.create``, ``atlas.envelopes.get``...), and each
HTTP attempt under it a child span of kind CLIENT that follows OpenTelemetry's HTTP client
semantic conventions; a retried call has one attempt span per attempt. The W3C ``traceparent``
(and ``baggage``) of the attempt span go out on every request, through OpenTelemetry's
configured propagator. Spans go to the tracer provider you configured (the global one unless
you pass ``tracer_provider=``); with none, the API's no-op tracer makes them cost next to nothing.

Only the API is needed here: exporting is the application's business (``opentelemetry-sdk``
and an exporter). ``import atlas_async`` never imports OpenTelemetry; this module does.
"""

from __future__ import annotations

try:
    from ._tracing import TracingMiddleware
except ImportError as exc:  # pragma: no cover - exercised in a subprocess
    raise ImportError(
        "atlas_async.contrib.otel needs OpenTelemetry's API: pip install 'atlas-async[otel]'"
    ) from exc

__all__ = ["TracingMiddleware"]
