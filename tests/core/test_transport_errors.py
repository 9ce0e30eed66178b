"""Failures become the SDK's typed errors (a non-IANA 520 with an HTML body, a lost connection, a
timeout, a body cut mid-read), and neither errors nor logs carry the key. A connection error says
why in words read from its causes (refused, the name lookup, TLS: see ``test_tls.py``)."""

from __future__ import annotations

import errno
import json
import logging
import socket
import ssl

import pytest

import atlas_async
import atlas_async._error_mapping
from atlas_async import APIConnectionError, InternalServerError, NotFoundError
from atlas_async._errors import connection_failure

from .._support.http import httpx
from .._support.mock_api import BODY_CUTS, ENV_ID, KEY, Recorder, api_error, broken_answer, make

pytestmark = pytest.mark.anyio


async def test_non_iana_520_with_html_body_raises_typed_error(sleeps: list[float]) -> None:
    page = "<html><body>Cloudflare: web server returned an unknown error</body></html>"
    rec = Recorder(httpx.Response(520, text=page, headers={"X-Request-Id": "req_cf"}))
    with pytest.raises(InternalServerError) as info:
        await make(rec, max_retries=0).envelopes.get(ENV_ID)
    assert info.value.status_code == 520
    assert info.value.request_id == "req_cf"
    assert "unknown error" in info.value.message
    assert info.value.code is None


async def test_connection_error_surfaces_as_api_connection_error(sleeps: list[float]) -> None:
    rec = Recorder(httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError) as info:
        await make(rec, max_retries=1).envelopes.get(ENV_ID)
    assert len(rec.requests) == 2
    assert KEY not in str(info.value)


async def test_timeout_surfaces_as_api_timeout_error(sleeps: list[float]) -> None:
    rec = Recorder(httpx.ReadTimeout("slow"))
    with pytest.raises(atlas_async.APITimeoutError):
        await make(rec, max_retries=0).envelopes.get(ENV_ID)


@pytest.mark.parametrize(("error", "expected"), BODY_CUTS)
async def test_body_read_failures_map_to_our_errors_after_retries(
    sleeps: list[float], error: Exception, expected: type[Exception]
) -> None:
    rec = Recorder(broken_answer(error))
    with pytest.raises(expected) as info:
        await make(rec, max_retries=2).envelopes.status(ENV_ID)
    assert type(info.value) is expected
    assert isinstance(info.value.__cause__, type(error))
    assert len(rec.requests) == 3  # a GET is safe to repeat


async def test_errors_and_logs_never_carry_the_key(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="atlas_async")
    rec = Recorder(api_error(404, "not_found"))
    with pytest.raises(NotFoundError) as info:
        await make(rec).envelopes.get(ENV_ID)
    err = info.value
    assert err.headers.get("Authorization") in (None, "[REDACTED]")
    assert KEY not in repr(err.__dict__)
    assert KEY not in caplog.text
    assert ENV_ID in caplog.text  # logs name the envelope
    assert "req_e" in caplog.text  # and the request id


def test_status_error_bodies_round_trip_through_json() -> None:
    err = atlas_async._error_mapping.error_from_response(
        409, {"X-Request-Id": "r"}, json.dumps({"error": {"code": "fields_pending"}}).encode()
    )
    assert isinstance(err, atlas_async.FieldsPendingError)


def _closed_port() -> int:
    with socket.socket() as probe:  # bound, never listening, then closed: connecting is refused
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_a_refused_connection_says_so() -> None:
    base = f"http://127.0.0.1:{_closed_port()}"
    async with atlas_async.Atlas(KEY, base_url=base, max_retries=0) as atlas:
        with pytest.raises(APIConnectionError) as info:
            await atlas.envelopes.get(ENV_ID)
    assert info.value.message.endswith(": ConnectError (Connection refused)")


def _raised(error: BaseException, *causes: BaseException) -> BaseException:
    """``error`` raised from the chain ``causes`` (the library's error first, the OS's last)."""
    for outer, inner in zip((error, *causes), causes, strict=False):
        outer.__cause__ = inner
    return error


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (
            _raised(httpx.ConnectError(""), socket.gaierror(-2, "Name or service not known")),
            "name lookup failed: Name or service not known",
        ),
        (  # trio's connect: every address tried, in a group
            _raised(
                httpx.ConnectError("all attempts failed"),
                OSError("all attempts failed"),
                ExceptionGroup("tried", [ConnectionResetError(errno.ECONNRESET, "reset")]),
            ),
            "Connection reset by peer",
        ),
        (_raised(httpx.ConnectError("x"), ssl.SSLError(1, "boom")), "TLS error"),  # no reason
        (_raised(httpx.ConnectError("x"), ssl.SSLZeroReturnError(6, "x")), "TLS error"),
        (httpx.ConnectError("[Errno 111] Connection refused"), ""),  # only the library's words
    ],
)
def test_a_connection_failure_is_told_from_its_causes(error: BaseException, words: str) -> None:
    assert connection_failure(error) == words
