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


_REAL_COMPARE = hmac.compare_digest


class CompareSpy:
    """Stands in for ``hmac.compare_digest`` as the signature module reaches it: records every
    comparison and answers ``verdict`` (or the real result when ``verdict`` is None)."""

    def __init__(self, verdict: bool | None = None) -> None:
        self.verdict = verdict
        self.calls: list[tuple[bytes, bytes]] = []

    def __call__(self, a: bytes, b: bytes) -> bool:
        self.calls.append((a, b))
        return _REAL_COMPARE(a, b) if self.verdict is None else self.verdict


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> CompareSpy:
    from atlas_async.webhooks import _signature

    spy = CompareSpy()
    # The module calls hmac.compare_digest through its own ``hmac`` name; patch exactly that.
    monkeypatch.setattr(_signature.hmac, "compare_digest", spy)
    return spy


def _hex(secret: str) -> bytes:
    return hmac.new(secret.encode(), BODY, hashlib.sha256).hexdigest().encode()


def test_constant_time_comparison_runs_for_every_secret_and_every_entry(spy: CompareSpy) -> None:
    secrets = ["k1", "k2", "k3"]
    other = "sha256=" + "0" * 64
    header = f"{other}, {sign_webhook(BODY, 'k2')}"
    verify_signature(BODY, header, secrets)
    # No early exit: every (secret, received entry) pair is compared in constant time, including
    # after the match (k2) and for the secret after it (k3).
    assert sorted(spy.calls) == sorted(
        (_hex(s), entry) for s in secrets for entry in (b"0" * 64, _hex("k2"))
    )


def test_the_constant_time_comparison_is_what_decides(spy: CompareSpy) -> None:
    good = sign_webhook(BODY, SECRET)
    wrong = "sha256=" + "0" * 64
    spy.verdict = False  # correct signature, but the comparison says no: rejected
    with pytest.raises(WebhookSignatureError) as info:
        verify_signature(BODY, good, ["old", SECRET])
    assert info.value.reason == "mismatch"
    assert [a for a, _ in spy.calls] == [_hex("old"), _hex(SECRET)]
    spy.calls.clear()
    spy.verdict = True  # wrong signature, but the comparison says yes: accepted
    verify_signature(BODY, wrong, ["old", SECRET])
    assert [a for a, _ in spy.calls] == [_hex("old"), _hex(SECRET)]
