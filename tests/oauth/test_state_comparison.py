"""The OAuth ``state`` check is a constant-time comparison, and that comparison decides.

``hmac.compare_digest`` is replaced, through the ``hmac`` name each module calls it by, with a spy
that records its arguments and can force its answer: a plain ``==`` (or a check that skips the
comparison) would leave the spy uncalled and the forced answers without effect.
"""

from __future__ import annotations

import hmac
from types import ModuleType

import httpx
import pytest

from atlas_async.oauth import (
    AuthorizationRequest,
    StateMismatchError,
    _authorize,
    _login,
    login,
    parse_callback,
)

from .conftest import ISSUER

_REAL_COMPARE = hmac.compare_digest
STATE = "s" * 43


class CompareSpy:
    def __init__(self, verdict: bool | None = None) -> None:
        self.verdict = verdict
        self.calls: list[tuple[bytes, bytes]] = []

    def __call__(self, a: bytes, b: bytes) -> bool:
        self.calls.append((a, b))
        return _REAL_COMPARE(a, b) if self.verdict is None else self.verdict


def install(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> CompareSpy:
    spy = CompareSpy()
    monkeypatch.setattr(module.hmac, "compare_digest", spy)
    return spy


def pending() -> AuthorizationRequest:
    return AuthorizationRequest(
        url=f"{ISSUER}/oauth/authorize",
        client_id="aocl_1",
        redirect_uri="http://127.0.0.1:8123/callback",
        scope=None,
        state=STATE,
        code_verifier="v" * 43,
    )


def test_parse_callback_compares_state_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = install(monkeypatch, _authorize)
    assert parse_callback(pending(), {"state": STATE, "code": "c1"}) == "c1"
    assert spy.calls == [(STATE.encode(), STATE.encode())]
    with pytest.raises(StateMismatchError):
        parse_callback(pending(), "http://127.0.0.1:8123/callback?state=forged&code=c1")
    assert spy.calls[-1] == (b"forged", STATE.encode())


def test_parse_callback_state_verdict_is_the_comparisons(monkeypatch: pytest.MonkeyPatch) -> None:
    spy = install(monkeypatch, _authorize)
    spy.verdict = False  # the right state, but the comparison says no
    with pytest.raises(StateMismatchError):
        parse_callback(pending(), {"state": STATE, "code": "c1"})
    spy.verdict = True  # a wrong state, but the comparison says yes
    assert parse_callback(pending(), {"state": "forged", "code": "c1"}) == "c1"
    assert len(spy.calls) == 2


@pytest.mark.anyio
async def test_loopback_listener_state_verdict_is_the_comparisons(
    monkeypatch: pytest.MonkeyPatch, http: httpx.AsyncClient
) -> None:
    """The listener picks its page by the same comparison; forced to "no", the genuine redirect
    is refused (and the exchange refuses it too)."""
    spy = install(monkeypatch, _login)
    spy.verdict = False
    pages: list[str] = []

    async def browser(url: str) -> None:
        callback = (await http.get(url)).headers["location"]
        async with httpx.AsyncClient(trust_env=False) as real:
            pages.append((await real.get(callback)).text)

    with pytest.raises(StateMismatchError):
        await login(ISSUER, open_browser=False, on_url=browser, http_client=http)
    assert "Login refused" in pages[0]
    # Both modules reach the one hmac.compare_digest: the listener's check, then parse_callback's,
    # each with the genuine state on both sides.
    assert len(spy.calls) == 2
    assert all(received == expected for received, expected in spy.calls)
