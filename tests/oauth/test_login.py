"""Loopback login (RFC 8252): a real 127.0.0.1 listener receives the browser's redirect."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import anyio
import httpx
import pytest

from atlas_async.oauth import (
    AuthorizationDeniedError,
    FileTokenStore,
    OAuthError,
    OAuthTokenProvider,
    StateMismatchError,
    discover,
    login,
    logout,
    register_client,
)
from atlas_async.testing._oauth_server import OAuthServer

from .conftest import ISSUER, ORG, Counter, FakeClock
from .test_flow import whoami

pytestmark = pytest.mark.anyio


class Browser:
    """Follows the authorization URL in process, then the redirect to the real loopback port."""

    def __init__(self, http: httpx.AsyncClient, tamper_state: bool = False) -> None:
        self.http = http
        self.tamper_state = tamper_state
        self.pages: list[tuple[int, str]] = []

    async def __call__(self, url: str) -> None:
        assert url.startswith(f"{ISSUER}/oauth/authorize?")
        response = await self.http.get(url)
        assert response.status_code == 302
        callback = httpx.URL(response.headers["location"])
        assert callback.host == "127.0.0.1"
        if self.tamper_state:
            callback = callback.copy_set_param("state", "forged")
        async with httpx.AsyncClient(trust_env=False) as real:
            # Stray requests first: they must not end or confuse the login.
            missing = await real.get(callback.copy_with(path="/favicon.ico", query=None))
            self.pages.append((missing.status_code, missing.text))
            page = await real.get(callback)
            self.pages.append((page.status_code, page.text))


async def test_login_end_to_end_with_file_store(
    http: httpx.AsyncClient, clock: FakeClock, tmp_path: Path
) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    browser = Browser(http)
    tokens = await login(
        ISSUER,
        scope="envelopes:read envelopes:write",
        store=store,
        open_browser=False,
        on_url=browser,
        http_client=http,
    )
    assert browser.pages[0][0] == 404
    assert browser.pages[1][0] == 200
    assert "Logged in" in browser.pages[1][1]
    assert tokens.scope == "envelopes:read envelopes:write"
    assert await store.load() == tokens
    response = await whoami(http, tokens.access_token)
    assert response.json() == {"org_id": ORG, "scopes": ["envelopes:read", "envelopes:write"]}

    # What a later process does: a provider over the same file.
    provider = OAuthTokenProvider(store=FileTokenStore(store.path), http_client=http)
    assert await provider.token() == tokens.access_token

    assert await logout(store, http_client=http) is True
    assert await store.load() is None
    assert (await whoami(http, tokens.access_token)).status_code == 401
    assert await logout(store, http_client=http) is False


async def test_login_with_forged_state_fails_closed(http: httpx.AsyncClient) -> None:
    browser = Browser(http, tamper_state=True)
    with pytest.raises(StateMismatchError):
        await login(ISSUER, open_browser=False, on_url=browser, http_client=http)
    assert "Login refused" in browser.pages[1][1]


async def test_login_refused_consent(http: httpx.AsyncClient, server: OAuthServer) -> None:
    server.approve = lambda client_id, scopes: None
    browser = Browser(http)
    with pytest.raises(AuthorizationDeniedError) as info:
        await login(ISSUER, open_browser=False, on_url=browser, http_client=http)
    assert info.value.error == "access_denied"
    assert "Login not granted" in browser.pages[1][1]


async def test_login_gives_up_when_no_browser_comes_back(http: httpx.AsyncClient) -> None:
    urls: list[str] = []
    with pytest.raises(OAuthError, match="no authorization response within"):
        await login(
            ISSUER, open_browser=False, on_url=urls.append, wait_seconds=0.05, http_client=http
        )
    assert len(urls) == 1


async def test_login_prints_the_url_when_no_callback_given(
    http: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(OAuthError, match="no authorization response"):
        await login(ISSUER, open_browser=False, wait_seconds=0.01, http_client=http)
    assert f"{ISSUER}/oauth/authorize?" in capsys.readouterr().err


async def test_login_checks_input_before_listening(http: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="unsupported scope"):
        await login(ISSUER, scope="admin", open_browser=False, http_client=http)
    with pytest.raises(ValueError, match="port"):
        await login(ISSUER, port=70000, http_client=http)


async def test_listener_survives_garbage_connections(http: httpx.AsyncClient) -> None:
    async def browser(url: str) -> None:
        response = await http.get(url)
        callback = httpx.URL(response.headers["location"])
        port = callback.port
        assert port is not None
        async with await anyio.connect_tcp("127.0.0.1", port) as raw:
            await raw.send(b"NOT HTTP\r\n\r\n")
            assert b"400 Bad Request" in await raw.receive()
        async with await anyio.connect_tcp("127.0.0.1", port) as raw:
            pass  # connect and leave without a byte
        async with httpx.AsyncClient(trust_env=False) as real:
            assert (await real.get(callback)).status_code == 200

    tokens = await login(ISSUER, open_browser=False, on_url=browser, http_client=http)
    assert (await whoami(http, tokens.access_token)).status_code == 200


async def test_login_with_a_preregistered_client_on_any_loopback_port(
    http: httpx.AsyncClient, app: Counter
) -> None:
    """RFC 8252 section 7.3: a client registered once for http://127.0.0.1/callback may log in
    through whatever ephemeral port the listener gets; no registration per login."""
    metadata = await discover(ISSUER, http_client=http)
    reg = await register_client(
        metadata,
        client_name="installed agent",
        redirect_uris=["http://127.0.0.1/callback"],
        http_client=http,
    )
    registrations = app.count("/oauth/register")
    tokens = await login(
        ISSUER, client_id=reg.client_id, open_browser=False, on_url=Browser(http), http_client=http
    )
    assert tokens.client_id == reg.client_id
    assert app.count("/oauth/register") == registrations
    assert (await whoami(http, tokens.access_token)).status_code == 200


async def test_login_opens_the_discovered_authorize_url_in_the_browser(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``open_browser=True`` (the default): ``webbrowser.open`` is handed the authorization URL,
    once, and a browser that follows it completes the login."""
    opened: list[str] = []
    browser = Browser(http)

    async with anyio.create_task_group() as tg:

        def fake_open(url: str, new: int = 0, autoraise: bool = True) -> bool:
            # login calls webbrowser.open in a worker thread; the "browser" then runs as a task
            # of this test, concurrently with login waiting for the redirect.
            opened.append(url)
            anyio.from_thread.run_sync(tg.start_soon, browser, url)
            return True

        monkeypatch.setattr(webbrowser, "open", fake_open)
        tokens = await login(ISSUER, http_client=http, wait_seconds=30)

    metadata = await discover(ISSUER, http_client=http)
    (url,) = opened
    assert url.startswith(metadata.authorization_endpoint + "?")
    assert url in capsys.readouterr().err  # the same URL the user was shown
    params = httpx.URL(url).params
    assert params["response_type"] == "code"
    assert params["code_challenge_method"] == "S256"
    assert params["client_id"] == tokens.client_id
    assert browser.pages[1][0] == 200
    assert "Logged in" in browser.pages[1][1]
    assert (await whoami(http, tokens.access_token)).status_code == 200
