"""The error tree: status and code mapping, tolerance of odd bodies, no secrets, pickling."""

from __future__ import annotations

import email.utils
import json
import pickle
import subprocess
import sys
import time

import pytest

import atlas_async
from atlas_async import (
    APIStatusError,
    AtlasError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FieldsPendingError,
    FieldsVersionConflictError,
    IdempotencyKeyInUseError,
    IdempotencyKeyReusedError,
    InsufficientCreditsError,
    InternalServerError,
    InvalidStateError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from atlas_async._error_mapping import error_from_response
from atlas_async._retry import parse_retry_after


def _body(code: str, message: str = "msg", **extra: object) -> bytes:
    return json.dumps(
        {"error": {"code": code, "message": message}, "request_id": "req_1", **extra}
    ).encode()


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "bad_request", BadRequestError),
        (401, "unauthorized", AuthenticationError),
        (402, "insufficient_credits", InsufficientCreditsError),
        (403, "platform_key_required", PermissionDeniedError),
        (404, "not_found", NotFoundError),
        (409, "fields_pending", FieldsPendingError),
        (409, "fields_version_conflict", FieldsVersionConflictError),
        (409, "invalid_state", InvalidStateError),
        (409, "not_signed", InvalidStateError),
        (409, "idempotency_key_in_use", IdempotencyKeyInUseError),
        (409, "something_new", ConflictError),
        (422, "idempotency_key_reused", IdempotencyKeyReusedError),
        (422, "other", UnprocessableEntityError),
        (429, "rate_limited", RateLimitError),
        (500, "internal_error", InternalServerError),
        (503, "unavailable", InternalServerError),
        (520, None, InternalServerError),
        (418, "teapot", APIStatusError),
    ],
)
def test_status_and_code_pick_the_most_specific_class(
    status: int, code: str | None, cls: type
) -> None:
    err = error_from_response(status, {"X-Request-Id": "req_h"}, _body(code) if code else b"")
    assert type(err) is cls
    assert isinstance(err, AtlasError)
    assert err.status_code == status


def test_a_code_from_another_status_family_does_not_promote() -> None:
    # fields_pending only means something on a 409; on a 400 it must stay a BadRequestError.
    err = error_from_response(400, {}, _body("fields_pending"))
    assert type(err) is BadRequestError


def test_documented_body_fields_are_exposed() -> None:
    err = error_from_response(404, {}, _body("not_found", "no such envelope"))
    assert (err.code, err.message, err.request_id) == ("not_found", "no such envelope", "req_1")
    assert str(err) == "404 not_found: no such envelope (request_id=req_1)"


def test_request_id_falls_back_to_the_header() -> None:
    err = error_from_response(
        502, {"x-request-id": "req_hdr"}, b"<html><h1>502 Bad Gateway</h1></html>"
    )
    assert isinstance(err, InternalServerError)
    assert err.request_id == "req_hdr"
    assert err.code is None
    assert "502 Bad Gateway" in err.message
    assert err.body == "<html><h1>502 Bad Gateway</h1></html>"


@pytest.mark.parametrize(
    "content", [b"", b"null", b"[1,2]", b'{"error": "flat"}', b"\xff\xfe", b'{"code": 5}']
)
def test_any_body_shape_is_tolerated(content: bytes) -> None:
    err = error_from_response(500, {}, content)
    assert isinstance(err, InternalServerError)
    assert err.message


def test_a_bare_code_message_body_is_understood() -> None:
    err = error_from_response(
        409, {}, json.dumps({"code": "invalid_state", "message": "terminal"}).encode()
    )
    assert isinstance(err, InvalidStateError)
    assert err.message == "terminal"


def test_credentials_never_reach_the_exception() -> None:
    headers = {"Authorization": "Bearer atlas_live_secret", "Set-Cookie": "s=1", "Retry-After": "3"}
    err = error_from_response(429, headers, _body("rate_limited"))
    assert "atlas_live_secret" not in repr(err.headers)
    assert err.headers["Authorization"] == "[REDACTED]"
    assert isinstance(err, RateLimitError)
    assert err.retry_after == 3.0


def test_retry_after_that_cannot_be_read_is_none() -> None:
    err = error_from_response(429, {"Retry-After": "soon"}, b"")
    assert isinstance(err, RateLimitError)
    assert err.retry_after is None
    bare = error_from_response(429, {}, b"")
    assert isinstance(bare, RateLimitError)
    assert bare.retry_after is None


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "7"},
        {"retry-after-ms": "1500"},
        {"RETRY-AFTER-MS": "1500", "Retry-After": "9"},  # the precise form wins
        {"Retry-After": email.utils.formatdate(time.time() + 30, usegmt=True)},
        {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"},  # in the past: no wait
    ],
)
def test_retry_after_reads_every_form_the_transport_honours(headers: dict[str, str]) -> None:
    err = error_from_response(429, headers, b'{"error": {"code": "rate_limited"}}')
    assert isinstance(err, RateLimitError)
    expected = parse_retry_after(headers)
    assert expected is not None
    assert err.retry_after == pytest.approx(expected, abs=1.0)


def test_errors_import_without_httpx() -> None:
    code = (
        "import sys, atlas_async._error_mapping as e; "
        "e.error_from_response(429, {'Retry-After': '2'}, b'').retry_after; "
        "assert 'httpx' not in sys.modules, 'httpx loaded'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_current_fields_version_is_read_from_the_body() -> None:
    err = error_from_response(409, {}, _body("fields_version_conflict", current_fields_version=4))
    assert isinstance(err, FieldsVersionConflictError)
    assert err.current_fields_version == 4
    nested = json.dumps(
        {"error": {"code": "fields_version_conflict", "message": "m", "current_fields_version": 7}}
    )
    err2 = error_from_response(409, {}, nested.encode())
    assert isinstance(err2, FieldsVersionConflictError)
    assert err2.current_fields_version == 7


def test_status_errors_pickle_round_trip() -> None:
    err = error_from_response(409, {"X-Request-Id": "r"}, _body("fields_pending"))
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is FieldsPendingError
    assert (back.status_code, back.code, back.request_id, str(back)) == (
        409,
        "fields_pending",
        "req_1",
        str(err),
    )


def test_every_exported_error_is_an_atlas_error() -> None:
    names = [n for n in atlas_async.__all__ if n.endswith("Error")]
    assert len(names) >= 25
    for name in names:
        assert issubclass(getattr(atlas_async, name), AtlasError), name


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        atlas_async.Nope  # noqa: B018
