"""verify_signature and sign_webhook: the HMAC contract, error reasons, secrets never echoed."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from atlas_async import WebhookSignatureError
from atlas_async.testing import sign_webhook
from atlas_async.webhooks import verify_signature

BODY = b'{"event_id":"evt_1","type":"envelope.signed"}'
SECRET = "atlas_live_s3cr3t"


def test_rfc4231_vector() -> None:
    # RFC 4231 test case 2 (key "Jefe"): an external vector, so the signer is not checked against
    # itself.
    assert sign_webhook(b"what do ya want for nothing?", b"Jefe") == (
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_sign_then_verify_round_trip() -> None:
    verify_signature(BODY, sign_webhook(BODY, SECRET), SECRET)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(lambda s: s.upper().replace("SHA256=", "sha256="), id="uppercase-hex"),
        pytest.param(lambda s: "  " + s + "\t", id="surrounding-whitespace"),
        pytest.param(lambda s: s.encode("ascii"), id="bytes-header"),
        pytest.param(lambda s: "SHA256=" + s.removeprefix("sha256="), id="scheme-case"),
        pytest.param(lambda s: "sha512=abcd, " + s, id="other-scheme-skipped"),
        pytest.param(lambda s: "sha256=" + "0" * 64 + ", " + s, id="second-of-two"),
    ],
)
def test_accepted_header_spellings(header: object) -> None:
    value = header(sign_webhook(BODY, SECRET))  # type: ignore[operator]
    verify_signature(BODY, value, SECRET)


def test_key_rotation_any_secret_matches() -> None:
    header = sign_webhook(BODY, "new_key")
    verify_signature(BODY, header, ["old_key", "new_key"])
    verify_signature(BODY, header, (b"new_key",))
    with pytest.raises(WebhookSignatureError) as info:
        verify_signature(BODY, header, ["old_key", "older_key"])
    assert info.value.reason == "mismatch"
    assert "2 tried" in str(info.value)


def test_body_types() -> None:
    header = sign_webhook(BODY, SECRET)
    verify_signature(bytearray(BODY), header, SECRET)
    verify_signature(memoryview(BODY), header, SECRET)
    verify_signature(BODY.decode(), header, SECRET)  # type: ignore[arg-type]


def test_parsed_body_is_a_type_error_pointing_at_the_raw_body_pitfall() -> None:
    with pytest.raises(TypeError, match="raw request body"):
        verify_signature(json.loads(BODY), sign_webhook(BODY, SECRET), SECRET)  # type: ignore[arg-type]


def test_reserialised_json_does_not_verify() -> None:
    # The pitfall itself: same JSON value, different bytes.
    reserialised = json.dumps(json.loads(BODY)).encode()
    assert reserialised != BODY
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_signature(reserialised, sign_webhook(BODY, SECRET), SECRET)


@pytest.mark.parametrize("header", [None, "", "   ", b"", ",", " , "])
def test_missing(header: str | bytes | None) -> None:
    with pytest.raises(WebhookSignatureError, match="missing") as info:
        verify_signature(BODY, header, SECRET)
    assert info.value.reason == "missing"


@pytest.mark.parametrize(
    "header",
    [
        "abcdef",  # no scheme
        "sha256=",  # empty digest
        "sha256=" + "a" * 63,  # short
        "sha256=" + "a" * 65,  # long
        "sha256=" + "g" * 64,  # not hex
        "sha256=" + "\u0660" * 64,  # unicode digits are not hex
        "md5=" + "a" * 32,  # only other schemes
        "t=1700000000,v1=" + "a" * 64,  # another provider's format
    ],
)
def test_malformed(header: str) -> None:
    with pytest.raises(WebhookSignatureError, match="malformed") as info:
        verify_signature(BODY, header, SECRET)
    assert info.value.reason == "malformed"


def test_mismatch_message_never_echoes_the_secret_or_the_expected_digest() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    wrong = "sha256=" + "0" * 64
    with pytest.raises(WebhookSignatureError) as info:
        verify_signature(BODY, wrong, SECRET)
    text = str(info.value) + repr(info.value) + repr(info.value.args)
    assert info.value.reason == "mismatch"
    assert SECRET not in text
    assert expected not in text
    assert "0" * 64 not in text  # nor what was received


def test_tampered_body_is_a_mismatch() -> None:
    header = sign_webhook(BODY, SECRET)
    with pytest.raises(WebhookSignatureError) as info:
        verify_signature(BODY.replace(b"signed", b"voided"), header, SECRET)
    assert info.value.reason == "mismatch"


@pytest.mark.parametrize(
    ("secrets", "error"),
    [
        ("", ValueError),
        ([], ValueError),
        (["ok", ""], ValueError),
        (None, TypeError),
        ([1], TypeError),
        (42, TypeError),
    ],
)
def test_configuration_mistakes_are_not_signature_errors(secrets: object, error: type) -> None:
    # A receiver with no secret must fail loudly (500, retried), not answer "bad signature".
    with pytest.raises(error) as info:
        verify_signature(BODY, sign_webhook(BODY, SECRET), secrets)  # type: ignore[arg-type]
    assert not isinstance(info.value, WebhookSignatureError)


def test_sign_webhook_rejects_what_it_cannot_sign() -> None:
    with pytest.raises(TypeError, match="raw body"):
        sign_webhook({"a": 1}, SECRET)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        sign_webhook(BODY, "")
    assert sign_webhook(BODY.decode(), SECRET) == sign_webhook(BODY, SECRET.encode())
