"""The retry policy as the transport applies it: which answers are retried, the backoff between
attempts, the limit, and ``Retry-After`` (honoured, capped, parsed)."""

from __future__ import annotations

import pytest

from atlas_async import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FieldsVersionConflictError,
    InsufficientCreditsError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from atlas_async._retry import parse_retry_after

from .._support.http import httpx
from .._support.mock_api import ENV_ID, Recorder, api_error, envelope_json, make

pytestmark = pytest.mark.anyio


async def test_get_retries_5xx_then_succeeds(sleeps: list[float]) -> None:
    rec = Recorder(
        httpx.Response(503, text="<html>busy</html>"),
        httpx.Response(502),
        httpx.Response(200, json=envelope_json()),
    )
    env = await make(rec).envelopes.get(ENV_ID)
    assert str(env.envelope_id) == ENV_ID
    assert len(rec.requests) == 3
    assert len(sleeps) == 2
    assert 0.375 <= sleeps[0] <= 0.5  # backoff with jitter
    assert 0.75 <= sleeps[1] <= 1.0


async def test_retries_give_up_after_max_retries(sleeps: list[float]) -> None:
    rec = Recorder(httpx.Response(500, json={"error": {"code": "internal_error", "message": "x"}}))
    with pytest.raises(InternalServerError) as info:
        await make(rec, max_retries=3).envelopes.get(ENV_ID)
    assert len(rec.requests) == 4
    assert info.value.code == "internal_error"


async def test_post_without_idempotency_key_is_never_retried(sleeps: list[float]) -> None:
    rec = Recorder(httpx.Response(503))
    with pytest.raises(InternalServerError):
        await make(rec).envelopes.remind(ENV_ID)
    assert len(rec.requests) == 1
    assert sleeps == []


async def test_retry_after_is_honoured(sleeps: list[float]) -> None:
    rec = Recorder(
        httpx.Response(429, headers={"Retry-After": "3"}, json={"error": {"code": "rate_limited"}}),
        httpx.Response(200, json=envelope_json()),
    )
    await make(rec).envelopes.get(ENV_ID)
    assert sleeps == [3.0]


async def test_retry_after_above_cap_surfaces_the_error(sleeps: list[float]) -> None:
    rec = Recorder(
        httpx.Response(
            429, headers={"Retry-After": "3600"}, json={"error": {"code": "rate_limited"}}
        )
    )
    with pytest.raises(RateLimitError) as info:
        await make(rec).envelopes.get(ENV_ID)
    assert info.value.retry_after == 3600
    assert len(rec.requests) == 1
    assert sleeps == []


def test_retry_after_parsing() -> None:
    parse = parse_retry_after
    assert parse({"retry-after-ms": "1500"}) == 1.5
    assert parse({"Retry-After": "2"}) == 2.0
    assert parse({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # in the past
    assert parse({"Retry-After": "soon"}) is None
    assert parse({}) is None


async def test_idempotency_key_in_use_409_is_retried(sleeps: list[float]) -> None:
    rec = Recorder(
        api_error(409, "idempotency_key_in_use"),
        httpx.Response(200, json={"envelope_id": ENV_ID, "status": "pending"}),
    )
    await make(rec).templates.send(
        "tmpl_1", parties=[{"email": "a@x.io", "name": "A", "role": "r"}]
    )
    assert len(rec.requests) == 2


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (400, "bad_request", BadRequestError),
        (401, "unauthorized", AuthenticationError),
        (402, "insufficient_credits", InsufficientCreditsError),
        (403, "forbidden", PermissionDeniedError),
        (404, "not_found", NotFoundError),
        (409, "fields_version_conflict", FieldsVersionConflictError),
        (409, "invalid_state", ConflictError),
        (422, "idempotency_key_reused", UnprocessableEntityError),
    ],
)
async def test_client_errors_are_never_retried(
    sleeps: list[float], status: int, code: str, error: type[Exception]
) -> None:
    rec = Recorder(api_error(status, code))
    with pytest.raises(error) as info:
        await make(rec).templates.send(
            "tmpl_1", parties=[{"email": "a@x.io", "name": "A", "role": "r"}]
        )
    assert len(rec.requests) == 1
    assert info.value.request_id == "req_e"  # type: ignore[attr-defined]
    assert sleeps == []
