"""A hostile or broken server, on a real socket: every failure is typed, time and memory bounded.

* a server that trickles bytes gets an APITimeoutError shortly after ``timeout``;
* a huge body is refused as it arrives (ResponseTooLargeError), in a 200 as in a 500;
* a listing that would page forever is an error;
* a redirect to a URL that is not one is a RedirectError, not the HTTP library's exception.

The property over whatever the server sends is in ``test_hostile_property.py``.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from atlas_async import (
    APIResponseValidationError,
    APITimeoutError,
    Atlas,
    AtlasError,
)
from atlas_async._errors import ResponseTooLargeError

from .._support.http import httpx
from .._support.mock_api import BASE
from .._support.raw_server import Request, Step, response, serve

pytestmark = pytest.mark.anyio

KEY = "atlas_live_hostile_server_key"
ENV_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
STATUS = {
    "status": "pending",
    "signed_count": 0,
    "total": 1,
    "next_signer_email": "a@example.com",
    "sign_url": None,
}


def client(url: str, **kwargs: Any) -> Atlas:
    kwargs.setdefault("max_retries", 0)
    return Atlas(KEY, base_url=url, **kwargs)


async def test_a_trickling_server_times_out_shortly_after_the_timeout() -> None:
    def trickle(_: Request) -> list[Step]:
        body = json.dumps(STATUS).encode()
        head = response(200, body, {"Content-Type": "application/json"})[: -len(body)]
        return [head, *[step for byte in body for step in (bytes([byte]), 0.1)]]

    with serve(trickle) as server:
        async with client(server.url, timeout=1.0) as atlas:
            started = time.monotonic()
            with pytest.raises(APITimeoutError, match="longer than 1 s"):
                await atlas.envelopes.status(ENV_ID)
            elapsed = time.monotonic() - started
    # Each read arrives within 0.1 s, so per-read timeouts alone would never fire.
    assert 0.9 < elapsed < 3.0


@pytest.mark.parametrize("status", [200, 500])
async def test_a_huge_body_is_refused_as_it_arrives(status: int) -> None:
    chunk = b"x" * 65536

    def huge(_: Request) -> list[Step]:
        head = (
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        ).encode()
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        return [head, *[frame] * 1600, b"0\r\n\r\n"]  # 100 MiB if read whole

    with serve(huge) as server:
        async with client(server.url, max_response_bytes=1024 * 1024) as atlas:
            tracemalloc.start()
            try:
                with pytest.raises(ResponseTooLargeError) as info:
                    await atlas.envelopes.get(ENV_ID)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    assert info.value.status_code == status
    assert info.value.limit == 1024 * 1024
    assert peak < 8 * 1024 * 1024  # bounded by the cap, not by the 100 MiB sent


async def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    def declared(_: Request) -> bytes:
        return response(200, b"{}", {"Content-Type": "application/json"}, content_length=10**9)

    with serve(declared) as server:
        async with client(server.url) as atlas:
            with pytest.raises(ResponseTooLargeError):
                await atlas.envelopes.get(ENV_ID)


def _page(cursor: str | None, items: int = 0) -> bytes:
    summary = {"envelope_id": ENV_ID, "status": "draft", "fields_status": "ready"}
    body = {"items": [summary] * items, "next_cursor": cursor, "created_at": None}
    return response(200, json.dumps(body).encode(), {"Content-Type": "application/json"})


async def test_a_repeated_cursor_is_an_error_not_a_loop() -> None:
    with serve(lambda _: _page("same")) as server:
        async with client(server.url) as atlas:
            with pytest.raises(APIResponseValidationError, match="already returned") as info:
                async for _ in atlas.envelopes.list():
                    pass
    assert info.value.field == "next_cursor"
    assert len(server.requests) == 2  # the first page, then the one that repeated itself


async def test_endless_empty_pages_with_new_cursors_are_an_error() -> None:
    counter = iter(range(10_000))
    with serve(lambda _: _page(f"c{next(counter)}")) as server:
        async with client(server.url) as atlas:
            with pytest.raises(APIResponseValidationError, match="empty pages"):
                async for _ in atlas.envelopes.list():
                    pass
    assert len(server.requests) == 20


@pytest.mark.parametrize("location", ["javascript:alert(1)", "http://[::1", "http://exa mple/"])
async def test_a_redirect_to_a_non_url_is_typed_for_every_call(location: str) -> None:
    def redirect(_: Request) -> bytes:
        return response(302, b"", {"Location": location})

    with serve(redirect) as server:
        async with client(server.url) as atlas:
            for call in _calls(atlas):
                with pytest.raises(AtlasError):
                    await call()


def _calls(atlas: Atlas) -> list[Callable[[], Awaitable[Any]]]:
    pdf = b"%PDF-1.4\n%%EOF\n"
    return [
        lambda: atlas.envelopes.get(ENV_ID),
        lambda: atlas.envelopes.status(ENV_ID),
        lambda: atlas.envelopes.create(pdf),
        lambda: atlas.envelopes.void(ENV_ID),
        lambda: atlas.envelopes.download_signed_pdf(ENV_ID),
        lambda: _first_page(atlas),
        lambda: atlas.templates.get("tmpl_1"),
    ]


async def _first_page(atlas: Atlas) -> Any:
    return await atlas.envelopes.list(limit=5)


async def test_a_body_longer_than_its_declared_length_is_still_capped() -> None:
    # Over a socket the HTTP/1.1 parser holds a server to its Content-Length; an in-process
    # transport holds it to nothing, so the cap is checked on what was read.
    def lying(_: httpx.Request) -> httpx.Response:
        body = httpx.ByteStream(json.dumps({**STATUS, "pad": "x" * 4096}).encode())
        return httpx.Response(200, headers={"Content-Length": "2"}, stream=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(lying))
    async with http, client(BASE, http_client=http, max_response_bytes=1024) as atlas:
        with pytest.raises(ResponseTooLargeError) as info:
            await atlas.envelopes.status(ENV_ID)
    assert info.value.limit == 1024
