"""Idempotency keys: one per logical call and reused by its retries, the caller's never replaced,
unusable ones refused before any request, and ``was_replayed`` true only for work this call did
not do."""

from __future__ import annotations

import pytest

import atlas_async

from .._support.http import httpx
from .._support.mock_api import ENV_ID, Recorder, api_error, envelope_json, make

pytestmark = pytest.mark.anyio


async def test_connection_error_retried_for_keyed_post_with_same_key(sleeps: list[float]) -> None:
    rec = Recorder(
        httpx.ConnectError("refused"),
        httpx.ReadError("reset after commit"),
        httpx.Response(
            200,
            json={"envelope_id": ENV_ID, "status": "pending", "review_url": None},
        ),
    )
    await make(rec).templates.send(
        "tmpl_1", parties=[{"email": "a@x.io", "name": "A", "role": "r"}]
    )
    keys = {r.headers["Idempotency-Key"] for r in rec.requests}
    assert len(rec.requests) == 3
    assert len(keys) == 1  # generated once per logical call, reused by every retry


async def test_callers_idempotency_key_is_never_overwritten(sleeps: list[float]) -> None:
    rec = Recorder(
        httpx.Response(503),
        httpx.Response(200, json={"envelope_id": ENV_ID, "status": "pending"}),
    )
    await make(rec).templates.send(
        "tmpl_1", parties=[{"email": "a@x.io", "name": "A", "role": "r"}], idempotency_key="mine-1"
    )
    assert [r.headers["Idempotency-Key"] for r in rec.requests] == ["mine-1", "mine-1"]


REPLAYED = {"Idempotency-Replayed": "true"}


@pytest.mark.parametrize(
    ("first", "replay"),
    [
        (None, True),  # answered at once from the idempotency store: an earlier call's work
        (httpx.Response(429, headers={"Retry-After": "0"}), True),  # refused before any work
        (api_error(409, "idempotency_key_in_use"), True),  # someone else's request held the key
        (httpx.Response(503), False),  # this call's first attempt may have done it
        (httpx.ReadError("reset after commit"), False),
    ],
)
async def test_replay_header_surfaces_only_for_work_this_call_did_not_do(
    sleeps: list[float], first: httpx.Response | Exception | None, replay: bool
) -> None:
    answer = httpx.Response(200, json=envelope_json(status="pending"), headers=REPLAYED)
    rec = Recorder(*([first] if first is not None else []), answer)
    env = await make(rec).envelopes.send(ENV_ID, fields_version=1)
    assert atlas_async.was_replayed(env) is replay
    fresh = Recorder(httpx.Response(200, json=envelope_json(status="pending")))
    assert not atlas_async.was_replayed(await make(fresh).envelopes.send(ENV_ID, fields_version=1))
    assert not atlas_async.was_replayed(object())


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


SIGNER = [{"email": "a@x.io", "name": "A", "role": "r"}]


@pytest.mark.parametrize(
    "key",
    [
        "commande-n°1042",
        "ключ",
        "line\nbreak",
        "cr\rlf",
        "nul\x00",
        "tab\there",
        " lead",
        "trail ",
        "",
        "k" * 256,
    ],
)
async def test_unusable_idempotency_keys_fail_before_any_request(key: str) -> None:
    rec = Recorder(httpx.Response(500))
    atlas = make(rec)
    calls = [
        lambda: atlas.envelopes.create(PDF_BYTES, idempotency_key=key),
        lambda: atlas.envelopes.send(ENV_ID, fields_version=1, idempotency_key=key),
        lambda: atlas.envelopes.create_and_send(PDF_BYTES, parties=SIGNER, idempotency_key=key),
        lambda: atlas.templates.send("tmpl_1", parties=SIGNER, idempotency_key=key),
        lambda: atlas.platform.connected_accounts.create("acme", name="A", idempotency_key=key),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="printable ASCII"):
            await call()
    assert rec.requests == []


async def test_a_key_with_inner_spaces_and_punctuation_is_sent_as_is() -> None:
    rec = Recorder(httpx.Response(200, json={"envelope_id": ENV_ID, "status": "pending"}))
    key = "order 1042/v2:~!#"
    await make(rec).templates.send("tmpl_1", parties=SIGNER, idempotency_key=key)
    assert rec.requests[0].headers["Idempotency-Key"] == key


def test_a_callers_send_key_stays_within_the_contracts_length() -> None:
    from atlas_async._resources._keys import versioned_key as _versioned_key

    assert _versioned_key("mine", 3) == "mine-v3"
    long = "k" * 255
    derived = _versioned_key(long, 12)
    assert len(derived) <= 255
    assert derived.endswith("-v12")
    assert derived != _versioned_key("k" * 254 + "j", 12)
