"""The signed-PDF redirect: which hops are followed, which are refused, and where credentials go."""

from __future__ import annotations

import pytest

from atlas_async import Atlas, RedirectError

from .._support.http import NAME, httpx

pytestmark = pytest.mark.anyio

KEY = "atlas_live_redirect_tests"
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
