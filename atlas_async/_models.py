"""Public models: the generated attrs classes, plus open enums and the input checks.

The models are the generated ones on purpose (no wrapper layer to drift from the contract); the
generator names them (``overrides/config.yaml``):

* ``Party`` is what you *give*: ``Party(email=, name=, role=, order=)``, the contract's PartyInput.
* ``EnvelopeParty`` is what you *get back* on ``Envelope.parties``: the same person plus
  ``order``, ``status``, ``signed_at`` and, for the party whose turn it is, ``sign_url``.

A field the answer did not carry is None (the SDK is a tolerant reader: in an answer only what it
cannot work without is required); ``to_dict()`` leaves None fields out of a request.

Status fields are plain ``str`` in the models (the contract's enums are open: a value Atlas adds
tomorrow parses as its string instead of crashing). The ``StrEnum`` constants below compare equal
to those strings, so ``env.status == EnvelopeStatus.SIGNED`` reads well and still tolerates news.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from ._generated.models import (
    ConnectedAccount,
    ConnectedAccountCreateResponse,
    CreateEnvelopeResponse,
    DetectedParty,
    Envelope,
    EnvelopeParty,
    EnvelopeProgress,
    EnvelopeSummary,
    Field,
    FieldInput,
    FieldsResponse,
    InferFieldsResponse,
    InferredField,
    Metadata,
    Party,
    RemindResponse,
    Template,
    TemplateSendResponse,
)

__all__ = [
    "ConnectedAccount",
    "ConnectedAccountCreateResponse",
    "ConnectedAccountStatus",
    "CreateEnvelopeResponse",
    "DetectedParty",
    "Envelope",
    "EnvelopeParty",
    "EnvelopeProgress",
    "EnvelopeStatus",
    "EnvelopeSummary",
    "Field",
    "FieldInput",
    "FieldType",
    "FieldsResponse",
    "FieldsStatus",
    "InferFieldsResponse",
    "InferredField",
    "Metadata",
    "Party",
    "PartyStatus",
    "RemindResponse",
    "Template",
    "TemplateSendResponse",
    "is_email",
    "to_field_inputs",
    "to_metadata",
    "to_parties",
]


class EnvelopeStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    SIGNED = "signed"
    DECLINED = "declined"
    VOIDED = "voided"


class FieldsStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"
    RECOVERED_EMPTY = "recovered_empty"


class PartyStatus(StrEnum):
    WAITING = "waiting"
    PENDING = "pending"
    SIGNED = "signed"
    DECLINED = "declined"


class FieldType(StrEnum):
    SIGNATURE = "signature"
    INITIALS = "initials"
    DATE = "date"
    TEXT = "text"
    CHECKBOX = "checkbox"


class ConnectedAccountStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


PartyLike = Party | EnvelopeParty | Mapping[str, Any]

# Atlas's rule for a party's email (it answers 400 invalid_parties otherwise): one "@", something
# on each side, a dot in the domain, no whitespace. The CLI's --signer uses the same rule.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def is_email(value: object) -> bool:
    """Whether ``value`` is an email address Atlas accepts for a party."""
    return isinstance(value, str) and _EMAIL.fullmatch(value) is not None


FieldLike = FieldInput | Field | Mapping[str, Any]


def _party(value: PartyLike, position: int) -> Party:
    if isinstance(value, Party):
        party = value
    elif isinstance(value, EnvelopeParty):
        # Checked below like any other input: a returned signer may lack a part a send needs.
        party = Party(
            email=value.email or "", name=value.name or "", role=value.role or "", order=value.order
        )
    elif isinstance(value, Mapping):
        unknown = set(value) - {"email", "name", "role", "order"}
        if unknown:
            raise ValueError(f"party #{position}: unknown keys {sorted(unknown)}")
        try:
            party = Party(
                email=value["email"],
                name=value["name"],
                role=value["role"],
                order=value.get("order"),
            )
        except KeyError as exc:
            raise ValueError(f"party #{position}: missing {exc.args[0]!r}") from None
    else:
        raise TypeError(f"party #{position} must be a Party or a dict, got {type(value).__name__}")
    for name in ("email", "name", "role"):
        text = getattr(party, name)
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"party #{position}: {name} must be a non-empty string")
    if not is_email(party.email):
        raise ValueError(f"party #{position}: {party.email!r} is not an email address")
    order = party.order
    if order is not None and (isinstance(order, bool) or not isinstance(order, int) or order < 1):
        raise ValueError(f"party #{position}: order must be an int >= 1")
    return party


def to_parties(parties: Iterable[PartyLike] | None, *, required: bool) -> list[Party] | None:
    """Validate and normalise parties before any request ("no parties" is caught here)."""
    if parties is None:
        if required:
            raise ValueError("at least one party is required")
        return None
    if isinstance(parties, Mapping | str | Party | EnvelopeParty):
        raise TypeError("parties must be a list of Party (or dicts), not a single value")
    result = [_party(p, i) for i, p in enumerate(parties, start=1)]
    if not result:
        # An empty list is never what the caller meant: Atlas answers 400 to it.
        raise ValueError("at least one party is required (or leave parties out until send)")
    emails = [p.email.lower() for p in result]
    if len(set(emails)) != len(emails):
        raise ValueError("each party needs its own email address")
    orders = [p.order for p in result if p.order is not None]
    if len(set(orders)) != len(orders):
        raise ValueError("each party needs its own signing order (two parties share an order)")
    return result


_PLACEMENT = ("type_", "page", "x_pct", "y_pct", "w_pct", "h_pct", "party_order")


def _field(value: FieldLike, position: int) -> FieldInput:
    if isinstance(value, FieldInput):
        return value
    if isinstance(value, Field):
        # A returned field may lack what a placement needs (detected fields may carry no
        # geometry): say which part, before any request.
        placement: dict[str, Any] = {n: getattr(value, n) for n in _PLACEMENT}
        missing = sorted(n.rstrip("_") for n, v in placement.items() if v is None)
        if missing:
            raise ValueError(f"field #{position}: missing {missing}")
        return FieldInput(
            field_id=value.field_id, label=value.label, required=value.required, **placement
        )
    if isinstance(value, Mapping):
        data = dict(value)
        if "type" in data and "type_" not in data:
            data["type_"] = data.pop("type")
        try:
            return FieldInput(**data)
        except TypeError as exc:
            raise ValueError(f"field #{position}: {exc}") from None
    raise TypeError(f"field #{position} must be a FieldInput, a Field or a dict")


def to_field_inputs(fields: Iterable[FieldLike]) -> list[FieldInput]:
    if isinstance(fields, Mapping | FieldInput | Field):
        raise TypeError("fields must be a list")
    return [_field(f, i) for i, f in enumerate(fields, start=1)]


def to_metadata(metadata: Mapping[str, Any] | Metadata | None) -> Metadata | None:
    if metadata is None:
        return None
    if isinstance(metadata, Metadata):
        return metadata
    if not isinstance(metadata, Mapping):
        raise TypeError("metadata must be a dict")
    return Metadata.from_dict(dict(metadata))
