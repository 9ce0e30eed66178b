"""The transport and client core, against httpx.MockTransport (no emulator needed).

Covers configuration, retries and their limits, idempotency keys, the account header, auth
refresh, error mapping (including a non-IANA 520 with an HTML body), redirects without
credentials, logging redaction, and the copies' cost.
"""

from __future__ import annotations

import functools
import gc
import inspect
import io
import json
import logging
import uuid
import warnings
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import pytest

import atlas_async
import atlas_async._error_mapping
from atlas_async import (
    APIConnectionError,
    Atlas,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FieldsVersionConflictError,
    InsufficientCreditsError,
    InternalServerError,
    InvalidDocumentError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from atlas_async import _transport as transport_module
from atlas_async._config import MissingAPIKeyError

from .._support.http import httpx

# The fake answers here are off-contract on purpose (HTML 520s, missing fields...).
pytestmark = [pytest.mark.anyio, pytest.mark.no_wire]

KEY = "test_sk_0123456789abcdef"
BASE = "https://api.atlas.test"
ENV_ID = "0b7f6a5e-1a2b-4c3d-8e9f-0123456789ab"

Handler = Callable[[httpx.Request], httpx.Response]


def _envelope(**over: Any) -> dict[str, Any]:
    body = {
        "envelope_id": ENV_ID,
        "status": "draft",
        "fields_status": "ready",
        "fields_version": 1,
        "fields": [],
        "parties": [],
        "metadata": {},
        "created_at": "2026-11-28T12:00:00+00:00",
    }
    body.update(over)
    return body


def _error(status: int, code: str, **extra: Any) -> httpx.Response:
    body = {"error": {"code": code, "message": code.replace("_", " ")}, "request_id": "req_e"}
    body.update(extra)
    return httpx.Response(status, json=body, headers={"X-Request-Id": "req_e"})


class Recorder:
    """A MockTransport handler that answers from a script and remembers every request."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        # A snapshot: the transport reuses one Request object across retries.
        snapshot = httpx.Request(
            request.method,
            request.url,
            headers=request.headers.copy(),
            content=request.content,
            extensions=dict(request.extensions),
        )
        self.requests.append(snapshot)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer) and not isinstance(answer, httpx.Response):
            return answer(request)
        return answer


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the transport's backoff sleeps instead of sleeping them."""
    recorded: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr("atlas_async._transport._sleep", fake_sleep)
    return recorded


def make(recorder: Recorder, **kwargs: Any) -> Atlas:
    http = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    kwargs.setdefault("api_key", KEY)
    kwargs.setdefault("base_url", BASE)
    return Atlas(http_client=http, **kwargs)


# Configuration --------------------------------------------------------------------------------


def test_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATLAS_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError, match="ATLAS_API_KEY"):
        Atlas()


async def test_environment_configures_the_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_API_KEY", KEY)
    monkeypatch.setenv("ATLAS_BASE_URL", "https://eu.atlas.test/")
    monkeypatch.setenv("ATLAS_ACCOUNT", "ext_acme")
    async with Atlas() as atlas:
        assert atlas.base_url == "https://eu.atlas.test"
        assert atlas.account == "ext_acme"
        assert KEY not in repr(atlas)


@pytest.mark.parametrize(
    "account", ["acme", "ext_", "ext_has space", "12345", "3f2b8c1e-0000", "ext_a/b"]
)
def test_malformed_account_is_rejected_before_any_request(account: str) -> None:
    with pytest.raises(ValueError, match="account"):
        Atlas(api_key=KEY, account=account)


def test_account_forms_accepted() -> None:
    atlas = Atlas(api_key=KEY, account="ext_acme-01")
    tenant = atlas.for_account(str(uuid.uuid4()))
    assert tenant.account is not None
    with pytest.raises(ValueError, match="account"):
        atlas.for_account("nope")


@pytest.mark.parametrize("timeout", [0, -1, float("inf"), float("nan")])
def test_timeout_is_never_infinite(timeout: float) -> None:
    with pytest.raises(ValueError, match="timeout"):
        Atlas(api_key=KEY, timeout=timeout)


async def test_default_http_client_has_explicit_limits_timeouts_and_user_agent() -> None:
    async with Atlas(api_key=KEY) as atlas:
        http = atlas._transport.http
        assert http.timeout.read == 60.0
        assert http.timeout.connect == 10.0
        assert http.headers["User-Agent"].startswith("atlas-async/")
        assert not http.follow_redirects
        pool = http._transport._pool  # type: ignore[attr-defined]
        assert pool._max_connections == 100


async def test_user_agent_and_per_request_timeout_on_the_wire() -> None:
    rec = Recorder(httpx.Response(200, json=_envelope()))
    atlas = make(rec, timeout=7.5)
    await atlas.envelopes.get(ENV_ID)
    await atlas.with_options(timeout=2.0).envelopes.get(ENV_ID)
    first, second = rec.requests
    assert first.headers["User-Agent"].startswith(f"atlas-async/{atlas_async.__version__}")
    assert first.headers["Authorization"] == f"Bearer {KEY}"
    assert first.extensions["timeout"]["read"] == 7.5
    assert second.extensions["timeout"]["read"] == 2.0
    assert atlas.timeout == 7.5  # the copy did not change the original


# Retries --------------------------------------------------------------------------------------


async def test_get_retries_5xx_then_succeeds(sleeps: list[float]) -> None:
    rec = Recorder(
        httpx.Response(503, text="<html>busy</html>"),
        httpx.Response(502),
        httpx.Response(200, json=_envelope()),
    )
    env = await make(rec).envelopes.get(ENV_ID)
    assert str(env.envelope_id) == ENV_ID
    assert len(rec.requests) == 3
    assert len(sleeps) == 2
    assert 0.375 <= sleeps[0] <= 0.5  # backoff with jitter
    assert 0.75 <= sleeps[1] <= 1.0


async def test_retries_give_up_after_max_retries(sleeps: list[float]) -> None:
    rec = Recorder(httpx.Response(500, json={"error": {"code": "internal_error", "message": "x"}}))
    with pytest.raises(InternalServerError) as info:
        await make(rec, max_retries=3).envelopes.get(ENV_ID)
    assert len(rec.requests) == 4
    assert info.value.code == "internal_error"


async def test_non_iana_520_with_html_body_raises_typed_error(sleeps: list[float]) -> None:
    page = "<html><body>Cloudflare: web server returned an unknown error</body></html>"
    rec = Recorder(httpx.Response(520, text=page, headers={"X-Request-Id": "req_cf"}))
    with pytest.raises(InternalServerError) as info:
        await make(rec, max_retries=0).envelopes.get(ENV_ID)
    assert info.value.status_code == 520
    assert info.value.request_id == "req_cf"
    assert "unknown error" in info.value.message
    assert info.value.code is None


async def test_post_without_idempotency_key_is_never_retried(sleeps: list[float]) -> None:
    rec = Recorder(httpx.Response(503))
    with pytest.raises(InternalServerError):
        await make(rec).envelopes.remind(ENV_ID)
    assert len(rec.requests) == 1
    assert sleeps == []


async def test_connection_error_retried_for_keyed_post_with_same_key(sleeps: list[float]) -> None:
    rec = Recorder(
        httpx.ConnectError("refused"),
        httpx.ReadError("reset after commit"),
        httpx.Response(
            200,
            json={"envelope_id": ENV_ID, "status": "pending", "review_url": None},
        ),
    )
    await make(rec).templates.send(
        "tmpl_1", parties=[{"email": "a@x.io", "name": "A", "role": "r"}]
    )
    keys = {r.headers["Idempotency-Key"] for r in rec.requests}
    assert len(rec.requests) == 3
    assert len(keys) == 1  # generated once per logical call, reused by every retry


async def test_callers_idempotency_key_is_never_overwritten(sleeps: list[float]) -> None:
    rec = Recorder(
        httpx.Response(503),
        httpx.Response(200, json={"envelope_id": ENV_ID, "status": "pending"}),
    )
    await make(rec).templates.send(
        "tmpl_1", parties=[{"email": "a@x.io", "name": "A", "role": "r"}], idempotency_key="mine-1"
    )
    assert [r.headers["Idempotency-Key"] for r in rec.requests] == ["mine-1", "mine-1"]


async def test_connection_error_surfaces_as_api_connection_error(sleeps: list[float]) -> None:
    rec = Recorder(httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError) as info:
        await make(rec, max_retries=1).envelopes.get(ENV_ID)
    assert len(rec.requests) == 2
    assert KEY not in str(info.value)


async def test_timeout_surfaces_as_api_timeout_error(sleeps: list[float]) -> None:
    rec = Recorder(httpx.ReadTimeout("slow"))
    with pytest.raises(atlas_async.APITimeoutError):
        await make(rec, max_retries=0).envelopes.get(ENV_ID)


class BrokenBody(httpx.AsyncByteStream):
    """A body whose connection fails after the first chunk (a reset, a read timeout)."""

    def __init__(self, first: bytes, error: Exception) -> None:
        self.first = first
        self.error = error
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.first
        raise self.error

    async def aclose(self) -> None:
        self.closed = True


def broken_answer(error: Exception, streams: list[BrokenBody] | None = None) -> Handler:
    def answer(request: httpx.Request) -> httpx.Response:
        stream = BrokenBody(b'{"envelope_id": "', error)
        if streams is not None:
            streams.append(stream)
        return httpx.Response(200, headers={"Content-Type": "application/json"}, stream=stream)

    return answer


async def test_connection_dropped_while_reading_the_body_is_retried(sleeps: list[float]) -> None:
    streams: list[BrokenBody] = []
    rec = Recorder(
        broken_answer(httpx.ReadError("connection reset by peer"), streams),
        httpx.Response(200, json=_envelope(status="pending")),
    )
    env = await make(rec).envelopes.send(ENV_ID, fields_version=1)
    assert env.status == "pending"
    assert len(rec.requests) == 2
    assert len({r.headers["Idempotency-Key"] for r in rec.requests}) == 1  # the same key
    assert len(sleeps) == 1
    assert streams[0].closed  # the broken response went back to the pool closed


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ReadError("reset"), APIConnectionError),
        (httpx.RemoteProtocolError("peer closed"), APIConnectionError),
        (httpx.ReadTimeout("slow body"), atlas_async.APITimeoutError),
    ],
)
async def test_body_read_failures_map_to_our_errors_after_retries(
    sleeps: list[float], error: Exception, expected: type[Exception]
) -> None:
    rec = Recorder(broken_answer(error))
    with pytest.raises(expected) as info:
        await make(rec, max_retries=2).envelopes.status(ENV_ID)
    assert type(info.value) is expected
    assert isinstance(info.value.__cause__, type(error))
    assert len(rec.requests) == 3  # a GET is safe to repeat


async def test_body_read_failure_of_an_unkeyed_post_is_not_retried(sleeps: list[float]) -> None:
    rec = Recorder(broken_answer(httpx.ReadError("reset")))
    with pytest.raises(APIConnectionError):
        await make(rec).envelopes.remind(ENV_ID)
    assert len(rec.requests) == 1
    assert sleeps == []


def pdf_breaking_after_first_chunk(error: Exception) -> Handler:
    def answer(request: httpx.Request) -> httpx.Response:
        stream = BrokenBody(b"%PDF-1.7 the first part", error)
        return httpx.Response(200, headers={"Content-Type": "application/pdf"}, stream=stream)

    return answer


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ReadError("connection reset mid-body"), APIConnectionError),
        (httpx.RemoteProtocolError("peer closed"), APIConnectionError),
        (httpx.ReadTimeout("stalled"), atlas_async.APITimeoutError),
    ],
)
async def test_signed_pdf_cut_mid_download_raises_our_errors(
    tmp_path: Path, error: Exception, expected: type[Exception]
) -> None:
    atlas = make(Recorder(pdf_breaking_after_first_chunk(error)))
    with pytest.raises(expected) as info:
        await atlas.envelopes.download_signed_pdf(ENV_ID)
    assert type(info.value) is expected
    assert isinstance(info.value.__cause__, type(error))
    with pytest.raises(expected):
        await atlas.envelopes.download_signed_pdf(ENV_ID, tmp_path / "signed.pdf")
    assert [p async for p in anyio.Path(tmp_path).iterdir()] == []  # no partial file left
    chunks: list[bytes] = []

    async def read_stream() -> None:
        async with atlas.envelopes.stream_signed_pdf(ENV_ID, chunk_size=4) as stream:
            async for chunk in stream:
                chunks.append(chunk)

    with pytest.raises(expected):
        await read_stream()
    assert chunks  # what arrived before the cut was handed over
    assert b"%PDF-1.7 the first part".startswith(b"".join(chunks))


class GatedPDF(httpx.AsyncByteStream):
    """A PDF body sent in two halves; the second waits until ``gate`` opens."""

    def __init__(self, body: bytes, halfway: Callable[[], None], gate: anyio.Event) -> None:
        self.body = body
        self.halfway = halfway
        self.gate = gate

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.body[:10]
        self.halfway()
        await self.gate.wait()
        yield self.body[10:]


async def test_concurrent_downloads_to_one_path_never_mix(tmp_path: Path) -> None:
    bodies = {"a": b"%PDF-1.7 " + b"A" * 5000, "b": b"%PDF-1.7 " + b"B" * 7000}
    gate = anyio.Event()
    halfway: list[str] = []

    def arrived(name: str) -> Callable[[], None]:
        def note() -> None:
            halfway.append(name)
            if len(halfway) == 2:  # both files are half written: now let both finish
                gate.set()

        return note

    def answer(request: httpx.Request) -> httpx.Response:
        name = "a" if request.url.path.split("/")[-2].endswith("a") else "b"
        stream = GatedPDF(bodies[name], arrived(name), gate)
        return httpx.Response(200, headers={"Content-Type": "application/pdf"}, stream=stream)

    atlas = make(Recorder(answer))
    target = tmp_path / "signed.pdf"
    async with anyio.create_task_group() as tg:
        for eid in ("env-a", "env-b"):
            tg.start_soon(atlas.envelopes.download_signed_pdf, eid, target)
    assert sorted(halfway) == ["a", "b"]
    assert await anyio.Path(target).read_bytes() in bodies.values()  # one whole PDF, not a mix
    assert [p.name async for p in anyio.Path(tmp_path).iterdir()] == ["signed.pdf"]


async def test_cancelled_download_leaves_no_temporary_file(tmp_path: Path) -> None:
    halfway = anyio.Event()
    never = anyio.Event()

    def answer(request: httpx.Request) -> httpx.Response:
        stream = GatedPDF(b"%PDF-1.7 " + b"x" * 100, halfway.set, never)
        return httpx.Response(200, headers={"Content-Type": "application/pdf"}, stream=stream)

    atlas = make(Recorder(answer))
    async with anyio.create_task_group() as tg:
        tg.start_soon(atlas.envelopes.download_signed_pdf, ENV_ID, tmp_path / "signed.pdf")
        await halfway.wait()  # the temporary file exists and holds the first half
        tg.cancel_scope.cancel()
    assert [p async for p in anyio.Path(tmp_path).iterdir()] == []


class StalledUpload(httpx.AsyncBaseTransport):
    """Starts writing the request body, then stalls as a socket with a full buffer would."""

    def __init__(self) -> None:
        self.started = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = request.stream.__aiter__()  # type: ignore[union-attr]
        await body.__anext__()
        self.started.set()
        await anyio.sleep_forever()
        raise AssertionError("unreachable")


async def test_a_request_cancelled_mid_body_leaves_nothing_to_finalise() -> None:
    # httpx's in-memory body iterates with an async generator; dropped mid-body by a cancelled
    # request, trio reports it when it is collected (the bulk suite's cancellation over real
    # sockets hit this under load). Our bodies are plain iterators: nothing to finalise.
    stalled = StalledUpload()
    async with httpx.AsyncClient(transport=stalled) as http:
        atlas = Atlas(api_key=KEY, base_url=BASE, http_client=http)
        async with anyio.create_task_group() as tg:
            tg.start_soon(functools.partial(atlas.envelopes.send, ENV_ID, fields_version=1))
            await stalled.started.wait()
            tg.cancel_scope.cancel()
        gc.collect()
        await anyio.lowlevel.checkpoint()  # where a finaliser scheduled by the collector runs


def test_signed_pdf_stream_is_not_built_directly() -> None:
    with pytest.raises(TypeError, match="stream_signed_pdf"):
        atlas_async.SignedPDFStream()


def _public_callables() -> list[tuple[str, Any]]:
    from atlas_async._resources import envelopes, platform, templates

    roots = [(name, getattr(atlas_async, name)) for name in atlas_async.__all__]
    for module in (envelopes, platform, templates):
        roots += [(name, getattr(module, name)) for name in module.__all__]
    found: list[tuple[str, Any]] = []
    for name, obj in roots:
        found.append((name, obj))
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_") and attr != "__init__":
                    continue
                target = getattr(member, "fget", None) or getattr(member, "__func__", member)
                found.append((f"{name}.{attr}", target))
    return [(name, obj) for name, obj in found if callable(obj)]


def test_no_public_signature_mentions_httpx() -> None:
    # The move to httpx2 must stay private: no public callable takes or returns an httpx type.
    leaks = []
    for name, obj in _public_callables():
        annotations = getattr(obj, "__annotations__", None)
        if isinstance(annotations, dict) and any("httpx" in str(a) for a in annotations.values()):
            leaks.append(name)
    assert leaks == []


REPLAYED = {"Idempotency-Replayed": "true"}


@pytest.mark.parametrize(
    ("first", "replay"),
    [
        (None, True),  # answered at once from the idempotency store: an earlier call's work
        (httpx.Response(429, headers={"Retry-After": "0"}), True),  # refused before any work
        (_error(409, "idempotency_key_in_use"), True),  # someone else's request held the key
        (httpx.Response(503), False),  # this call's first attempt may have done it
        (httpx.ReadError("reset after commit"), False),
    ],
)
async def test_replay_header_surfaces_only_for_work_this_call_did_not_do(
    sleeps: list[float], first: httpx.Response | Exception | None, replay: bool
) -> None:
    answer = httpx.Response(200, json=_envelope(status="pending"), headers=REPLAYED)
    rec = Recorder(*([first] if first is not None else []), answer)
    env = await make(rec).envelopes.send(ENV_ID, fields_version=1)
    assert atlas_async.was_replayed(env) is replay
    fresh = Recorder(httpx.Response(200, json=_envelope(status="pending")))
    assert not atlas_async.was_replayed(await make(fresh).envelopes.send(ENV_ID, fields_version=1))
    assert not atlas_async.was_replayed(object())


async def test_retry_after_is_honoured(sleeps: list[float]) -> None:
    rec = Recorder(
        httpx.Response(429, headers={"Retry-After": "3"}, json={"error": {"code": "rate_limited"}}),
        httpx.Response(200, json=_envelope()),
    )
    await make(rec).envelopes.get(ENV_ID)
    assert sleeps == [3.0]


async def test_retry_after_above_cap_surfaces_the_error(sleeps: list[float]) -> None:
    rec = Recorder(
        httpx.Response(
            429, headers={"Retry-After": "3600"}, json={"error": {"code": "rate_limited"}}
        )
    )
    with pytest.raises(RateLimitError) as info:
        await make(rec).envelopes.get(ENV_ID)
    assert info.value.retry_after == 3600
    assert len(rec.requests) == 1
    assert sleeps == []


def test_retry_after_parsing() -> None:
    parse = transport_module.parse_retry_after
    assert parse({"retry-after-ms": "1500"}) == 1.5
    assert parse({"Retry-After": "2"}) == 2.0
    assert parse({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # in the past
    assert parse({"Retry-After": "soon"}) is None
    assert parse({}) is None


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SIGNER = [{"email": "a@x.io", "name": "A", "role": "r"}]


@pytest.mark.parametrize(
    "key",
    [
        "commande-n°1042",
        "ключ",
        "line\nbreak",
        "cr\rlf",
        "nul\x00",
        "tab\there",
        " lead",
        "trail ",
        "",
        "k" * 256,
    ],
)
async def test_unusable_idempotency_keys_fail_before_any_request(key: str) -> None:
    rec = Recorder(httpx.Response(500))
    atlas = make(rec)
    calls = [
        lambda: atlas.envelopes.create(PDF_BYTES, idempotency_key=key),
        lambda: atlas.envelopes.send(ENV_ID, fields_version=1, idempotency_key=key),
        lambda: atlas.envelopes.create_and_send(PDF_BYTES, parties=SIGNER, idempotency_key=key),
        lambda: atlas.templates.send("tmpl_1", parties=SIGNER, idempotency_key=key),
        lambda: atlas.platform.connected_accounts.create("acme", name="A", idempotency_key=key),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="printable ASCII"):
            await call()
    assert rec.requests == []


async def test_a_key_with_inner_spaces_and_punctuation_is_sent_as_is() -> None:
    rec = Recorder(httpx.Response(200, json={"envelope_id": ENV_ID, "status": "pending"}))
    key = "order 1042/v2:~!#"
    await make(rec).templates.send("tmpl_1", parties=SIGNER, idempotency_key=key)
    assert rec.requests[0].headers["Idempotency-Key"] == key


async def test_idempotency_key_in_use_409_is_retried(sleeps: list[float]) -> None:
    rec = Recorder(
        _error(409, "idempotency_key_in_use"),
        httpx.Response(200, json={"envelope_id": ENV_ID, "status": "pending"}),
    )
    await make(rec).templates.send(
        "tmpl_1", parties=[{"email": "a@x.io", "name": "A", "role": "r"}]
    )
    assert len(rec.requests) == 2


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (400, "bad_request", BadRequestError),
        (401, "unauthorized", AuthenticationError),
        (402, "insufficient_credits", InsufficientCreditsError),
        (403, "forbidden", PermissionDeniedError),
        (404, "not_found", NotFoundError),
        (409, "fields_version_conflict", FieldsVersionConflictError),
        (409, "invalid_state", ConflictError),
        (422, "idempotency_key_reused", UnprocessableEntityError),
    ],
)
async def test_client_errors_are_never_retried(
    sleeps: list[float], status: int, code: str, error: type[Exception]
) -> None:
    rec = Recorder(_error(status, code))
    with pytest.raises(error) as info:
        await make(rec).templates.send(
            "tmpl_1", parties=[{"email": "a@x.io", "name": "A", "role": "r"}]
        )
    assert len(rec.requests) == 1
    assert info.value.request_id == "req_e"  # type: ignore[attr-defined]
    assert sleeps == []


async def test_non_rewindable_body_is_never_replayed(sleeps: list[float]) -> None:
    class OneWay(io.RawIOBase):
        """A stream that can be read once and cannot seek (a socket, a pipe)."""

        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    rec = Recorder(httpx.Response(503))
    stream = io.BufferedReader(OneWay(b"%PDF-1.4\n" + b"x" * 200_000))
    with pytest.raises(InternalServerError):
        await make(rec, max_retries=5).envelopes.create(stream)
    assert len(rec.requests) == 1  # a keyed POST, but its body cannot be rewound
    assert sleeps == []
    assert len(rec.requests[0].content) > 200_000  # the whole stream did go out, once


async def test_rewindable_upload_is_replayed_whole(sleeps: list[float], tmp_path: Any) -> None:
    path = tmp_path / "contract.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"y" * 100_000)
    created = {
        "envelope_id": ENV_ID,
        "status": "draft",
        "fields_status": "pending",
        "review_url": "https://atlas.test/review/x?rt=secret",
    }
    rec = Recorder(httpx.Response(502), httpx.Response(201, json=created))
    await make(rec).envelopes.create(path, parties=[{"email": "a@x.io", "name": "A", "role": "r"}])
    first, second = rec.requests
    assert first.content == second.content
    assert b"y" * 100_000 in second.content
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]


# Documents ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [b"hello world", b"PK\x03\x04not really a zip", b"<html>%PDF-</html>"[7:0] + b"GIF89a"],
)
async def test_not_a_document_raises_before_any_request(payload: bytes) -> None:
    rec = Recorder(httpx.Response(500))
    with pytest.raises(InvalidDocumentError):
        await make(rec).envelopes.create(payload)
    assert rec.requests == []


async def test_a_zip_that_is_not_docx_is_rejected(tmp_path: Any) -> None:
    import zipfile

    path = tmp_path / "contract.docx"  # the name lies: judged by bytes
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    rec = Recorder(httpx.Response(500))
    with pytest.raises(InvalidDocumentError, match="neither a PDF nor a DOCX"):
        await make(rec).envelopes.create(path)
    assert rec.requests == []


async def test_missing_file_and_url_string_hint(tmp_path: Any) -> None:
    rec = Recorder(httpx.Response(500))
    with pytest.raises(InvalidDocumentError, match="DocumentURL"):
        await make(rec).envelopes.create("https://example.com/contract.pdf")
    with pytest.raises(InvalidDocumentError, match="no such file"):
        await make(rec).envelopes.create(tmp_path / "nope.pdf")
    assert rec.requests == []


async def test_bad_input_fails_before_any_request() -> None:
    rec = Recorder(httpx.Response(500))
    atlas = make(rec)
    pdf = b"%PDF-1.4\n"
    with pytest.raises(ValueError, match="template_id"):
        await atlas.envelopes.create(pdf, template_id="tmpl_1")
    with pytest.raises(ValueError, match="party"):
        await atlas.envelopes.create(pdf, parties=[{"email": "a@x.io", "name": "", "role": "r"}])
    with pytest.raises(ValueError, match="at least one party"):
        await atlas.envelopes.create_and_send(pdf, parties=[])
    with pytest.raises(ValueError, match="at least one party"):
        await atlas.templates.send("tmpl_1", parties=[])
    with pytest.raises(ValueError, match="at least one party"):
        await atlas.envelopes.create(pdf, parties=[])
    with pytest.raises(ValueError, match="each party needs its own email"):
        await atlas.envelopes.create(
            pdf, parties=[{"email": "a@x.io", "name": "A", "role": "r"}] * 2
        )
    with pytest.raises(ValueError, match="limit"):
        atlas.envelopes.list(limit=500)
    with pytest.raises(ValueError, match="envelope_id"):
        await atlas.envelopes.get("..")  # would leave its path segment
    assert rec.requests == []


async def test_large_file_is_streamed_not_read_whole(tmp_path: Any) -> None:
    import tracemalloc

    size = 8 * 1024 * 1024
    path = tmp_path / "big.pdf"
    with path.open("wb") as f:
        f.write(b"%PDF-1.7\n")
        f.write(b"\0" * size)
    received = 0

    class Sink(httpx.AsyncBaseTransport):
        """Consumes the upload chunk by chunk (MockTransport would read it whole first)."""

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal received
            async for chunk in request.stream:  # type: ignore[union-attr]
                received += len(chunk)
            body = {
                "envelope_id": ENV_ID,
                "status": "draft",
                "fields_status": "pending",
                "review_url": "https://atlas.test/review/1?rt=t",
            }
            return httpx.Response(201, json=body)

    atlas = Atlas(api_key=KEY, base_url=BASE, http_client=httpx.AsyncClient(transport=Sink()))
    await atlas.envelopes.create(b"%PDF-1.7\n")  # warm up: first-use imports are not the upload
    received = 0
    tracemalloc.start()
    try:
        await atlas.envelopes.create(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received > size
    print(f"\nuploaded {received} bytes with a peak of {peak} bytes traced")
    assert peak < size // 8, f"peak {peak} bytes while uploading {size} bytes"


# Account scoping, auth, errors, redirects, logging ----------------------------------------------


async def test_account_is_per_request_and_copies_do_not_leak_it() -> None:
    rec = Recorder(httpx.Response(200, json=_envelope()))
    base = make(rec)
    tenant = base.for_account("ext_acme")
    await tenant.envelopes.get(ENV_ID)
    await base.envelopes.get(ENV_ID)
    await base.with_options(max_retries=0).for_account("ext_beta").envelopes.get(ENV_ID)
    accounts = [r.headers.get("Atlas-Account") for r in rec.requests]
    assert accounts == ["ext_acme", None, "ext_beta"]
    assert base.account is None
    assert "atlas-account" not in base._transport.http.headers


async def test_token_provider_refreshes_once_on_401() -> None:
    class Provider:
        def __init__(self) -> None:
            self.current = "tok_old"
            self.refreshed: list[str] = []

        async def token(self) -> str:
            return self.current

        async def refresh(self, rejected: str) -> str | None:
            self.refreshed.append(rejected)
            self.current = "tok_new"
            return self.current

    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer tok_new":
            return httpx.Response(200, json=_envelope())
        return _error(401, "unauthorized")

    provider = Provider()
    rec = Recorder(answer)
    http = httpx.AsyncClient(transport=httpx.MockTransport(rec))
    atlas = Atlas(auth=provider, base_url=BASE, http_client=http)
    await atlas.envelopes.get(ENV_ID)
    assert provider.refreshed == ["tok_old"]
    assert [r.headers["Authorization"] for r in rec.requests] == [
        "Bearer tok_old",
        "Bearer tok_new",
    ]

    provider.current = "tok_dead"

    async def give_up(rejected: str) -> str | None:
        return None

    provider.refresh = give_up  # type: ignore[method-assign]
    with pytest.raises(AuthenticationError):
        await atlas.envelopes.get(ENV_ID)


async def test_errors_and_logs_never_carry_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="atlas_async")
    rec = Recorder(_error(404, "not_found"))
    with pytest.raises(NotFoundError) as info:
        await make(rec).envelopes.get(ENV_ID)
    err = info.value
    assert err.headers.get("Authorization") in (None, "[REDACTED]")
    assert KEY not in repr(err.__dict__)
    assert KEY not in caplog.text
    assert ENV_ID in caplog.text  # logs name the envelope
    assert "req_e" in caplog.text  # and the request id


async def test_redirect_to_another_host_drops_credentials() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.atlas.test":
            return httpx.Response(
                302, headers={"Location": "https://storage.example.net/signed.pdf?sig=abc"}
            )
        return httpx.Response(
            200, content=b"%PDF-1.7 signed", headers={"Content-Type": "application/pdf"}
        )

    rec = Recorder(answer)
    pdf = await make(rec).for_account("ext_acme").envelopes.download_signed_pdf(ENV_ID)
    assert pdf == b"%PDF-1.7 signed"
    api, storage = rec.requests
    assert api.headers["Authorization"] == f"Bearer {KEY}"
    assert api.headers["Atlas-Account"] == "ext_acme"
    assert storage.url.host == "storage.example.net"
    assert "Authorization" not in storage.headers
    assert "Atlas-Account" not in storage.headers


async def test_same_host_redirect_keeps_credentials() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/pdf"):
            return httpx.Response(302, headers={"Location": "/files/signed.pdf"})
        return httpx.Response(200, content=b"%PDF-1.7 signed")

    rec = Recorder(answer)
    assert await make(rec).envelopes.download_signed_pdf(ENV_ID) == b"%PDF-1.7 signed"
    assert rec.requests[1].headers["Authorization"] == f"Bearer {KEY}"


async def test_request_id_on_models_and_pages() -> None:
    page: dict[str, Any] = {"items": [], "next_cursor": None}
    rec = Recorder(
        httpx.Response(200, json=_envelope(), headers={"X-Request-Id": "req_1"}),
        httpx.Response(200, json=page, headers={"X-Request-Id": "req_2"}),
    )
    atlas = make(rec)
    env = await atlas.envelopes.get(ENV_ID)
    assert atlas_async.get_request_id(env) == "req_1"
    first = await atlas.envelopes.list()
    assert first.request_id == "req_2"


async def test_success_body_off_contract_is_reported_not_misparsed() -> None:
    # The status call exists to say the status: an answer without it is unusable.
    rec = Recorder(
        httpx.Response(200, json={"signed_count": 1, "total": 2}, headers={"X-Request-Id": "r1"})
    )
    with pytest.raises(atlas_async.APIResponseValidationError, match="lacks") as info:
        await make(rec).envelopes.status(ENV_ID)
    err = info.value
    assert not isinstance(err, atlas_async.APIStatusError)  # a 2xx is not a status error
    assert (err.status_code, err.request_id, err.field) == (200, "r1", "status")
    assert '"signed_count"' in (err.body or "")  # the raw answer, to recover what the server did


async def test_a_value_of_the_wrong_type_is_reported_with_its_field() -> None:
    rec = Recorder(
        httpx.Response(
            200,
            json={"envelope_id": ENV_ID, "status": "draft", "created_at": 1764331200},
            headers={"X-Request-Id": "r2"},
        )
    )
    with pytest.raises(atlas_async.APIResponseValidationError, match="invalid") as info:
        await make(rec).envelopes.get(ENV_ID)
    assert (info.value.field, info.value.request_id) == ("created_at", "r2")


async def test_an_answer_missing_what_the_sdk_does_not_need_parses() -> None:
    rec = Recorder(httpx.Response(200, json={"status": "draft"}))
    env = await make(rec).envelopes.get(ENV_ID)
    # the id comes from the request when the answer lacks it; the rest is None
    assert (env.envelope_id, env.status, env.fields_version, env.parties) == (
        ENV_ID,
        "draft",
        None,
        None,
    )


async def test_unknown_enum_values_parse_as_strings() -> None:
    rec = Recorder(
        httpx.Response(200, json=_envelope(status="archived", fields_status="reprocessing"))
    )
    env = await make(rec).envelopes.get(ENV_ID)
    assert env.status == "archived"
    assert env.fields_status == "reprocessing"
    assert env.status != atlas_async.EnvelopeStatus.SIGNED


async def test_pagination_walks_every_page() -> None:
    def summary(i: int) -> dict[str, Any]:
        return {
            "envelope_id": str(uuid.UUID(int=i)),
            "status": "draft",
            "fields_status": "ready",
            "created_at": "2026-11-28T12:00:00+00:00",
        }

    def answer(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        start = int(cursor) if cursor else 0
        items = [summary(i) for i in range(start, min(start + 2, 5))]
        nxt = str(start + 2) if start + 2 < 5 else None
        return httpx.Response(200, json={"items": items, "next_cursor": nxt})

    rec = Recorder(answer)
    atlas = make(rec)
    ids = [uuid.UUID(str(e.envelope_id)).int async for e in atlas.envelopes.list(status="draft")]
    assert ids == [0, 1, 2, 3, 4]
    assert len(rec.requests) == 3
    assert rec.requests[0].url.params.get("status") == "draft"
    assert "limit" not in rec.requests[0].url.params  # the server's default stays the server's
    first = await atlas.envelopes.list(limit=2)
    assert len(first.items) == 2
    assert first.has_next_page
    pages = [len(p.items) async for p in atlas.envelopes.list().pages()]
    assert pages == [2, 2, 1]


async def test_closed_client_refuses_requests() -> None:
    atlas = Atlas(api_key=KEY, base_url=BASE)
    await atlas.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await atlas.envelopes.get(ENV_ID)


async def test_closing_a_copy_keeps_the_pool_open() -> None:
    rec = Recorder(httpx.Response(200, json=_envelope()))
    atlas = make(rec)
    async with atlas.for_account("ext_acme") as tenant:
        await tenant.envelopes.get(ENV_ID)
    await atlas.envelopes.get(ENV_ID)
    assert len(rec.requests) == 2


def test_status_error_bodies_round_trip_through_json() -> None:
    err = atlas_async._error_mapping.error_from_response(
        409, {"X-Request-Id": "r"}, json.dumps({"error": {"code": "fields_pending"}}).encode()
    )
    assert isinstance(err, atlas_async.FieldsPendingError)


# The generated client's traps (codegen-notes sections 3 and 8), each neutralised ----------------


async def test_spec_defaults_are_not_sent_unless_chosen() -> None:
    rec = Recorder(
        httpx.Response(200, json={"envelope_id": ENV_ID, "status": "pending"}),
    )
    atlas = make(rec)
    party = {"email": "a@x.io", "name": "A", "role": "r"}
    await atlas.templates.send("tmpl_1", parties=[party])
    await atlas.templates.send("tmpl_1", parties=[party], auto_send=False)
    default, chosen = (json.loads(r.content) for r in rec.requests)
    assert "auto_send" not in default  # the model's default (True) stays the server's decision
    assert chosen["auto_send"] is False


async def test_generated_with_headers_is_never_used_so_the_shared_client_stays_clean() -> None:
    rec = Recorder(httpx.Response(200, json=_envelope()))
    atlas = make(rec)
    http = atlas._transport.http
    before = dict(http.headers)
    await atlas.for_account("ext_acme").with_options(timeout=3).envelopes.get(ENV_ID)
    assert dict(http.headers) == before
    assert http.timeout == httpx.Timeout(5.0)  # the user's client's own default, untouched


def test_import_is_cheap() -> None:
    import subprocess
    import sys

    code = (
        "import sys, atlas_async; "
        "print(sorted(m for m in ('httpx', 'attrs', 'atlas_async._generated') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_generated_endpoints_only_use_request_on_the_seam() -> None:
    """The seam implements only ``request(**kwargs)``: a regeneration that starts calling
    anything else on the async httpx client must fail here, not in production."""
    import re
    from pathlib import Path

    api = Path(atlas_async.__file__).parent / "_generated" / "api"
    uses = set()
    for module in api.rglob("*.py"):
        uses.update(re.findall(r"get_async_httpx_client\(\)\.(\w+)", module.read_text()))
    assert uses == {"request"}


def test_a_callers_send_key_stays_within_the_contracts_length() -> None:
    from atlas_async._resources._keys import versioned_key as _versioned_key

    assert _versioned_key("mine", 3) == "mine-v3"
    long = "k" * 255
    derived = _versioned_key(long, 12)
    assert len(derived) <= 255
    assert derived.endswith("-v12")
    assert derived != _versioned_key("k" * 254 + "j", 12)


# Plain http: credentials never cross the network in clear text ----------------------------------

PUBLIC_HTTP = [
    "http://api.example.com",
    "http://atlaswork.ai",
    "http://10.0.0.5:8080",
    "http://localhost.evil.example",
    "http://127.0.0.1.nip.io",
    "http://atlas.test.evil.example",
    "http://test",
]
LOCAL_HTTP = [
    "http://127.0.0.1:8080",
    "http://127.8.9.10",
    "http://localhost:4010",
    "http://[::1]:8080",
    "http://api.atlas.localhost",
    "http://atlas.test",  # the emulator's in-process base URL
    "http://storage.atlas.test/",
    "https://api.example.com",
]


@pytest.mark.parametrize("url", PUBLIC_HTTP)
def test_plain_http_to_a_public_host_is_refused(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATLAS_ALLOW_INSECURE_HTTP", raising=False)
    with pytest.raises(ValueError, match="plain http") as info:
        Atlas(api_key=KEY, base_url=url)
    assert KEY not in str(info.value)
    assert "allow_insecure_http=True" in str(info.value)
    monkeypatch.setenv("ATLAS_BASE_URL", url)
    with pytest.raises(ValueError, match="plain http"):
        Atlas(api_key=KEY)

    class Provider:
        async def token(self) -> str:
            return "tok"

        async def refresh(self, rejected: str) -> str | None:
            return None

    with pytest.raises(ValueError, match="plain http"):  # a bearer token is a credential too
        Atlas(auth=Provider(), base_url=url)


@pytest.mark.parametrize("url", LOCAL_HTTP)
async def test_https_and_local_plain_http_need_no_opt_in(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ATLAS_ALLOW_INSECURE_HTTP", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # silently: no warning either
        atlas = Atlas(api_key=KEY, base_url=url)
    assert atlas.base_url == url.rstrip("/")
    await atlas.aclose()


async def test_plain_http_opt_in_by_argument_or_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "http://emulator:8080"  # say, the emulator in docker compose
    monkeypatch.delenv("ATLAS_ALLOW_INSECURE_HTTP", raising=False)
    async with Atlas(api_key=KEY, base_url=url, allow_insecure_http=True) as atlas:
        assert atlas.base_url == url
    for value in ("1", "true", "YES"):
        monkeypatch.setenv("ATLAS_ALLOW_INSECURE_HTTP", value)
        async with Atlas(api_key=KEY, base_url=url):
            pass
    with pytest.raises(ValueError, match="plain http"):  # the argument wins over the environment
        Atlas(api_key=KEY, base_url=url, allow_insecure_http=False)
    for value in ("0", "false", ""):
        monkeypatch.setenv("ATLAS_ALLOW_INSECURE_HTTP", value)
        with pytest.raises(ValueError, match="plain http"):
            Atlas(api_key=KEY, base_url=url)
    with pytest.raises(TypeError, match="allow_insecure_http"):
        Atlas(api_key=KEY, base_url=url, allow_insecure_http="yes")  # type: ignore[arg-type]


def _redirect_to(location: str, api_host: str) -> Handler:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == api_host and request.url.path.endswith("/pdf"):
            return httpx.Response(302, headers={"Location": location, "X-Request-Id": "req_r"})
        return httpx.Response(200, content=b"%PDF-1.7 signed")

    return answer


async def test_redirect_to_plain_http_on_a_public_host_is_refused() -> None:
    location = "http://storage.example.net/signed.pdf?sig=presigned-secret"
    rec = Recorder(_redirect_to(location, "api.atlas.test"))
    atlas = make(rec, base_url="http://api.atlas.test")  # plain http allowed: a *.test host
    with pytest.raises(atlas_async.RedirectError, match="plain http") as info:
        await atlas.envelopes.download_signed_pdf(ENV_ID)
    assert [r.url.host for r in rec.requests] == ["api.atlas.test"]  # storage never contacted
    err = info.value
    assert (err.reason, err.status_code, err.request_id) == ("insecure", 302, "req_r")
    assert "presigned-secret" not in str(err) + repr(err.__dict__)

    # From https down to http is refused whatever the host, the API's own included.
    http = httpx.AsyncClient(
        transport=httpx.MockTransport(
            Recorder(_redirect_to("http://api.example.com/f.pdf", "api.example.com"))
        )
    )
    atlas = Atlas(api_key=KEY, base_url="https://api.example.com", http_client=http)
    with pytest.raises(atlas_async.RedirectError, match="down to http") as info:
        await atlas.envelopes.download_signed_pdf(ENV_ID)
    assert info.value.reason == "downgrade"
    rec = Recorder(_redirect_to("ftp://storage.example.net/f.pdf", "api.atlas.test"))
    with pytest.raises(atlas_async.RedirectError, match="'ftp'"):
        await make(rec).envelopes.download_signed_pdf(ENV_ID)


@pytest.mark.parametrize(
    ("location", "opt_in"),
    [
        ("http://127.0.0.1:9000/signed.pdf?sig=s", False),  # a local storage emulator
        ("http://storage.atlas.test/signed.pdf?sig=s", False),
        ("http://storage.example.net/signed.pdf?sig=s", True),
    ],
)
async def test_redirect_to_local_or_opted_in_plain_http_is_followed(
    location: str, opt_in: bool
) -> None:
    rec = Recorder(_redirect_to(location, "api.atlas.test"))
    atlas = make(rec, base_url="http://api.atlas.test", allow_insecure_http=opt_in)
    assert await atlas.envelopes.download_signed_pdf(ENV_ID) == b"%PDF-1.7 signed"
    api, storage = rec.requests
    assert api.headers["Authorization"] == f"Bearer {KEY}"
    assert str(storage.url) == location
    assert "Authorization" not in storage.headers
