from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class Envelope(_types.Model):
    """An envelope: one document, its fields and its signers.

    Attributes:
        envelope_id (str): UUID (kept a plain string: an id is opaque to clients).
        completed_at (datetime.datetime | None):
        created_at (datetime.datetime | None):
        credit_refunded (bool | None): Only on void responses: one credit was refunded because no party had signed.
        declined_at (datetime.datetime | None):
        detected_parties (list[DetectedParty] | None):
        fields (list[Field] | None):
        fields_status (str | None): State of asynchronous field detection. Never send while `pending`; `recovered_empty` =
            no fields found, place them manually (PATCH fields); `failed` = pipeline error, details
            in `metadata.detection_error`. Clients must tolerate values not listed here.
        fields_version (int | None): Optimistic concurrency token for PATCH fields and send; starts at 1.
        metadata (Metadata | None): Free-form envelope metadata. Known keys: `external_id` (matched by the list filter),
            `is_test`, `send_error` (set when a dispatch failed), `detection_error`.
        parties (list[EnvelopeParty] | None):
        review_url (None | str):
        sent_at (datetime.datetime | None):
        signed_pdf_url (None | str): Download URL once `status` is `signed` and the artifact is archived.
        status (str | None): Lifecycle state of an envelope. `pending` = sent, awaiting signatures; `signed` = every
            party signed. Clients must tolerate values not listed here.
        voided_at (datetime.datetime | None):
        webhook_url (None | str):
    """

    envelope_id: str
    completed_at: datetime.datetime | None = None
    created_at: datetime.datetime | None = None
    credit_refunded: bool | None = None
    declined_at: datetime.datetime | None = None
    detected_parties: list[DetectedParty] | None = None
    fields: list[Field] | None = None
    fields_status: str | None = None
    fields_version: int | None = None
    metadata: Metadata | None = None
    parties: list[EnvelopeParty] | None = None
    review_url: None | str = _attrs_field(default=None, repr=_types.url_repr)
    sent_at: datetime.datetime | None = None
    signed_pdf_url: None | str = _attrs_field(default=None, repr=_types.url_repr)
    status: str | None = None
    voided_at: datetime.datetime | None = None
    webhook_url: None | str = _attrs_field(default=None, repr=_types.url_repr)
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("envelope_id", "envelope_id", True),
        ("completed_at", "completed_at", False),
        ("created_at", "created_at", False),
        ("credit_refunded", "credit_refunded", False),
        ("declined_at", "declined_at", False),
        ("detected_parties", "detected_parties", False),
        ("fields", "fields", False),
        ("fields_status", "fields_status", False),
        ("fields_version", "fields_version", False),
        ("metadata", "metadata", False),
        ("parties", "parties", False),
        ("review_url", "review_url", False),
        ("sent_at", "sent_at", False),
        ("signed_pdf_url", "signed_pdf_url", False),
        ("status", "status", False),
        ("voided_at", "voided_at", False),
        ("webhook_url", "webhook_url", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "envelope_id": "envelope_id",
        "completed_at": "completed_at",
        "created_at": "created_at",
        "credit_refunded": "credit_refunded",
        "declined_at": "declined_at",
        "detected_parties": "detected_parties",
        "fields": "fields",
        "fields_status": "fields_status",
        "fields_version": "fields_version",
        "metadata": "metadata",
        "parties": "parties",
        "review_url": "review_url",
        "sent_at": "sent_at",
        "signed_pdf_url": "signed_pdf_url",
        "status": "status",
        "voided_at": "voided_at",
        "webhook_url": "webhook_url",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        field_dict["envelope_id"] = self.envelope_id
        _v = self.completed_at
        if _v is not None:
            field_dict["completed_at"] = _v.isoformat() if isinstance(_v, datetime.datetime) else _v
        _v = self.created_at
        if _v is not None:
            field_dict["created_at"] = _v.isoformat()
        if self.credit_refunded is not None:
            field_dict["credit_refunded"] = self.credit_refunded
        _v = self.declined_at
        if _v is not None:
            field_dict["declined_at"] = _v.isoformat() if isinstance(_v, datetime.datetime) else _v
        _v = self.detected_parties
        if _v is not None:
            field_dict["detected_parties"] = [_i0.to_dict() for _i0 in _v]
        _v = self.fields
        if _v is not None:
            field_dict["fields"] = [_i0.to_dict() for _i0 in _v]
        if self.fields_status is not None:
            field_dict["fields_status"] = self.fields_status
        if self.fields_version is not None:
            field_dict["fields_version"] = self.fields_version
        _v = self.metadata
        if _v is not None:
            field_dict["metadata"] = _v.to_dict()
        _v = self.parties
        if _v is not None:
            field_dict["parties"] = [_i0.to_dict() for _i0 in _v]
        if self.review_url is not None:
            field_dict["review_url"] = self.review_url
        _v = self.sent_at
        if _v is not None:
            field_dict["sent_at"] = _v.isoformat() if isinstance(_v, datetime.datetime) else _v
        if self.signed_pdf_url is not None:
            field_dict["signed_pdf_url"] = self.signed_pdf_url
        if self.status is not None:
            field_dict["status"] = self.status
        _v = self.voided_at
        if _v is not None:
            field_dict["voided_at"] = _v.isoformat() if isinstance(_v, datetime.datetime) else _v
        if self.webhook_url is not None:
            field_dict["webhook_url"] = self.webhook_url
        return field_dict

    def to_json(self) -> str:
        """This model as a JSON document: ``json.dumps(self.to_dict())``."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        """Build the model from JSON data (a parsed answer).

        Absent optional fields are None. A required field that is missing or null, or a value that
        cannot be what its field says, raises ``ParseError`` naming the field (``parties[].email``).
        """
        _f = ""
        try:
            d = dict(src_dict)
            _f = "envelope_id"
            _v = d.pop("envelope_id")
            if _v is None:
                raise KeyError("envelope_id")
            envelope_id = _v
            _v = d.pop("completed_at", None)
            _f = "completed_at"
            completed_at = None if _v is None else datetime.datetime.fromisoformat(_v)
            _v = d.pop("created_at", None)
            _f = "created_at"
            created_at = None if _v is None else datetime.datetime.fromisoformat(_v)
            credit_refunded = d.pop("credit_refunded", None)
            _v = d.pop("declined_at", None)
            _f = "declined_at"
            declined_at = None if _v is None else datetime.datetime.fromisoformat(_v)
            _v = d.pop("detected_parties", None)
            _f = "detected_parties[]"
            detected_parties = None if _v is None else [DetectedParty.from_dict(_i0) for _i0 in _v]
            _v = d.pop("fields", None)
            _f = "fields[]"
            fields = None if _v is None else [Field.from_dict(_i0) for _i0 in _v]
            fields_status = d.pop("fields_status", None)
            fields_version = d.pop("fields_version", None)
            _v = d.pop("metadata", None)
            _f = "metadata"
            metadata = None if _v is None else Metadata.from_dict(_v)
            _v = d.pop("parties", None)
            _f = "parties[]"
            parties = None if _v is None else [EnvelopeParty.from_dict(_i0) for _i0 in _v]
            review_url = d.pop("review_url", None)
            _v = d.pop("sent_at", None)
            _f = "sent_at"
            sent_at = None if _v is None else datetime.datetime.fromisoformat(_v)
            signed_pdf_url = d.pop("signed_pdf_url", None)
            status = d.pop("status", None)
            _v = d.pop("voided_at", None)
            _f = "voided_at"
            voided_at = None if _v is None else datetime.datetime.fromisoformat(_v)
            webhook_url = d.pop("webhook_url", None)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            envelope_id,
            completed_at,
            created_at,
            credit_refunded,
            declined_at,
            detected_parties,
            fields,
            fields_status,
            fields_version,
            metadata,
            parties,
            review_url,
            sent_at,
            signed_pdf_url,
            status,
            voided_at,
            webhook_url,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj


from ..models.detected_party import DetectedParty
from ..models.envelope_party import EnvelopeParty
from ..models.field import Field
from ..models.metadata import Metadata
