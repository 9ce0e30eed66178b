"""Property tests: verification only ever fails with WebhookSignatureError, and never wrongly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas_async import WebhookPayloadError, WebhookSignatureError
from atlas_async.testing import sign_webhook
from atlas_async.webhooks import WebhookEvent, event_from_dict, parse_event, verify_signature

secrets = st.one_of(st.text(min_size=1), st.binary(min_size=1))
headers = st.one_of(
    st.none(),
    st.text(),
    st.binary(),
    st.text().map(lambda t: "sha256=" + t),
    st.from_regex(r"\Asha256=[0-9a-fA-F]{60,68}\Z"),
)
# No per-example deadline: a loaded CI box must not turn a slow example into a failure; the
# properties are about outcomes, and the suite's own timeout still bounds the run.
relaxed = settings(deadline=None)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


def _assert_event_or_named_field(body: bytes) -> None:
    """A signed body either parses into an event or fails with a WebhookPayloadError naming a field."""
    outcome: WebhookEvent | WebhookPayloadError
    try:
        outcome = parse_event(body, sign_webhook(body, "k"), "k")
    except WebhookPayloadError as exc:
        outcome = exc
    if isinstance(outcome, WebhookPayloadError):
        assert outcome.field
    else:
        assert isinstance(outcome, WebhookEvent)


@relaxed
@given(body=st.binary(), header=headers, secret=secrets)
def test_arbitrary_input_raises_only_signature_errors(
    body: bytes, header: str | bytes | None, secret: str | bytes
) -> None:
    error: WebhookSignatureError | None = None
    try:
        verify_signature(body, header, secret)
    except WebhookSignatureError as exc:
        error = exc
    assert error is None or error.reason in ("missing", "malformed", "mismatch")


@relaxed
@given(body=st.binary(), secret=secrets, others=st.lists(secrets, max_size=3))
def test_a_correct_signature_over_any_body_verifies(
    body: bytes, secret: str | bytes, others: list[str | bytes]
) -> None:
    verify_signature(body, sign_webhook(body, secret), [*others, secret])


@relaxed
@given(body=st.binary(min_size=1), secret=secrets, flip=st.integers(min_value=0))
def test_any_single_bit_flip_is_rejected(body: bytes, secret: str | bytes, flip: int) -> None:
    header = sign_webhook(body, secret)
    position = flip % (len(body) * 8)
    tampered = bytearray(body)
    tampered[position // 8] ^= 1 << (position % 8)
    with pytest.raises(WebhookSignatureError) as info:
        verify_signature(bytes(tampered), header, secret)
    assert info.value.reason == "mismatch"


@relaxed
@given(body=st.binary())
def test_signed_garbage_is_a_payload_error_not_a_crash(body: bytes) -> None:
    _assert_event_or_named_field(body)


@relaxed
@given(payload=json_values)
def test_any_json_value_parses_or_names_the_failing_field(payload: Any) -> None:
    body = json.dumps(payload).encode()
    _assert_event_or_named_field(body)


@relaxed
@given(
    event_type=st.sampled_from(
        ["envelope.signed", "envelope.sent", "contract.extracted", "envelope.expired"]
    ),
    extra_top=st.dictionaries(st.text().filter(lambda k: k not in _REQUIRED), json_values),
    extra_data=st.dictionaries(
        st.text().filter(lambda k: k not in ("envelope_id", "status", "extract")), json_values
    ),
)
def test_unknown_extra_fields_never_break_a_valid_event(
    event_type: str, extra_top: dict[str, Any], extra_data: dict[str, Any]
) -> None:
    data: dict[str, Any] = {"envelope_id": "e1", "status": "signed", "extract": {}, **extra_data}
    payload = {
        "event_id": "evt_1",
        "type": event_type,
        "created_at": "2026-03-02T15:41:22Z",
        "envelope_id": "e1",
        "data": data,
        **extra_top,
    }
    event = event_from_dict(payload)
    assert event.type == event_type
    assert event.event_id == "evt_1"
    assert event.to_dict() == json.loads(json.dumps(payload))


_REQUIRED = ("event_id", "type", "created_at", "envelope_id", "data")
