"""The signed-PDF redirect: which hops are followed, which are refused, and where credentials go."""

from __future__ import annotations

import pytest

import atlas_async
from atlas_async import Atlas, RedirectError

from .._support.http import NAME, httpx
from .._support.mock_api import ENV_ID, KEY, Handler, Recorder, make

pytestmark = pytest.mark.anyio

API = "https://api.atlas.test"


def atlas_for(
    location: str | list[str], base_url: str = API, **kwargs: object
) -> tuple[Atlas, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    locations = [location] if isinstance(location, str) else list(location)

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if locations:
            return httpx.Response(302, headers={"Location": locations.pop(0)})
        return httpx.Response(200, content=b"%PDF-1.4 signed")

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    return Atlas(KEY, base_url=base_url, http_client=http, **kwargs), seen  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/iam", "forbidden_host"),
        ("https://169.254.169.254/latest/meta-data/iam", "forbidden_host"),
        ("https://[fe80::1]/x", "forbidden_host"),
        ("https://[fd00:ec2::254]/latest", "forbidden_host"),
        ("https://[::ffff:169.254.169.254]/x", "forbidden_host"),
        ("https://metadata.google.internal/computeMetadata/v1/", "forbidden_host"),
        ("http://storage.example.net/f.pdf?sig=s", "downgrade"),
        ("ftp://storage.example.net/f.pdf", "scheme"),
        ("file:///etc/passwd", "scheme"),
        # httpx fails building the next request itself (an invalid URL to it); httpx2 leaves the
        # 302 to the SDK, which refuses the scheme. Refused before any request either way.
        ("data:application/pdf;base64,JVBER", "invalid_location" if NAME == "httpx" else "scheme"),
    ],
)
async def test_hostile_redirects_are_refused_without_a_request(location: str, reason: str) -> None:
    atlas, seen = atlas_for(location)
    async with atlas:
        with pytest.raises(RedirectError) as info:
            await atlas.envelopes.download_signed_pdf("e1")
    assert info.value.reason == reason
    assert len(seen) == 1  # only the API was asked; the target was never contacted
    assert "sig=s" not in str(info.value)


async def test_too_many_hops_are_a_redirect_error() -> None:
    atlas, seen = atlas_for([f"{API}/api/envelope/e1/pdf?hop={i}" for i in range(10)])
    async with atlas:
        with pytest.raises(RedirectError) as info:
            await atlas.envelopes.download_signed_pdf("e1")
    assert info.value.reason == "too_many"
    assert len(seen) == 6  # the first request and five hops


async def test_a_redirect_without_location_is_a_redirect_error() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"X-Request-Id": "r9"})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with Atlas(KEY, base_url=API, http_client=http) as atlas:
        with pytest.raises(RedirectError) as info:
            await atlas.envelopes.download_signed_pdf("e1")
    assert (info.value.reason, info.value.status_code, info.value.request_id) == (
        "missing_location",
        302,
        "r9",
    )


async def test_credentials_never_leave_the_api_origin() -> None:
    atlas, seen = atlas_for(
        ["https://storage.example.com/f?X-Amz-Signature=s", "https://api.atlas.test/back"],
        account="ext_acme",
    )
    async with atlas:
        assert await atlas.envelopes.download_signed_pdf("e1") == b"%PDF-1.4 signed"
    api, storage, back = seen
    assert api.headers["Authorization"] == f"Bearer {KEY}"
    assert api.headers["Atlas-Account"] == "ext_acme"
    for hop in (storage, back):  # once the origin was left, no hop gets them back
        assert "Authorization" not in hop.headers
        assert "Atlas-Account" not in hop.headers


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
