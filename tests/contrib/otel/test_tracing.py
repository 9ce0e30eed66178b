"""OpenTelemetry tracing (``atlas_async.contrib.otel``) against the in-process emulator.

Spans go to the SDK's in-memory exporter; the requests are recorded as the HTTP client hands them
to the emulator's transport, so ``traceparent`` is checked on the wire, not on the middleware's
copy. Runs under asyncio and trio.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from atlas_async import Atlas, NotFoundError, Party, RetryPolicy, get_request_id
from atlas_async.contrib.otel import TracingMiddleware
from atlas_async.samples import SAMPLE_PDF
from atlas_async.testing import FakeAtlas

pytestmark = pytest.mark.anyio

PARTIES = [Party(email="jane@example.com", name="Jane Doe", role="Customer")]
ACCOUNT = "ext_acme-42"
# No pause between retries: the emulator is in process, nothing needs the time to pass.
NO_WAIT = RetryPolicy(max_retries=2, initial_delay=0.0, max_delay=0.0)


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


@pytest.fixture
def fake() -> FakeAtlas:
    return FakeAtlas(detection_delay=0.0, pdf_redirect=True)


@pytest.fixture
def wire() -> list[httpx.Headers]:
    """The headers of every request as the HTTP client sent it to the emulator (a copy: a retry
    re-sends the same request object)."""
    return []


@pytest.fixture
async def make(
    fake: FakeAtlas, wire: list[httpx.Headers], provider: TracerProvider
) -> AsyncIterator[Callable[..., Atlas]]:
    async def record(request: httpx.Request) -> None:
        wire.append(request.headers.copy())

    http = httpx.AsyncClient(transport=fake.transport(), event_hooks={"request": [record]})

    def make(api_key: str | None = None, **kwargs: Any) -> Atlas:
        kwargs.setdefault("middleware", [TracingMiddleware(tracer_provider=provider)])
        key = api_key or fake.api_key
        return Atlas(key, base_url=fake.base_url, http_client=http, retry=NO_WAIT, **kwargs)

    yield make
    await http.aclose()


def children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    """``parent``'s children, oldest first."""
    found = [
        s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id
    ]
    return sorted(found, key=lambda s: s.start_time or 0)


def attributes(span: ReadableSpan) -> Mapping[str, Any]:
    return span.attributes or {}


def traceparent(span: ReadableSpan) -> str:
    context = span.context
    assert context.trace_flags.sampled
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


def only(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    [span] = [s for s in spans if s.name == name]
    return span


async def platform_client(make: Callable[..., Atlas], fake: FakeAtlas) -> Atlas:
    """A client acting for the connected account ``ACCOUNT``."""
    key = fake.create_org(platform=True, credits=5).platform_key
    platform = make(api_key=key)
    await platform.platform.connected_accounts.create(ACCOUNT.removeprefix("ext_"), name="Acme")
    return platform.for_account(ACCOUNT)


async def test_a_call_is_one_span_with_one_client_span_per_attempt(
    make: Callable[..., Atlas],
    fake: FakeAtlas,
    exporter: InMemorySpanExporter,
    wire: list[httpx.Headers],
) -> None:
    atlas = await platform_client(make, fake)
    exporter.clear()
    wire.clear()
    created = await atlas.envelopes.create(SAMPLE_PDF, parties=PARTIES)
    spans = list(exporter.get_finished_spans())
    call = only(spans, "atlas.envelopes.create")
    assert call.kind == SpanKind.INTERNAL
    assert call.parent is None
    assert call.status.status_code == StatusCode.UNSET
    assert dict(attributes(call)) == {
        "atlas.operation": "envelopes.create",
        "atlas.account": ACCOUNT,
        "atlas.retry_count": 0,
        "atlas.request_id": get_request_id(created),
        "atlas.replayed": False,
        # A create names its envelope only in the answer.
        "atlas.envelope_id": created.envelope_id,
    }
    [attempt] = children(spans, call)
    assert attempt.kind == SpanKind.CLIENT
    assert attempt.name == "POST"
    assert dict(attributes(attempt)) == {
        "http.request.method": "POST",
        "url.full": "http://atlas.test/api/envelope",
        "server.address": "atlas.test",
        "server.port": 80,
        "http.response.status_code": 201,
        "network.protocol.version": "1.1",
        "atlas.operation": "envelopes.create",
        "atlas.account": ACCOUNT,
        "atlas.request_id": get_request_id(created),
        "atlas.replayed": False,
    }
    # On the wire: the attempt span's own context, W3C format.
    [headers] = wire
    assert headers["traceparent"] == traceparent(attempt)


async def test_a_retry_makes_two_attempt_spans_each_on_its_own_request(
    make: Callable[..., Atlas],
    fake: FakeAtlas,
    exporter: InMemorySpanExporter,
    wire: list[httpx.Headers],
) -> None:
    atlas = make()
    created = await atlas.envelopes.create(SAMPLE_PDF, parties=PARTIES)
    exporter.clear()
    wire.clear()
    fake.faults.add("status", "GET /api/envelope/{id}", status=503, count=1)
    got = await atlas.envelopes.get(created.envelope_id)
    spans = list(exporter.get_finished_spans())
    call = only(spans, "atlas.envelopes.get")
    assert attributes(call)["atlas.retry_count"] == 1
    assert attributes(call)["atlas.envelope_id"] == created.envelope_id
    assert attributes(call)["atlas.request_id"] == get_request_id(got)
    first, second = children(spans, call)
    assert attributes(first)["http.response.status_code"] == 503
    assert attributes(first)["error.type"] == "503"
    assert first.status.status_code == StatusCode.ERROR
    assert "http.request.resend_count" not in attributes(first)
    assert attributes(second)["http.response.status_code"] == 200
    assert attributes(second)["http.request.resend_count"] == 1
    assert "error.type" not in attributes(second)
    assert [h["traceparent"] for h in wire] == [traceparent(first), traceparent(second)]
    assert {s.context.trace_id for s in (call, first, second)} == {call.context.trace_id}


async def test_a_lost_connection_is_an_attempt_span_with_the_errors_type(
    make: Callable[..., Atlas], fake: FakeAtlas, exporter: InMemorySpanExporter
) -> None:
    atlas = make()
    fake.faults.add("drop_before", "GET /api/envelopes", count=1)
    await atlas.envelopes.list()
    spans = list(exporter.get_finished_spans())
    lost, answered = children(spans, only(spans, "atlas.envelopes.list"))
    assert attributes(lost)["error.type"] == "APIConnectionError"
    assert "http.response.status_code" not in attributes(lost)
    assert answered.status.status_code == StatusCode.UNSET


async def test_a_failed_call_is_an_error_span(
    make: Callable[..., Atlas], exporter: InMemorySpanExporter
) -> None:
    atlas = make()
    with pytest.raises(NotFoundError):
        await atlas.envelopes.get("no-such-envelope")
    spans = list(exporter.get_finished_spans())
    call = only(spans, "atlas.envelopes.get")
    assert call.status.status_code == StatusCode.ERROR
    assert attributes(call)["error.type"] == "NotFoundError"
    assert attributes(call)["atlas.request_id"]
    assert [e.name for e in call.events] == ["exception"]
    [attempt] = children(spans, call)
    assert attributes(attempt)["error.type"] == "404"


async def test_the_download_parents_every_hop_and_redacts_the_signed_url(
    make: Callable[..., Atlas], fake: FakeAtlas, exporter: InMemorySpanExporter
) -> None:
    atlas = make()
    created = await atlas.envelopes.create(SAMPLE_PDF, parties=PARTIES)
    await atlas.envelopes.wait_for_fields(created.envelope_id)
    await atlas.envelopes.send(created.envelope_id)
    await fake.sign(created.envelope_id)
    exporter.clear()
    assert (await atlas.envelopes.download_signed_pdf(created.envelope_id)).startswith(b"%PDF")
    spans = list(exporter.get_finished_spans())
    call = only(spans, "atlas.envelopes.download_signed_pdf")
    api, storage = children(spans, call)
    assert attributes(api)["http.response.status_code"] == 302
    assert api.status.status_code == StatusCode.UNSET
    url = str(attributes(storage)["url.full"])
    assert url.startswith("http://storage.atlas.test/")
    query = httpx.URL(url).params
    assert len(query) > 0
    assert set(query.values()) == {"REDACTED"}


async def test_the_account_can_be_left_out(
    make: Callable[..., Atlas],
    fake: FakeAtlas,
    provider: TracerProvider,
    exporter: InMemorySpanExporter,
) -> None:
    platform = await platform_client(make, fake)
    exporter.clear()
    atlas = platform.with_options(
        middleware=[TracingMiddleware(tracer_provider=provider, record_account=False)]
    )
    assert atlas.account == ACCOUNT
    await atlas.envelopes.list()
    spans = exporter.get_finished_spans()
    assert len(spans) == 2
    assert all("atlas.account" not in attributes(s) for s in spans)


async def test_propagation_can_be_switched_off(
    make: Callable[..., Atlas], provider: TracerProvider, wire: list[httpx.Headers]
) -> None:
    atlas = make(middleware=[TracingMiddleware(tracer_provider=provider, propagate=False)])
    await atlas.envelopes.list()
    assert "traceparent" not in wire[0]


async def test_the_callers_span_is_the_parent(
    make: Callable[..., Atlas], provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    atlas = make()
    with provider.get_tracer("app").start_as_current_span("handle request") as outer:
        await atlas.envelopes.list()
    call = only(list(exporter.get_finished_spans()), "atlas.envelopes.list")
    assert call.parent is not None
    assert call.parent.span_id == outer.get_span_context().span_id


async def test_without_a_tracer_provider_nothing_is_recorded_or_sent(
    make: Callable[..., Atlas], wire: list[httpx.Headers]
) -> None:
    from opentelemetry.trace import NoOpTracerProvider

    atlas = make(middleware=[TracingMiddleware(tracer_provider=NoOpTracerProvider())])
    await atlas.envelopes.list()
    # A non-recording span has an invalid context: the propagator writes nothing.
    assert "traceparent" not in wire[0]


def test_the_sdk_never_imports_opentelemetry() -> None:
    code = (
        "import sys\n"
        "sys.modules['opentelemetry'] = None  # as if the otel extra were not installed\n"
        "import atlas_async\n"
        "from atlas_async import Atlas\n"
        "atlas = Atlas('k', base_url='http://atlas.test')\n"
        "atlas.envelopes\n"
        "try:\n"
        "    import atlas_async.contrib.otel\n"
        "except ImportError as exc:\n"
        "    assert \"pip install 'atlas-async[otel]'\" in str(exc), exc\n"
        "else:\n"
        "    raise AssertionError('imported without opentelemetry')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
