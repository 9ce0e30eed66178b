"""Typed, immutable webhook events, and the parser that builds them from a verified body.

Payload (ATLAS_API.md): ``{event_id, type, created_at, envelope_id, data}``; ``data`` is the
envelope object for ``envelope.*`` events and ``{envelope_id, extract}`` for ``contract.extracted``.

Design choices, each for a reason:

- Validation is ours and minimal: only the fields an event needs to be routed, de-duplicated and to
  wake a waiter (``event_id``, ``type``, ``created_at``, ``envelope_id``, ``data.status``...) are
  checked, and a failure names the field. Everything else is kept, untouched, in ``data`` and
  ``raw``: Atlas may add fields at any time, and a verified event must never be lost because its
  envelope snapshot grew or lacks an optional property.
- ``status`` is an open string: an envelope status added by Atlas later parses as itself.
- Events are frozen dataclasses and their JSON is deep-frozen (read-only mappings and tuples), so a
  handler cannot change what the next handler sees.
- A type this SDK does not know yet becomes :class:`UnknownEvent`, never an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from .._errors import WebhookPayloadError
from ._signature import Secrets, body_bytes, verify_signature

if TYPE_CHECKING:
    from .._generated.models.envelope import Envelope

__all__ = [
    "EVENT_TYPES",
    "ContractExtractedEvent",
    "EnvelopeCreatedEvent",
    "EnvelopeDeclinedEvent",
    "EnvelopeEvent",
    "EnvelopeSentEvent",
    "EnvelopeSignedEvent",
    "EnvelopeViewedEvent",
    "EnvelopeVoidedEvent",
    "UnknownEvent",
    "WebhookEvent",
    "event_from_dict",
    "parse_event",
]


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True, kw_only=True)
class WebhookEvent:
    """A verified Atlas webhook event. Subclasses narrow the types; match on the class.

    ``raw`` is the whole payload (read-only), ``data`` its ``data`` member. Neither appears in
    ``repr()``: they hold signers' names and emails, which do not belong in logs.
    """

    #: The ``type`` string this class handles; empty on the base class and on UnknownEvent.
    event_type: ClassVar[str] = ""

    event_id: str
    type: str
    created_at: datetime | None
    envelope_id: str | None
    # Read-only mappings are unhashable, so they stay out of __hash__ (still part of ==).
    data: Mapping[str, Any] = field(repr=False, hash=False)
    raw: Mapping[str, Any] = field(repr=False, hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The payload as plain, mutable JSON types (a copy), e.g. to enqueue it elsewhere."""
        result: dict[str, Any] = _thaw(self.raw)
        return result


@dataclass(frozen=True, kw_only=True)
class EnvelopeEvent(WebhookEvent):
    """An ``envelope.*`` event; ``data`` is the envelope as it was when the event fired."""

    #: The envelope status this event implies, used to wake ``wait_until_signed``.
    implied_status: ClassVar[str] = ""

    created_at: datetime
    envelope_id: str
    #: ``data.status`` (an open string: unknown future statuses are kept as they are).
    status: str

    @cached_property
    def envelope(self) -> Envelope:
        """``data`` as an :class:`atlas_async.Envelope`, the model ``atlas.envelopes.get()`` returns.

        Built on first access (the generated models are imported only then). It is a mutable copy:
        changing it does not change the event. Fields the snapshot lacks are None. Raises :class:`~atlas_async.WebhookPayloadError` naming the field when a
        value cannot be what the model says (a date that is not one); ``data`` itself is always
        available.
        """
        from .._generated.models.envelope import Envelope
        from .._generated.types import ParseError

        try:
            return Envelope.from_dict(_thaw(self.data))
        except ParseError as exc:
            path = f"data.{exc.path}" if exc.path else "data"
            raise _fail(path, f"does not fit the Envelope model: {exc.problem}") from None

    @property
    def metadata(self) -> Mapping[str, Any]:
        """``data.metadata`` (read-only), or an empty mapping when absent."""
        value = self.data.get("metadata")
        return value if isinstance(value, Mapping) else MappingProxyType({})

    @property
    def external_id(self) -> str | None:
        """``data.metadata.external_id``: your own id for the envelope, set at create."""
        value = self.metadata.get("external_id")
        return value if isinstance(value, str) else None


@dataclass(frozen=True, kw_only=True)
class EnvelopeCreatedEvent(EnvelopeEvent):
    """``envelope.created``: a draft exists."""

    event_type: ClassVar[str] = "envelope.created"
    implied_status: ClassVar[str] = "draft"


@dataclass(frozen=True, kw_only=True)
class EnvelopeSentEvent(EnvelopeEvent):
    """``envelope.sent``: the first signer was emailed."""

    event_type: ClassVar[str] = "envelope.sent"
    implied_status: ClassVar[str] = "pending"


@dataclass(frozen=True, kw_only=True)
class EnvelopeViewedEvent(EnvelopeEvent):
    """``envelope.viewed``: a signer opened the signing page."""

    event_type: ClassVar[str] = "envelope.viewed"
    implied_status: ClassVar[str] = "pending"


@dataclass(frozen=True, kw_only=True)
class EnvelopeSignedEvent(EnvelopeEvent):
    """``envelope.signed``: every party has signed; the signed PDF can be downloaded."""

    event_type: ClassVar[str] = "envelope.signed"
    implied_status: ClassVar[str] = "signed"


@dataclass(frozen=True, kw_only=True)
class EnvelopeDeclinedEvent(EnvelopeEvent):
    """``envelope.declined``: a signer declined; the envelope is closed."""

    event_type: ClassVar[str] = "envelope.declined"
    implied_status: ClassVar[str] = "declined"


@dataclass(frozen=True, kw_only=True)
class EnvelopeVoidedEvent(EnvelopeEvent):
    """``envelope.voided``: the sender voided the envelope."""

    event_type: ClassVar[str] = "envelope.voided"
    implied_status: ClassVar[str] = "voided"


@dataclass(frozen=True, kw_only=True)
class ContractExtractedEvent(WebhookEvent):
    """``contract.extracted``: the structured extract of a signed contract is ready."""

    event_type: ClassVar[str] = "contract.extracted"

    created_at: datetime
    envelope_id: str
    #: ``data.extract`` (read-only); its keys depend on the contract.
    extract: Mapping[str, Any] = field(repr=False, hash=False)


@dataclass(frozen=True, kw_only=True)
class UnknownEvent(WebhookEvent):
    """An event type this version of the SDK does not know (Atlas added it later).

    Only ``event_id`` and ``type`` are required; ``created_at`` and ``envelope_id`` are filled in
    when present and well-formed. Everything is in ``raw``.
    """


_ENVELOPE_EVENTS: dict[str, type[EnvelopeEvent]] = {
    cls.event_type: cls
    for cls in (
        EnvelopeCreatedEvent,
        EnvelopeSentEvent,
        EnvelopeViewedEvent,
        EnvelopeSignedEvent,
        EnvelopeDeclinedEvent,
        EnvelopeVoidedEvent,
    )
}

#: Every event type this SDK parses into a dedicated class, in the order Atlas documents them.
EVENT_TYPES: tuple[str, ...] = (*_ENVELOPE_EVENTS, ContractExtractedEvent.event_type)


def _fail(path: str, problem: str) -> WebhookPayloadError:
    return WebhookPayloadError(f"invalid webhook payload: {path!r} {problem}", field=path)


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _string(obj: Mapping[str, Any], key: str, path: str) -> str:
    if key not in obj:
        raise _fail(path, "is missing")
    value = obj[key]
    if not isinstance(value, str) or not value:
        raise _fail(path, f"must be a non-empty string, got {_kind(value)}")
    return value


def _object(obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    if key not in obj:
        raise _fail(path, "is missing")
    value = obj[key]
    if not isinstance(value, dict):
        raise _fail(path, f"must be an object, got {_kind(value)}")
    return value


def _timestamp(obj: Mapping[str, Any], key: str, path: str) -> datetime:
    text = _string(obj, key, path)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _fail(path, "must be an RFC 3339 timestamp") from None
    # RFC 3339 always carries an offset; a naive value is read as UTC rather than rejected, since
    # rejecting a verified event over its timestamp would lose it.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _same_envelope(data: Mapping[str, Any], envelope_id: str) -> None:
    inner = _string(data, "envelope_id", "data.envelope_id")
    if inner != envelope_id:
        raise _fail("data.envelope_id", "differs from the top-level 'envelope_id'")


def event_from_dict(payload: Mapping[str, Any]) -> WebhookEvent:
    """Build the typed event from an already-verified, already-decoded payload.

    Use :func:`parse_event` on raw request bodies: it verifies the signature first. This is for
    payloads that were verified elsewhere (re-read from your own queue, say).
    Raises :class:`~atlas_async.WebhookPayloadError` naming the first invalid field.
    """
    if not isinstance(payload, Mapping):
        raise _fail("<body>", f"must be a JSON object, got {_kind(payload)}")
    try:
        obj: Mapping[str, Any] = _thaw(payload) if not isinstance(payload, dict) else payload
        raw = _freeze(obj)
    except RecursionError:
        raise _fail("<body>", "is nested too deeply") from None
    event_id = _string(obj, "event_id", "event_id")
    event_type = _string(obj, "type", "type")

    envelope_cls = _ENVELOPE_EVENTS.get(event_type)
    if envelope_cls is not None:
        created_at = _timestamp(obj, "created_at", "created_at")
        envelope_id = _string(obj, "envelope_id", "envelope_id")
        data = _object(obj, "data", "data")
        _same_envelope(data, envelope_id)
        status = _string(data, "status", "data.status")
        return envelope_cls(
            event_id=event_id,
            type=event_type,
            created_at=created_at,
            envelope_id=envelope_id,
            status=status,
            data=raw["data"],
            raw=raw,
        )

    if event_type == ContractExtractedEvent.event_type:
        created_at = _timestamp(obj, "created_at", "created_at")
        envelope_id = _string(obj, "envelope_id", "envelope_id")
        data = _object(obj, "data", "data")
        _same_envelope(data, envelope_id)
        _object(data, "extract", "data.extract")
        frozen_data = raw["data"]
        return ContractExtractedEvent(
            event_id=event_id,
            type=event_type,
            created_at=created_at,
            envelope_id=envelope_id,
            extract=frozen_data["extract"],
            data=frozen_data,
            raw=raw,
        )

    # Forward compatibility: keep whatever is usable, never fail on the optional parts.
    unknown_created: datetime | None
    try:
        unknown_created = _timestamp(obj, "created_at", "created_at")
    except WebhookPayloadError:
        unknown_created = None
    unknown_envelope = obj.get("envelope_id")
    unknown_data = raw.get("data")
    return UnknownEvent(
        event_id=event_id,
        type=event_type,
        created_at=unknown_created,
        envelope_id=unknown_envelope
        if isinstance(unknown_envelope, str) and unknown_envelope
        else None,
        data=unknown_data if isinstance(unknown_data, Mapping) else MappingProxyType({}),
        raw=raw,
    )


def _decode(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except (UnicodeDecodeError, RecursionError):
        raise _fail("<body>", "is not UTF-8 JSON") from None
    except ValueError:
        raise _fail("<body>", "is not valid JSON") from None


def parse_event(
    payload: bytes,
    signature_header: str | bytes | None,
    secret_or_secrets: Secrets,
) -> WebhookEvent:
    """Verify ``payload`` against ``signature_header``, then parse it into a typed event.

    Nothing is parsed before the signature checks out. Raises
    :class:`~atlas_async.WebhookSignatureError` (bad signature) or
    :class:`~atlas_async.WebhookPayloadError` (signed, but not a valid event; ``.field`` names the
    failing field). Unknown event types give :class:`UnknownEvent`; unknown fields are kept.
    """
    verify_signature(payload, signature_header, secret_or_secrets)
    return event_from_dict(_decode(body_bytes(payload)))
