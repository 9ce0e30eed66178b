"""A scripted Atlas API on ``httpx.MockTransport``, for the core's tests that need no emulator.

``Recorder`` answers from a script and keeps a snapshot of every request; ``make`` builds an
``Atlas`` on it. The answers are off-contract when a test wants them to be (HTML 520s, missing
fields, bodies cut mid-way by ``broken_answer``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio

from atlas_async import APIConnectionError, APITimeoutError, Atlas

from .http import httpx

KEY = "test_sk_0123456789abcdef"
BASE = "https://api.atlas.test"
ENV_ID = "0b7f6a5e-1a2b-4c3d-8e9f-0123456789ab"

Handler = Callable[[httpx.Request], httpx.Response]

#: How a body can break mid-read, and the SDK error each one becomes.
BODY_CUTS = [
    (httpx.ReadError("connection reset mid-body"), APIConnectionError),
    (httpx.RemoteProtocolError("peer closed"), APIConnectionError),
    (httpx.ReadTimeout("stalled"), APITimeoutError),
]


def envelope_json(**over: Any) -> dict[str, Any]:
    """An envelope as ``GET /envelope/{id}`` answers it, with ``over`` replacing fields."""
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


def api_error(status: int, code: str, **extra: Any) -> httpx.Response:
    """An Atlas error answer with ``code``, request id ``req_e``."""
    body = {"error": {"code": code, "message": code.replace("_", " ")}, "request_id": "req_e"}
    body.update(extra)
    return httpx.Response(status, json=body, headers={"X-Request-Id": "req_e"})


class Recorder:
    """A MockTransport handler that answers from a script and remembers every request.

    Answers are used in order; the last one repeats. An exception is raised, a callable is
    called with the request.
    """

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


def make(recorder: Recorder, **kwargs: Any) -> Atlas:
    """An ``Atlas`` (key ``KEY``, base URL ``BASE`` unless given) answered by ``recorder``."""
    http = httpx.AsyncClient(transport=httpx.MockTransport(recorder))
    kwargs.setdefault("api_key", KEY)
    kwargs.setdefault("base_url", BASE)
    return Atlas(http_client=http, **kwargs)


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
    """A 200 JSON answer whose body breaks with ``error`` after its first bytes."""

    def answer(request: httpx.Request) -> httpx.Response:
        stream = BrokenBody(b'{"envelope_id": "', error)
        if streams is not None:
            streams.append(stream)
        return httpx.Response(200, headers={"Content-Type": "application/json"}, stream=stream)

    return answer


class StalledUpload(httpx.AsyncBaseTransport):
    """Takes the first chunk of the upload, then stalls (a socket with a full buffer, a server
    gone quiet); ``started`` is set once that chunk is in."""

    def __init__(self) -> None:
        self.started = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        chunks = request.stream.__aiter__()  # type: ignore[union-attr]
        await chunks.__anext__()
        self.started.set()
        await anyio.sleep_forever()
        raise AssertionError("unreachable")


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
