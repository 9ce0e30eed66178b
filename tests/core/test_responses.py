"""Reading a 2xx: request ids on models and pages, an off-contract answer reported with its field,
what the SDK does not need may be missing, unknown enum values parse."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import pytest

import atlas_async

from .._support.http import httpx
from .._support.mock_api import ENV_ID, Recorder, envelope_json, make

pytestmark = pytest.mark.anyio


async def test_request_id_on_models_and_pages() -> None:
    page: dict[str, Any] = {"items": [], "next_cursor": None}
    rec = Recorder(
        httpx.Response(200, json=envelope_json(), headers={"X-Request-Id": "req_1"}),
        httpx.Response(200, json=page, headers={"X-Request-Id": "req_2"}),
    )
    atlas = make(rec)
    env = await atlas.envelopes.get(ENV_ID)
    assert atlas_async.get_request_id(env) == "req_1"
    first = await atlas.envelopes.list()
    assert first.request_id == "req_2"


async def test_success_body_off_contract_is_reported_not_misparsed() -> None:
    # The status call exists to say the status: an answer without it is unusable.
    rec = Recorder(
        httpx.Response(200, json={"signed_count": 1, "total": 2}, headers={"X-Request-Id": "r1"})
    )
    with pytest.raises(atlas_async.APIResponseValidationError, match="lacks") as info:
        await make(rec).envelopes.status(ENV_ID)
    err = info.value
    assert not isinstance(err, atlas_async.APIStatusError)  # a 2xx is not a status error
    assert (err.status_code, err.request_id, err.field) == (200, "r1", "status")
    assert '"signed_count"' in (err.body or "")  # the raw answer, to recover what the server did


async def test_a_value_of_the_wrong_type_is_reported_with_its_field() -> None:
    rec = Recorder(
        httpx.Response(
            200,
            json={"envelope_id": ENV_ID, "status": "draft", "created_at": 1764331200},
            headers={"X-Request-Id": "r2"},
        )
    )
    with pytest.raises(atlas_async.APIResponseValidationError, match="invalid") as info:
        await make(rec).envelopes.get(ENV_ID)
    assert (info.value.field, info.value.request_id) == ("created_at", "r2")


async def test_an_answer_missing_what_the_sdk_does_not_need_parses() -> None:
    rec = Recorder(httpx.Response(200, json={"status": "draft"}))
    env = await make(rec).envelopes.get(ENV_ID)
    # the id comes from the request when the answer lacks it; the rest is None
    assert (env.envelope_id, env.status, env.fields_version, env.parties) == (
        ENV_ID,
        "draft",
        None,
        None,
    )


async def test_unknown_enum_values_parse_as_strings() -> None:
    rec = Recorder(
        httpx.Response(200, json=envelope_json(status="archived", fields_status="reprocessing"))
    )
    env = await make(rec).envelopes.get(ENV_ID)
    assert env.status == "archived"
    assert env.fields_status == "reprocessing"
    assert env.status != atlas_async.EnvelopeStatus.SIGNED


class _Model:
    __slots__ = ("__weakref__",)


def test_response_info_goes_with_its_object_and_costs_little() -> None:
    from atlas_async import _responses

    models = [_Model() for _ in range(2_000)]
    gc.collect()
    before = len(_responses._INFO)
    tracemalloc.start()
    try:
        start, _ = tracemalloc.get_traced_memory()
        for i, model in enumerate(models):
            _responses.attach_response_info(model, f"req_{i}", replayed=i % 2 == 1)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Each kept model (a wait keeps its last poll's for minutes) holds one slotted weak
    # reference and its entry: 165 B measured, 450 B with a closure and a tuple beside it.
    assert (held - start) / len(models) < 250
    assert [atlas_async.get_request_id(m) for m in models[:3]] == ["req_0", "req_1", "req_2"]
    assert [atlas_async.was_replayed(m) for m in models[:2]] == [False, True]
    # Attached again (a template's info copied from its answer): the latest holds.
    _responses.attach_response_info(models[0], "req_again")
    assert atlas_async.get_request_id(models[0]) == "req_again"
    del models, model
    gc.collect()
    assert len(_responses._INFO) == before


def test_a_late_callback_removes_only_its_own_entry() -> None:
    from atlas_async import _responses

    # An object born at a dead one's address gets the dead one's key; the dead one's callback,
    # run late, must not take the newcomer's details with it.
    model = _Model()
    _responses.attach_response_info(model, "req_old")
    old = _responses._INFO[id(model)]
    _responses.attach_response_info(model, "req_new")
    _responses._forget(old)
    assert atlas_async.get_request_id(model) == "req_new"


def test_an_object_without_details_reads_none() -> None:
    from atlas_async import _responses

    first = _Model()
    _responses.attach_response_info(first, "req_first")
    key = id(first)
    del first
    gc.collect()
    assert key not in _responses._INFO
    fresh = _Model()
    assert atlas_async.get_request_id(fresh) is None
    assert not atlas_async.was_replayed(fresh)
    assert atlas_async.get_request_id("a str") is None  # not weak-referenceable: nothing
    _responses.attach_response_info("a str", "req_str")
    assert atlas_async.get_request_id("a str") is None
