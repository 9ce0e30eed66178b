"""``login``/``logout`` and the stored-login path: commands without an API key use the tokens.

The plain-http rule is the client's (``Atlas(base_url=...)``), for the stored-login path and for
login itself: a URL the client accepts is never refused by the token refresh that goes with it.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
import time
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from atlas_async import Atlas
from atlas_async.oauth import FileTokenStore, OAuthTokens
from atlas_async.testing import FakeAtlas

from .conftest import CLI


def browser_that_consents(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Stands in for the user's browser: follows the authorization URL (the emulator consents
    without asking), which lands on the CLI's loopback listener with the code."""
    opened: list[str] = []

    def open_url(url: str, *args: Any, **kwargs: Any) -> bool:
        opened.append(url)
        with httpx.Client(follow_redirects=True, timeout=30, trust_env=False) as browser:
            assert browser.get(url).status_code == 200
        return True

    monkeypatch.setattr(webbrowser, "open", open_url)
    return opened


def test_login_then_commands_use_the_stored_tokens(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = browser_that_consents(monkeypatch)
    tokens = tmp_path / "tokens.json"
    env: dict[str, str | None] = {"ATLAS_API_KEY": None, "ATLAS_TOKEN_FILE": str(tokens)}
    logged_in = cli("login", "--json", env=env)
    assert logged_in.code == 0, logged_in.err
    assert json.loads(logged_in.out)["logged_in"] is True
    assert len(opened) == 1
    assert tokens.exists()
    assert "aoat_" not in logged_in.out + logged_in.err  # a token is never printed

    sent = cli("send", "contract.pdf", "--signer", "a@example.com", "--json", env=env)
    assert sent.code == 0, sent.err
    assert cli("list", "--json", env=env).code == 0

    out = cli("logout", "--json", env=env)
    assert out.code == 0
    assert json.loads(out.out)["logged_out"] is True
    assert not tokens.exists()
    logged_out = cli("list", env=env)
    assert logged_out.code == 3
    # The shell's ways in, not the library's (Atlas(api_key=...) means nothing at a prompt).
    assert logged_out.err.strip() == (
        "atlas-async: error: no Atlas API key: set the ATLAS_API_KEY environment variable "
        "(or pass --api-key), or run `atlas-async login`"
    )


# ---- one plain-http rule ----------------------------------------------------------------------

_NAMES = ("x.test", "emulator")  # resolved to 127.0.0.1 by the test's own name lookup


@dataclasses.dataclass
class DualStack:
    fake: FakeAtlas
    port: int


def _sockets() -> tuple[socket.socket, socket.socket]:
    """127.0.0.1:P and [::1]:P, the same P (a few tries: the v6 port may be taken)."""
    for _ in range(20):
        v4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        v4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        v4.bind(("127.0.0.1", 0))
        v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        v6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            v6.bind(("::1", v4.getsockname()[1]))
        except OSError:
            v4.close()
            v6.close()
            continue
        return v4, v6
    pytest.fail("no port free on both 127.0.0.1 and ::1")


@pytest.fixture
def dual_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[DualStack]:
    """The emulator on 127.0.0.1 and ::1, and the names x.test and emulator resolving to it."""
    import uvicorn

    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    fake = FakeAtlas(detection_delay=0)
    v4, v6 = _sockets()
    port = v4.getsockname()[1]
    real = socket.getaddrinfo

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host  # anyio passes IDNA bytes
        return real("127.0.0.1" if name in _NAMES else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    config = uvicorn.Config(fake.app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [v4, v6]}, name="dual-stack-emulator", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:  # a start-up condition with a deadline, not a fixed sleep
        assert thread.is_alive(), "emulator did not start"
        assert time.monotonic() < deadline, "emulator did not start in time"
        time.sleep(0.01)
    try:
        yield DualStack(fake, port)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        v4.close()
        v6.close()


def client_refusal(url: str) -> str | None:
    """Why ``Atlas(base_url=url)`` refuses the URL (before any request), or None if it takes it."""

    async def build() -> None:
        async with Atlas(api_key="atlas_live_example", base_url=url):
            pass

    try:
        anyio.run(build)
    except ValueError as exc:
        return str(exc)
    return None


def _expire(path: Path, issuer: str) -> OAuthTokens:
    """Make the stored tokens stale and issued by ``issuer``: the next command must refresh
    them there (discovery, then the token endpoint), under the plain-http rule."""
    store = FileTokenStore(path)

    async def rewrite() -> OAuthTokens:
        tokens = await store.load()
        assert tokens is not None
        stale = dataclasses.replace(tokens, issuer=issuer, expires_at=time.time() - 60)
        await store.save(stale)
        return stale

    return anyio.run(rewrite)


@pytest.mark.parametrize("insecure", [None, "1"])
def test_stored_login_follows_the_clients_plain_http_rule(
    cli: CLI,
    dual_stack: DualStack,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    insecure: str | None,
) -> None:
    port = dual_stack.port
    tokens = tmp_path / "tokens.json"
    env: dict[str, str | None] = {
        "ATLAS_API_KEY": None,
        "ATLAS_BASE_URL": None,
        "ATLAS_TOKEN_FILE": str(tokens),
        "ATLAS_ALLOW_INSECURE_HTTP": insecure,
        "NO_PROXY": "*",
    }
    if insecure is None:
        monkeypatch.delenv("ATLAS_ALLOW_INSECURE_HTTP", raising=False)
    else:
        monkeypatch.setenv("ATLAS_ALLOW_INSECURE_HTTP", insecure)
    browser_that_consents(monkeypatch)
    # login follows the same rule: a *.test host needs no opt-in.
    login = cli("login", "--base-url", f"http://x.test:{port}", "--json", env=env)
    assert login.code == 0, login.err

    expected = {
        f"http://x.test:{port}": True,
        f"http://localhost:{port}": True,
        f"http://127.0.0.1:{port}": True,
        f"http://[::1]:{port}": True,
        f"http://emulator:{port}": insecure == "1",
    }
    for url, accepted in expected.items():
        refusal = client_refusal(url)
        assert (refusal is None) is accepted, (url, refusal)
        stale = _expire(tokens, url)
        result = cli("list", "--base-url", url, "--json", env=env)
        stored = anyio.run(FileTokenStore(tokens).load)
        assert stored is not None
        if accepted:
            assert result.code == 0, (url, result.err)
            assert stored.access_token != stale.access_token  # refreshed at the URL's server
        else:
            assert result.code == 2, (url, result.err)
            assert json.loads(result.err)["error"]["message"] == refusal  # the client's words
            assert stored.access_token == stale.access_token  # nothing was sent anywhere
