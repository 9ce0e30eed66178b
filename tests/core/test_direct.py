"""The SDK's own client sends without the library's client in between (``_direct``).

The requests it builds are the ones the library's ``build_request`` would (compared field by
field, headers in order, over a set of calls covering bodies, parameters, accounts and per-call
options); the library's client is really left out; a proxy of the environment brings it back;
the SDK's own client keeps no cookies on either path; ``Atlas(http_transport=...)`` gives the
SDK's own client another transport (an ``httpx.MockTransport``, the emulator's), checked and
closed with the client.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from atlas_async import APIConnectionError, Atlas, Party, RetryPolicy, _http
from atlas_async.testing import FakeAtlas

from .._support.http import NAME, httpx
from .._support.raw_server import response, serve

pytestmark = pytest.mark.anyio

KEY = "atlas_direct_key_0123456789"
EID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
BASE = "https://api.atlas.test"
ENVELOPE = {"envelope_id": EID, "status": "pending", "fields_status": "ready"}
LISTING = {"items": [], "next_cursor": None}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _answer(request: Any) -> Any:
    body = LISTING if request.url.path == "/api/envelopes" else ENVELOPE
    return httpx.Response(200, json=body)


class Recorder:
    """A transport that answers like ``_answer`` and keeps what each request carried."""

    def __init__(self) -> None:
        self.seen: list[tuple[Any, ...]] = []
        self.closed = False
        self._mock = httpx.MockTransport(self._handle)

    def _handle(self, request: Any) -> Any:
        # As sent: names in their own case, in order (an Idempotency-Key is random per call).
        headers = [
            (name.decode(), "<key>" if name.lower() == b"idempotency-key" else value.decode())
            for name, value in request.headers.raw
        ]
        timeout = request.extensions.get("timeout")
        self.seen.append((request.method, str(request.url), headers, request.content, timeout))
        return _answer(request)

    async def handle_async_request(self, request: Any) -> Any:
        return await self._mock.handle_async_request(request)

    async def aclose(self) -> None:
        self.closed = True


async def _calls(atlas: Atlas) -> None:
    await atlas.envelopes.get(EID)
    await atlas.envelopes.status(EID, extra_headers={"X-Trace": "t-1"}, extra_query={"q": "a b"})
    await atlas.for_account("ext_direct-1").envelopes.get(EID, timeout=7.5)
    await atlas.envelopes.void(EID, reason="wrong document")
    await atlas.envelopes.list(status="pending", limit=5)
    await atlas.with_options(max_retries=0).envelopes.get(EID)


async def test_a_direct_request_is_the_one_the_librarys_client_would_build() -> None:
    recorded: dict[str, list[tuple[Any, ...]]] = {}
    for path in ("direct", "client"):
        recorder = Recorder()
        async with Atlas(KEY, base_url=BASE, http_transport=recorder) as atlas:
            if path == "client":  # the library's build_request and send, as before _direct
                atlas._shared.transport.direct = None
            else:
                assert atlas._shared.transport.direct is not None
            await _calls(atlas)
        recorded[path] = recorder.seen
    assert len(recorded["direct"]) == 6
    assert recorded["direct"] == recorded["client"]
    method, url, headers, body, _ = recorded["direct"][3]
    assert (method, url) == ("POST", f"{BASE}/api/envelope/{EID}/void")
    assert json.loads(body) == {"reason": "wrong document"}
    assert dict(headers)["Authorization"] == f"Bearer {KEY}"
    assert recorded["direct"][1][1] == f"{BASE}/api/envelope/{EID}/status?q=a+b"
    assert recorded["direct"][2][4] == {"connect": 7.5, "read": 7.5, "write": 7.5, "pool": 7.5}


async def test_the_librarys_client_is_left_out(no_proxies: pytest.MonkeyPatch) -> None:
    def no_send(*_: object, **__: object) -> None:
        raise AssertionError("the SDK's own client's send was used")

    status = {"status": "pending", "signed_count": 0, "total": 1}
    with serve(lambda _: response(200, json.dumps(status).encode())) as server:
        async with Atlas(KEY, base_url=server.url) as atlas:
            no_proxies.setattr(atlas._shared.transport.http, "send", no_send)
            assert (await atlas.envelopes.status(EID)).signed_count == 0
    assert [r.path for r in server.requests] == [f"/api/envelope/{EID}/status"]
    headers = server.requests[0].headers
    assert headers["authorization"] == f"Bearer {KEY}"
    assert headers["user-agent"].startswith("atlas-async/")
    assert headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    ("env", "direct"),
    [
        ({}, True),
        ({"NO_PROXY": "*"}, True),  # exemptions alone name no proxy
        ({"HTTPS_PROXY": "http://127.0.0.1:9"}, False),
        ({"http_proxy": "http://127.0.0.1:9"}, False),
        ({"ALL_PROXY": "http://127.0.0.1:9"}, False),
    ],
)
def test_a_proxy_in_the_environment_brings_the_librarys_client_back(
    no_proxies: pytest.MonkeyPatch, env: dict[str, str], direct: bool
) -> None:
    for name, value in env.items():
        no_proxies.setenv(name, value)
    atlas = Atlas(KEY, base_url=BASE)
    assert (atlas._shared.transport.direct is not None) is direct
    # A caller's transport serves every URL, as in the library's own client: no proxy applies.
    mocked = Atlas(KEY, base_url=BASE, http_transport=httpx.MockTransport(_answer))
    assert mocked._shared.transport.direct is not None
    theirs = Atlas(KEY, base_url=BASE, http_client=httpx.AsyncClient())
    assert theirs._shared.transport.direct is None


@pytest.mark.parametrize("proxied", [False, True], ids=["direct", "through-the-client"])
async def test_the_sdks_own_client_keeps_no_cookies(
    no_proxies: pytest.MonkeyPatch, proxied: bool
) -> None:
    status = json.dumps({"status": "pending", "signed_count": 0, "total": 1}).encode()
    cookie = {"Set-Cookie": "AWSALB=sticky-1; Path=/", "Content-Type": "application/json"}
    with serve(lambda _: response(200, status, cookie)) as server:
        if proxied:
            no_proxies.setenv("HTTP_PROXY", server.url)  # the server answers as the proxy too
        async with Atlas(KEY, base_url="http://atlas.test" if proxied else server.url) as atlas:
            assert (atlas._shared.transport.direct is None) is proxied
            for _ in range(3):
                await atlas.envelopes.status(EID)
            assert len(atlas._shared.transport.http.cookies) == 0
    assert len(server.requests) == 3
    assert all("cookie" not in r.headers for r in server.requests)


async def test_http_transport_serves_the_sdks_own_client() -> None:
    recorder = Recorder()
    async with Atlas(KEY, base_url=BASE, http_transport=recorder, app_info="crm/2") as atlas:
        assert (await atlas.envelopes.get(EID)).status == "pending"
        assert _http.library_of(atlas._shared.transport.http).name == NAME
        assert atlas._shared.transport.entry is None  # a caller's transport may not trace
    assert recorder.closed  # the transport is the client's, closed with it
    headers = {name.lower(): value for name, value in recorder.seen[0][2]}
    assert headers["user-agent"].startswith("crm/2 atlas-async/")
    assert "cookie" not in headers


async def test_http_transport_retries_and_maps_errors_like_any_transport() -> None:
    answers: list[Callable[[Any], Any]] = [
        lambda r: httpx.Response(503, json={"error": {"code": "unavailable"}}),
        _answer,
    ]

    def handler(request: Any) -> Any:
        return answers.pop(0)(request)

    async with Atlas(KEY, base_url=BASE, http_transport=httpx.MockTransport(handler)) as atlas:
        quick = atlas.with_options(retry=RetryPolicy(initial_delay=0.0, max_delay=0.0))
        assert (await quick.envelopes.get(EID)).envelope_id == EID
    assert answers == []

    def refused(request: Any) -> Any:
        raise httpx.ConnectError("connection refused", request=request)

    async with Atlas(
        KEY, base_url=BASE, max_retries=0, http_transport=httpx.MockTransport(refused)
    ) as atlas:
        with pytest.raises(APIConnectionError, match="connection error on GET"):
            await atlas.envelopes.get(EID)


async def test_the_emulators_transport_runs_a_whole_flow(tmp_path: Path) -> None:
    fake = FakeAtlas(detection_delay=0.0)
    async with Atlas(
        fake.api_key, base_url=fake.base_url, http_transport=fake.transport()
    ) as atlas:
        # It serves either library's requests: the client is on the SDK's own library.
        assert _http.library_of(atlas._shared.transport.http).name == NAME
        created = await atlas.envelopes.create(
            PDF, parties=[Party(email="s@example.com", name="S", role="Signer")]
        )
        await atlas.envelopes.wait_for_fields(created.envelope_id)
        await atlas.envelopes.send(created.envelope_id)
        await fake.sign(created.envelope_id)
        done = await atlas.envelopes.wait_until_signed(created.envelope_id, timeout=10)
        assert done.status == "signed"
        # The signed PDF is a redirect to the storage host, followed without credentials.
        target = await atlas.envelopes.download_signed_pdf(created.envelope_id, tmp_path / "s.pdf")
        assert target.read_bytes() == fake.signed_pdf(created.envelope_id)


def test_a_transport_of_one_library_decides_the_clients_library() -> None:
    import httpx as first  # the library's own transports, whatever the run's library is

    atlas = Atlas(KEY, base_url=BASE, http_transport=first.MockTransport(_answer))
    assert _http.library_of(atlas._shared.transport.http).name == "httpx"
    httpx2 = pytest.importorskip("httpx2")
    atlas = Atlas(KEY, base_url=BASE, http_transport=httpx2.MockTransport(_answer))
    assert _http.library_of(atlas._shared.transport.http).name == "httpx2"


def test_only_the_sdks_own_pool_on_httpx_has_the_pool_entry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The entry (one request at a time into httpcore 1.x's pool, _admission.PoolEntry) relies on
    # the pool's trace events: the SDK's own pool on httpx, in shards or not; never a transport
    # of the caller's, which might not report them.
    assert (Atlas(KEY, base_url=BASE)._shared.transport.entry is not None) is (NAME == "httpx")

    def one_pool(library: Any, capacity: int, **_: object) -> Any:
        return library.module.AsyncHTTPTransport()

    monkeypatch.setattr("atlas_async._direct.own_pool", one_pool)
    assert (Atlas(KEY, base_url=BASE)._shared.transport.entry is not None) is (NAME == "httpx")
    mocked = Atlas(KEY, base_url=BASE, http_transport=httpx.MockTransport(_answer))
    assert mocked._shared.transport.entry is None


def test_http_transport_is_checked() -> None:
    with pytest.raises(ValueError, match="http_client or http_transport, not both"):
        Atlas(
            KEY,
            base_url=BASE,
            http_client=httpx.AsyncClient(),
            http_transport=httpx.MockTransport(_answer),
        )
    with pytest.raises(TypeError, match="http_transport must be an async transport"):
        Atlas(KEY, base_url=BASE, http_transport=object())  # type: ignore[arg-type]
