from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class ContractExtractedEvent(_types.Model):
    """`contract.extracted`: the post-sign structured extract is ready.

    Attributes:
        type_ (Literal['contract.extracted']):
        created_at (datetime.datetime | None):
        data (ContractExtract | None): Post-sign structured extract of the contract.
        envelope_id (str | None): UUID (kept a plain string: an id is opaque to clients).
        event_id (str | None):
    """

    type_: Literal["contract.extracted"]
    created_at: datetime.datetime | None = None
    data: ContractExtract | None = None
    envelope_id: str | None = None
    event_id: str | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("type", "type_", True),
        ("created_at", "created_at", False),
        ("data", "data", False),
        ("envelope_id", "envelope_id", False),
        ("event_id", "event_id", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "type": "type_",
        "created_at": "created_at",
        "data": "data",
        "envelope_id": "envelope_id",
        "event_id": "event_id",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        field_dict["type"] = self.type_
        _v = self.created_at
        if _v is not None:
            field_dict["created_at"] = _v.isoformat()
        _v = self.data
        if _v is not None:
            field_dict["data"] = _v.to_dict()
        if self.envelope_id is not None:
            field_dict["envelope_id"] = self.envelope_id
        if self.event_id is not None:
            field_dict["event_id"] = self.event_id
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
            _f = "type"
            _v = d.pop("type")
            if _v is None:
                raise KeyError("type")
            type_ = _v
            if type_ is not None and type_ != "contract.extracted":
                raise ValueError("must be " + repr("contract.extracted"))
            _v = d.pop("created_at", None)
            _f = "created_at"
            created_at = None if _v is None else datetime.datetime.fromisoformat(_v)
            _v = d.pop("data", None)
            _f = "data"
            data = None if _v is None else ContractExtract.from_dict(_v)
            envelope_id = d.pop("envelope_id", None)
            event_id = d.pop("event_id", None)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            type_,
            created_at,
            data,
            envelope_id,
            event_id,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj


from ..models.contract_extract import ContractExtract
