"""Secrets a server echoes back never reach an error, a log record or the command line.

The SDK knows its secrets (the API key, each bearer token, OAuth tokens, webhook secrets) and
recognises credential shapes (``Bearer x``, ``refresh_token=``, a presigned URL's signature); a
server or a proxy that echoes any of them, in any status and any body, gets them scrubbed.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from click.testing import CliRunner

from atlas_async import APIResponseValidationError, APIStatusError, Atlas, AtlasError
from atlas_async._secrets import REDACTED, register, scrub
from atlas_async.cli._app import cli
from atlas_async.oauth import OAuthError

from .._support.http import NAME, httpx
from .._support.raw_server import Request, response, serve

pytestmark = pytest.mark.anyio

KEY = "atlas_live_s3cr3t_k3y_4_echo_tests"
TOKEN = "opaque-oauth-access-token-0123456789"
STATUSES = [400, 401, 402, 403, 404, 409, 413, 418, 422, 429, 451, 500, 502, 503, 504, 520]


def echo(status: int, html: bool) -> httpx.MockTransport:
    """A server that puts the caller's Authorization header (and a query echo) in its error."""

    def answer(request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("Authorization", "")
        text = f"denied for {auth} (key {auth.removeprefix('Bearer ')}) at {request.url}?sig=abc"
        if html:
            return httpx.Response(status, text=f"<html><body>{text}</body></html>")
        body = {"error": {"code": "echo", "message": text}, "request_id": "r", "auth": auth}
        return httpx.Response(status, json=body, headers={"X-Echo": auth})

    return httpx.MockTransport(answer)


def everything(exc: BaseException) -> str:
    fields = {k: v for k, v in vars(exc).items()}
    return f"{exc!s} {exc!r} {json.dumps(fields, default=str)}"


@pytest.mark.parametrize("html", [False, True])
@pytest.mark.parametrize("status", STATUSES)
async def test_an_echoed_key_is_scrubbed_from_every_status_error(status: int, html: bool) -> None:
    http = httpx.AsyncClient(transport=echo(status, html))
    async with Atlas(KEY, base_url="https://api.atlas.test", http_client=http, max_retries=0) as a:
        with pytest.raises(APIStatusError) as info:
            await a.envelopes.get("e1")
    text = everything(info.value)
    assert KEY not in text
    assert REDACTED in text
    await http.aclose()


async def test_a_provider_token_is_scrubbed_too() -> None:
    class Provider:
        async def token(self) -> str:
            return TOKEN

        async def refresh(self, rejected: str) -> str | None:
            return None

    http = httpx.AsyncClient(transport=echo(403, html=False))
    async with Atlas(auth=Provider(), base_url="https://api.atlas.test", http_client=http) as a:
        with pytest.raises(APIStatusError) as info:
            await a.envelopes.get("e1")
    assert TOKEN not in everything(info.value)
    await http.aclose()


async def test_an_unusable_2xx_does_not_quote_the_value_or_a_secret() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"token": KEY, "signed_count": "12 of " + KEY})

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with Atlas(KEY, base_url="https://api.atlas.test", http_client=http) as a:
        with pytest.raises(APIResponseValidationError) as info:
            await a.envelopes.status("e1")  # no status: the one field a wait cannot do without
    assert KEY not in everything(info.value)
    await http.aclose()


def test_an_oauth_endpoint_echoing_its_form_is_scrubbed() -> None:
    form = "grant_type=refresh_token&refresh_token=rt-0123456789abcdef&client_id=c1"
    err = OAuthError("refresh refused", error="invalid_request", description=f"bad form: {form}")
    assert "rt-0123456789abcdef" not in everything(err)
    assert "refresh_token=[REDACTED]" in str(err)


def test_the_scrubber_knows_the_shapes() -> None:
    register("a-registered-secret-value")
    text = scrub(
        "Bearer abc.def and a-registered-secret-value, "
        "https://s3.example/x?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA/x, "
        "https://atlaswork.ai/sign/e?t=SIGNTOKEN1 https://atlaswork.ai/review/e?rt=REVIEWTOKEN2, "
        '{"access_token": "at", "refresh_token": "rt", "code": "not_found"}, atlas_test_abcdef123'
    )
    for secret in (
        "abc.def",
        "a-registered-secret-value",
        "deadbeef",
        "AKIA",
        "SIGNTOKEN1",
        "REVIEWTOKEN2",
        '"at"',
        '"rt"',
        "atlas_test_abcdef123",
    ):
        assert secret not in text, secret
    assert '"code": "not_found"' in text  # Atlas's error code stays readable


async def test_no_log_record_carries_a_secret(caplog: pytest.LogCaptureFixture) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/pdf"):
            return httpx.Response(302, headers={"Location": f"https://storage.test/f?sig={KEY}"})
        if request.url.host == "storage.test":
            return httpx.Response(200, content=b"%PDF-1.4")
        return httpx.Response(503, text=f"upstream says {request.headers['Authorization']}")

    caplog.set_level(logging.DEBUG)
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    async with Atlas(KEY, base_url="https://api.atlas.test", http_client=http, max_retries=1) as a:
        with pytest.raises(AtlasError):
            await a.envelopes.get("e1")
        await a.envelopes.download_signed_pdf("e1")
    await http.aclose()
    messages = [r.getMessage() for r in caplog.records]
    assert any(r.name == NAME for r in caplog.records)  # the library's own lines were seen
    assert messages
    for message in messages:
        assert KEY not in message
        assert "sig=" not in message or f"sig={REDACTED}" in message


def test_cli_stderr_and_json_never_show_an_echoed_key() -> None:
    def answer(request: Request) -> bytes:
        auth = request.headers.get("authorization", "")
        body = json.dumps({"error": {"code": "forbidden", "message": f"bad {auth}"}})
        return response(403, body.encode(), {"Content-Type": "application/json"})

    runner = CliRunner()
    with serve(answer) as server:
        env: dict[str, Any] = {"ATLAS_API_KEY": KEY, "ATLAS_BASE_URL": server.url}
        plain = runner.invoke(cli, ["status", "e1"], env=env)
        as_json = runner.invoke(cli, ["status", "e1", "--json"], env=env)
    assert plain.exit_code != 0
    assert as_json.exit_code != 0
    for result in (plain, as_json):
        assert KEY not in result.output
        assert KEY not in (result.stderr if result.stderr_bytes is not None else "")
    assert len(server.requests) == 2
