"""Per-call options, raw responses, the User-Agent and ATLAS_LOG.

Every resource method takes ``timeout=``, ``max_retries=``, ``extra_headers=`` and
``extra_query=`` for that call alone, and they reach every request the call makes (a send's
preliminary GET as well as the POST, each page of a listing). ``with_raw_response`` returns the
answer a call ended on with its result.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from atlas_async import Atlas, InternalServerError, RawResponse

from .._support.http import httpx

pytestmark = pytest.mark.anyio

KEY = "atlas_live_options_tests"
ENV = {
    "envelope_id": "e1",
    "status": "draft",
    "fields_status": "ready",
    "fields_version": 3,
    "created_at": "2026-12-01T10:00:00Z",
}


class Server:
    def __init__(self, *statuses: int) -> None:
        self.requests: list[httpx.Request] = []
        self.statuses = list(statuses)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status = self.statuses.pop(0) if self.statuses else 200
        headers = {"X-Request-Id": f"req_{len(self.requests)}"}
        if status >= 300:
            return httpx.Response(status, json={"error": {"code": "x", "message": "no"}})
        if request.url.path.endswith("/envelopes"):
            cursor = request.url.params.get("cursor")
            body = {"items": [dict(ENV)], "next_cursor": None if cursor else "c2"}
            return httpx.Response(200, json=body, headers=headers)
        if request.url.path.endswith("/send"):
            return httpx.Response(200, json={**ENV, "status": "pending"}, headers=headers)
        return httpx.Response(200, json=ENV, headers=headers)


def client(server: Server, **kwargs: Any) -> Atlas:
    http = httpx.AsyncClient(transport=httpx.MockTransport(server), **kwargs.pop("http", {}))
    return Atlas(KEY, base_url="https://api.atlas.test", http_client=http, **kwargs)


async def test_options_reach_every_request_of_the_call_and_only_that_call() -> None:
    server = Server()
    async with client(server) as atlas:
        await atlas.envelopes.send(
            "e1", extra_headers={"X-Trace": "t1"}, extra_query={"dry": "1"}, timeout=5
        )
        await atlas.envelopes.get("e1")
    get, send, plain = server.requests
    for request in (get, send):  # send's own GET of fields_version too
        assert request.headers["X-Trace"] == "t1"
        assert request.url.params["dry"] == "1"
    assert "X-Trace" not in plain.headers
    assert "dry" not in plain.url.params


async def test_max_retries_per_call() -> None:
    server = Server(503, 503, 503)
    async with client(server, max_retries=5) as atlas:
        with pytest.raises(InternalServerError):
            await atlas.envelopes.get("e1", max_retries=0)
    assert len(server.requests) == 1


async def test_a_listing_applies_them_to_every_page() -> None:
    server = Server()
    async with client(server) as atlas:
        items = [e async for e in atlas.envelopes.list(extra_headers={"X-Page": "p"})]
    assert len(items) == 2
    assert [r.headers.get("X-Page") for r in server.requests] == ["p", "p"]


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("Authorization", "credentials"),
        ("idempotency-key", "idempotency_key="),
        ("Atlas-Account", "for_account"),
    ],
)
async def test_headers_the_sdk_owns_are_refused_as_extra_headers(name: str, hint: str) -> None:
    # One way to set each: no precedence between extra_headers and the SDK's own setting.
    server = Server()
    async with client(server) as atlas:
        with pytest.raises(ValueError, match=hint):
            await atlas.envelopes.void("e1", extra_headers={name: "x"})
    assert server.requests == []


async def test_a_user_agent_for_one_call_keeps_the_sdks() -> None:
    server = Server()
    async with client(server) as atlas:
        await atlas.envelopes.get("e1", extra_headers={"User-Agent": "my-job/1.0"})
    agent = server.requests[0].headers["User-Agent"]
    assert agent.startswith("my-job/1.0 atlas-async/")


@pytest.mark.parametrize(
    "options",
    [
        {"timeout": 0},
        {"timeout": float("inf")},
        {"max_retries": -1},
        {"extra_headers": {"X-A": "line\r\nbreak"}},
        {"extra_headers": {"bad name:": "x"}},
        {"extra_query": {"q": object()}},
        {"nonsense": 1},
    ],
)
async def test_bad_options_fail_before_any_request(options: dict[str, Any]) -> None:
    server = Server()
    async with client(server) as atlas:
        with pytest.raises((ValueError, TypeError)):
            await atlas.envelopes.get("e1", **options)
    assert server.requests == []


async def test_void_decline_remind_take_an_idempotency_key() -> None:
    server = Server(503)
    async with client(server) as atlas:
        await atlas.envelopes.void("e1", idempotency_key="void-e1")
    first, retry = server.requests  # with a key, the 503 is retried, same key
    assert first.headers["Idempotency-Key"] == retry.headers["Idempotency-Key"] == "void-e1"


async def test_raw_response_gives_the_answer_and_the_model() -> None:
    server = Server(503)
    async with client(server) as atlas:
        raw = await atlas.with_raw_response(atlas.envelopes.get, "e1")
        sent = await atlas.with_raw_response(atlas.envelopes.send, "e1")
    assert isinstance(raw, RawResponse)
    assert (raw.status_code, raw.request_id, raw.retries, raw.requests) == (200, "req_2", 1, 1)
    assert raw.parse().envelope_id == "e1"
    assert raw.elapsed >= 0
    assert raw.replayed is False
    assert raw.headers["content-type"] == "application/json"
    assert sent.requests == 2  # the GET of fields_version, then the POST it ended on
    assert sent.parse().status == "pending"


async def test_the_users_user_agent_is_kept_and_app_info_leads() -> None:
    server = Server()
    http = {"headers": {"User-Agent": "my-backend/3.1"}}
    async with client(server, http=http, app_info="acme-portal/2.0") as atlas:
        await atlas.envelopes.get("e1")
    agent = server.requests[0].headers["User-Agent"]
    assert agent.startswith("my-backend/3.1 acme-portal/2.0 atlas-async/")
    with pytest.raises(ValueError, match="app_info"):
        Atlas(KEY, app_info="bad value\n")


@pytest.mark.slow  # three interpreters, real backoff
def test_atlas_log_turns_logging_on_with_secrets_redacted() -> None:
    code = (
        "import anyio, httpx\n"
        "from atlas_async import Atlas\n"
        "def answer(r): return httpx.Response(500, text='echo ' + r.headers['Authorization'])\n"
        "async def main():\n"
        "    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))\n"
        # One retry: enough for the INFO line, and one backoff sleep per run instead of two.
        f"    async with Atlas({KEY!r}, base_url='https://a.test', http_client=http,"
        " max_retries=1) as a:\n"
        "        try: await a.envelopes.get('e1')\n"
        "        except Exception: pass\n"
        "anyio.run(main)\n"
    )
    for level, expect in (("debug", "GET /api/envelope/e1 -> 500"), ("info", "retrying GET")):
        run = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={"ATLAS_LOG": level, "PATH": "/usr/bin:/bin"},
            check=True,
        )
        assert expect in run.stderr
        assert KEY not in run.stderr
    quiet = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={}, check=True
    )
    assert "atlas_async" not in quiet.stderr  # without ATLAS_LOG the SDK stays quiet
