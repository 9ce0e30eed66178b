from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class EnvelopeSummary(_types.Model):
    """An envelope as listed.

    Attributes:
        envelope_id (str): UUID (kept a plain string: an id is opaque to clients).
        status (str): Lifecycle state of an envelope. `pending` = sent, awaiting signatures; `signed` = every
            party signed. Clients must tolerate values not listed here.
        completed_at (datetime.datetime | None):
        created_at (datetime.datetime | None):
        fields_status (str | None): State of asynchronous field detection. Never send while `pending`; `recovered_empty` =
            no fields found, place them manually (PATCH fields); `failed` = pipeline error, details
            in `metadata.detection_error`. Clients must tolerate values not listed here.
        metadata (Metadata | None): Free-form envelope metadata. Known keys: `external_id` (matched by the list filter),
            `is_test`, `send_error` (set when a dispatch failed), `detection_error`.
        sent_at (datetime.datetime | None):
    """

    envelope_id: str
    status: str
    completed_at: datetime.datetime | None = None
    created_at: datetime.datetime | None = None
    fields_status: str | None = None
    metadata: Metadata | None = None
    sent_at: datetime.datetime | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("envelope_id", "envelope_id", True),
        ("status", "status", True),
        ("completed_at", "completed_at", False),
        ("created_at", "created_at", False),
        ("fields_status", "fields_status", False),
        ("metadata", "metadata", False),
        ("sent_at", "sent_at", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "envelope_id": "envelope_id",
        "status": "status",
        "completed_at": "completed_at",
        "created_at": "created_at",
        "fields_status": "fields_status",
        "metadata": "metadata",
        "sent_at": "sent_at",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        field_dict["envelope_id"] = self.envelope_id
        field_dict["status"] = self.status
        _v = self.completed_at
        if _v is not None:
            field_dict["completed_at"] = _v.isoformat() if isinstance(_v, datetime.datetime) else _v
        _v = self.created_at
        if _v is not None:
            field_dict["created_at"] = _v.isoformat()
        if self.fields_status is not None:
            field_dict["fields_status"] = self.fields_status
        _v = self.metadata
        if _v is not None:
            field_dict["metadata"] = _v.to_dict()
        _v = self.sent_at
        if _v is not None:
            field_dict["sent_at"] = _v.isoformat() if isinstance(_v, datetime.datetime) else _v
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
            _f = "status"
            _v = d.pop("status")
            if _v is None:
                raise KeyError("status")
            status = _v
            _v = d.pop("completed_at", None)
            _f = "completed_at"
            completed_at = None if _v is None else datetime.datetime.fromisoformat(_v)
            _v = d.pop("created_at", None)
            _f = "created_at"
            created_at = None if _v is None else datetime.datetime.fromisoformat(_v)
            fields_status = d.pop("fields_status", None)
            _v = d.pop("metadata", None)
            _f = "metadata"
            metadata = None if _v is None else Metadata.from_dict(_v)
            _v = d.pop("sent_at", None)
            _f = "sent_at"
            sent_at = None if _v is None else datetime.datetime.fromisoformat(_v)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            envelope_id,
            status,
            completed_at,
            created_at,
            fields_status,
            metadata,
            sent_at,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj


from ..models.metadata import Metadata
