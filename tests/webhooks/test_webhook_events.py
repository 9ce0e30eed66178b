"""parse_event / event_from_dict: typed variants, unknown types, named failing fields, immutability."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from atlas_async import WebhookPayloadError, WebhookSignatureError
from atlas_async.webhooks import (
    EVENT_TYPES,
    ContractExtractedEvent,
    EnvelopeCreatedEvent,
    EnvelopeDeclinedEvent,
    EnvelopeEvent,
    EnvelopeSentEvent,
    EnvelopeSignedEvent,
    EnvelopeViewedEvent,
    EnvelopeVoidedEvent,
    UnknownEvent,
    event_from_dict,
    parse_event,
)

from .atlas_webhook_samples import SECRET, envelope_data, event_payload, signed

CLASSES = {
    "envelope.created": EnvelopeCreatedEvent,
    "envelope.sent": EnvelopeSentEvent,
    "envelope.viewed": EnvelopeViewedEvent,
    "envelope.signed": EnvelopeSignedEvent,
    "envelope.declined": EnvelopeDeclinedEvent,
    "envelope.voided": EnvelopeVoidedEvent,
    "contract.extracted": ContractExtractedEvent,
}


def test_event_types_cover_the_documented_list() -> None:
    assert set(EVENT_TYPES) == set(CLASSES)


@pytest.mark.parametrize("event_type", sorted(CLASSES))
def test_each_type_parses_into_its_class(event_type: str) -> None:
    payload = event_payload(event_type, envelope_id="env-1", event_id="evt_abc")
    event = parse_event(*signed(payload), SECRET)
    assert type(event) is CLASSES[event_type]
    assert event.type == event_type == type(event).event_type
    assert event.event_id == "evt_abc"
    assert event.envelope_id == "env-1"
    assert event.created_at == datetime(2026, 3, 2, 15, 41, 22, tzinfo=UTC)
    assert event.to_dict() == payload


def test_envelope_event_fields() -> None:
    payload = event_payload("envelope.declined", envelope_id="env-2")
    event = parse_event(*signed(payload), SECRET)
    assert isinstance(event, EnvelopeDeclinedEvent)
    assert event.status == "declined"
    assert event.implied_status == "declined"
    assert event.external_id == "crm-42"
    assert event.data["parties"][0]["email"] == "jane@example.com"


def test_contract_extracted_fields() -> None:
    event = parse_event(*signed(event_payload("contract.extracted")), SECRET)
    assert isinstance(event, ContractExtractedEvent)
    assert event.extract == {"term_months": 12}


def test_envelope_property_is_the_generated_model() -> None:
    from atlas_async._generated.models.envelope import Envelope

    envelope_id = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
    event = event_from_dict(event_payload("envelope.signed", envelope_id=envelope_id))
    assert isinstance(event, EnvelopeSignedEvent)
    model = event.envelope
    assert isinstance(model, Envelope)
    assert str(model.envelope_id) == envelope_id
    assert model.status == "signed"
    assert model.parties[0].email == "jane@example.com"
    assert event.envelope is model  # built once


def test_envelope_property_reports_a_snapshot_that_does_not_fit() -> None:
    payload = event_payload("envelope.signed")
    del payload["data"]["parties"]
    envelope = event_from_dict(payload).envelope  # type: ignore[attr-defined]
    assert envelope.parties is None  # a snapshot lacking what the SDK does not need still reads
    bad_date = event_payload("envelope.signed")
    bad_date["data"]["created_at"] = "last tuesday"
    with pytest.raises(WebhookPayloadError, match="ValueError") as info:
        _ = event_from_dict(bad_date).envelope  # type: ignore[attr-defined]
    assert info.value.field == "data.created_at"


def test_unknown_type_is_kept_not_rejected() -> None:
    payload = {
        "event_id": "evt_new",
        "type": "envelope.expired",
        "created_at": "2027-01-01T00:00:00+02:00",
        "envelope_id": "env-9",
        "data": {"status": "expired", "something_new": [1, 2]},
        "api_version": 2,
    }
    event = parse_event(*signed(payload), SECRET)
    assert type(event) is UnknownEvent
    assert event.type == "envelope.expired"
    assert event.envelope_id == "env-9"
    assert event.created_at is not None
    assert event.created_at.utcoffset() is not None
    assert event.raw["api_version"] == 2
    assert event.data["something_new"] == (1, 2)


def test_unknown_type_needs_only_an_id_and_a_type() -> None:
    event = event_from_dict({"event_id": "evt_x", "type": "account.updated", "created_at": "soon"})
    assert isinstance(event, UnknownEvent)
    assert event.created_at is None
    assert event.envelope_id is None
    assert event.data == {}


def test_extra_fields_are_kept() -> None:
    payload = event_payload("envelope.signed", region="eu")
    payload["data"]["brand_new_property"] = {"nested": True}
    event = event_from_dict(payload)
    assert event.raw["region"] == "eu"
    assert event.data["brand_new_property"]["nested"] is True


def test_unknown_status_value_is_kept_as_a_string() -> None:
    payload = event_payload("envelope.viewed")
    payload["data"]["status"] = "awaiting_witness"
    event = event_from_dict(payload)
    assert isinstance(event, EnvelopeViewedEvent)
    assert event.status == "awaiting_witness"


def test_naive_timestamp_is_read_as_utc() -> None:
    event = event_from_dict(event_payload("envelope.sent", created_at="2026-03-02T15:41:22"))
    assert event.created_at == datetime(2026, 3, 2, 15, 41, 22, tzinfo=UTC)


def _without(payload: dict[str, Any], path: str) -> dict[str, Any]:
    *parents, last = path.split(".")
    target = payload
    for key in parents:
        target = target[key]
    del target[last]
    return payload


def _with(payload: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    *parents, last = path.split(".")
    target = payload
    for key in parents:
        target = target[key]
    target[last] = value
    return payload


@pytest.mark.parametrize(
    ("event_type", "path"),
    [
        ("envelope.signed", "event_id"),
        ("envelope.signed", "type"),
        ("envelope.signed", "created_at"),
        ("envelope.signed", "envelope_id"),
        ("envelope.signed", "data"),
        ("envelope.signed", "data.status"),
        ("envelope.signed", "data.envelope_id"),
        ("contract.extracted", "data.extract"),
        ("contract.extracted", "data.envelope_id"),
    ],
)
def test_missing_field_is_named(event_type: str, path: str) -> None:
    body, header = signed(_without(event_payload(event_type), path))
    with pytest.raises(WebhookPayloadError, match="is missing") as info:
        parse_event(body, header, SECRET)
    assert info.value.field == path
    assert path in str(info.value)


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("event_id", 17, "non-empty string, got int"),
        ("event_id", "", "non-empty string, got str"),
        ("type", None, "non-empty string, got null"),
        ("created_at", "yesterday", "RFC 3339"),
        ("envelope_id", ["x"], "non-empty string, got list"),
        ("data", "envelope", "must be an object, got str"),
        ("data.status", 3, "non-empty string, got int"),
        ("data.envelope_id", "another-envelope", "differs from the top-level"),
    ],
)
def test_wrong_field_is_named(path: str, value: Any, problem: str) -> None:
    body, header = signed(_with(event_payload("envelope.voided"), path, value))
    with pytest.raises(WebhookPayloadError, match=problem) as info:
        parse_event(body, header, SECRET)
    assert info.value.field == path


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"", "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\xfa", "not UTF-8 JSON"),
        (b"[1, 2]", "must be a JSON object, got list"),
        (b'"text"', "must be a JSON object, got str"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON"),
    ],
)
def test_body_that_is_not_an_event(body: bytes, problem: str) -> None:
    with pytest.raises(WebhookPayloadError, match=problem) as info:
        parse_event(body, signed_header(body), SECRET)
    assert info.value.field == "<body>"


def signed_header(body: bytes) -> str:
    from atlas_async.testing import sign_webhook

    return sign_webhook(body, SECRET)


def test_signature_is_checked_before_the_body_is_parsed() -> None:
    # Not even "invalid JSON" leaks out for an unsigned body.
    with pytest.raises(WebhookSignatureError):
        parse_event(b"{not json", "sha256=" + "0" * 64, SECRET)


def test_events_are_immutable() -> None:
    event = event_from_dict(event_payload("envelope.signed"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.status = "voided"  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.data["status"] = "voided"  # type: ignore[index]
    with pytest.raises(TypeError):
        event.data["parties"][0]["email"] = "x"  # type: ignore[index]
    with pytest.raises(AttributeError):
        event.data["parties"].append({})  # type: ignore[attr-defined]
    # to_dict() is a mutable copy that leaves the event alone.
    copy = event.to_dict()
    copy["data"]["status"] = "voided"
    assert event.data["status"] == "signed"


def test_input_dict_is_not_aliased() -> None:
    payload = event_payload("envelope.signed")
    event = event_from_dict(payload)
    payload["data"]["status"] = "voided"
    assert event.data["status"] == "signed"


def test_events_are_hashable_and_compare_by_value() -> None:
    payload = event_payload("envelope.signed")
    first, second = event_from_dict(payload), event_from_dict(json.loads(json.dumps(payload)))
    assert first == second
    assert len({first, second}) == 1
    assert first != event_from_dict(event_payload("envelope.signed"))


def test_repr_leaves_out_personal_data() -> None:
    event = event_from_dict(event_payload("envelope.signed"))
    text = repr(event)
    assert "jane@example.com" not in text
    assert "Jane Doe" not in text
    assert event.event_id in text


def test_match_statement_ergonomics() -> None:
    event = event_from_dict(event_payload("envelope.signed", envelope_id="env-7"))
    match event:
        case EnvelopeSignedEvent(envelope_id=envelope_id):
            assert envelope_id == "env-7"
        case _:
            raise AssertionError("EnvelopeSignedEvent did not match")
    assert isinstance(event, EnvelopeEvent)


def test_every_example_in_the_contract_parses_into_its_class() -> None:
    spec = json.loads((Path(__file__).parents[2] / "openapi.json").read_text())
    schemas = spec["components"]["schemas"]
    seen = set()
    for event_type, item in spec["webhooks"].items():
        ref = item["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        for example in schemas[ref.rsplit("/", 1)[1]].get("examples", []):
            event = event_from_dict(example)
            assert type(event) is CLASSES[event_type]
            if isinstance(event, EnvelopeEvent):
                assert event.envelope.status == event.status
            seen.add(event_type)
    assert seen == set(CLASSES)


def test_envelope_data_helper_matches_the_envelope_model() -> None:
    # Guards the samples used across these tests against drifting from the contract.
    from atlas_async._generated.models.envelope import Envelope

    Envelope.from_dict(envelope_data("7c9e6679-7425-40de-944b-e07fc1f90ae7"))
