"""The OAuth entry points read their configuration as ``Atlas()`` does: the argument, then the
``ATLAS_*`` environment, then the default.

Each entry point is pointed at a plain-http host that is neither loopback nor ``*.test``: the
client's rule refuses it (ValueError, before any request) unless plain http is opted into, by
argument or by ``ATLAS_ALLOW_INSECURE_HTTP``. A mock transport answers 404 to every request, so
an entry point that went ahead fails with OAuthDiscoveryError and leaves the URL it asked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest

from atlas_async.oauth import (
    MemoryTokenStore,
    OAuthDiscoveryError,
    OAuthTokenProvider,
    OAuthTokens,
    discover,
    login,
    logout,
)

pytestmark = pytest.mark.anyio

PLAIN = "http://atlas.example"
METADATA = "/.well-known/oauth-authorization-server"

EntryPoint = Callable[[httpx.AsyncClient, "bool | None"], Awaitable[object]]


class Server:
    """A mock transport that records the URLs asked and answers 404."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def client(self) -> httpx.AsyncClient:
        def answer(request: httpx.Request) -> httpx.Response:
            self.urls.append(str(request.url))
            return httpx.Response(404)

        return httpx.AsyncClient(transport=httpx.MockTransport(answer))


def _tokens() -> OAuthTokens:
    # Expired, so the provider refreshes at once, discovering its issuer first.
    return OAuthTokens("access", refresh_token="refresh", expires_at=0.0, issuer=PLAIN)


async def _discover(http: httpx.AsyncClient, allow: bool | None) -> object:
    return await discover(http_client=http, allow_insecure_http=allow)


async def _login(http: httpx.AsyncClient, allow: bool | None) -> object:
    return await login(open_browser=False, http_client=http, allow_insecure_http=allow)


async def _logout(http: httpx.AsyncClient, allow: bool | None) -> object:
    store = MemoryTokenStore(_tokens())
    return await logout(store, http_client=http, allow_insecure_http=allow)


async def _provider(http: httpx.AsyncClient, allow: bool | None) -> object:
    provider = OAuthTokenProvider(_tokens(), http_client=http, allow_insecure_http=allow)
    return await provider.token()


ENTRY_POINTS = pytest.mark.parametrize(
    "entry",
    [_discover, _login, _logout, _provider],
    ids=["discover", "login", "logout", "provider"],
)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The base URL comes from the environment in every case below (the token-based entry points
    # use their tokens' issuer, which is the same URL).
    monkeypatch.setenv("ATLAS_BASE_URL", PLAIN)
    monkeypatch.delenv("ATLAS_ALLOW_INSECURE_HTTP", raising=False)


@ENTRY_POINTS
async def test_plain_http_is_refused_before_any_request(entry: EntryPoint) -> None:
    server = Server()
    async with server.client() as http:
        with pytest.raises(ValueError, match="must use HTTPS"):
            await entry(http, None)
    assert server.urls == []


@ENTRY_POINTS
@pytest.mark.parametrize("how", ["argument", "environment"])
async def test_plain_http_opt_in_by_argument_or_environment(
    entry: EntryPoint, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if how == "environment":
        monkeypatch.setenv("ATLAS_ALLOW_INSECURE_HTTP", "1")
    server = Server()
    async with server.client() as http:
        with pytest.raises(OAuthDiscoveryError, match="no OAuth metadata"):
            await entry(http, True if how == "argument" else None)
    assert PLAIN + METADATA in server.urls


async def test_the_argument_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATLAS_ALLOW_INSECURE_HTTP", "1")
    server = Server()
    async with server.client() as http:
        with pytest.raises(ValueError, match="must use HTTPS"):
            await discover(http_client=http, allow_insecure_http=False)
        with pytest.raises(OAuthDiscoveryError):
            await discover("https://other.example/", http_client=http)
    assert "https://other.example" + METADATA in server.urls


async def test_the_default_base_url_when_nothing_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATLAS_BASE_URL")
    server = Server()
    async with server.client() as http:
        with pytest.raises(OAuthDiscoveryError):
            await login(open_browser=False, http_client=http)
    assert "https://atlaswork.ai" + METADATA in server.urls


async def test_a_base_url_that_is_not_a_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="base_url must be a string"):
        await discover(123)  # type: ignore[arg-type]
