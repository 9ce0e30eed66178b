from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class FieldInput(_types.Model):
    """A field as sent in PATCH fields. Omit `field_id` to add a new field.

    Attributes:
        h_pct (float): Height, fraction of page height.
        page (int): 1-based page number.
        party_order (int):
        type_ (str): Kind of a signing field. Clients must tolerate values not listed here.
        w_pct (float): Width, fraction of page width.
        x_pct (float): Left edge, fraction of page width.
        y_pct (float): Top edge, fraction of page height.
        field_id (str | None): Existing field to keep or move; omit for a new field.
        label (None | str):
        required (bool | None):
    """

    h_pct: float
    page: int
    party_order: int
    type_: str
    w_pct: float
    x_pct: float
    y_pct: float
    field_id: str | None = None
    label: None | str = None
    required: bool | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("h_pct", "h_pct", True),
        ("page", "page", True),
        ("party_order", "party_order", True),
        ("type", "type_", True),
        ("w_pct", "w_pct", True),
        ("x_pct", "x_pct", True),
        ("y_pct", "y_pct", True),
        ("field_id", "field_id", False),
        ("label", "label", False),
        ("required", "required", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "h_pct": "h_pct",
        "page": "page",
        "party_order": "party_order",
        "type": "type_",
        "w_pct": "w_pct",
        "x_pct": "x_pct",
        "y_pct": "y_pct",
        "field_id": "field_id",
        "label": "label",
        "required": "required",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        field_dict["h_pct"] = self.h_pct
        field_dict["page"] = self.page
        field_dict["party_order"] = self.party_order
        field_dict["type"] = self.type_
        field_dict["w_pct"] = self.w_pct
        field_dict["x_pct"] = self.x_pct
        field_dict["y_pct"] = self.y_pct
        if self.field_id is not None:
            field_dict["field_id"] = self.field_id
        if self.label is not None:
            field_dict["label"] = self.label
        if self.required is not None:
            field_dict["required"] = self.required
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
            _f = "h_pct"
            _v = d.pop("h_pct")
            if _v is None:
                raise KeyError("h_pct")
            h_pct = _v
            _f = "page"
            _v = d.pop("page")
            if _v is None:
                raise KeyError("page")
            page = _v
            _f = "party_order"
            _v = d.pop("party_order")
            if _v is None:
                raise KeyError("party_order")
            party_order = _v
            _f = "type"
            _v = d.pop("type")
            if _v is None:
                raise KeyError("type")
            type_ = _v
            _f = "w_pct"
            _v = d.pop("w_pct")
            if _v is None:
                raise KeyError("w_pct")
            w_pct = _v
            _f = "x_pct"
            _v = d.pop("x_pct")
            if _v is None:
                raise KeyError("x_pct")
            x_pct = _v
            _f = "y_pct"
            _v = d.pop("y_pct")
            if _v is None:
                raise KeyError("y_pct")
            y_pct = _v
            field_id = d.pop("field_id", None)
            label = d.pop("label", None)
            required = d.pop("required", None)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            h_pct,
            page,
            party_order,
            type_,
            w_pct,
            x_pct,
            y_pct,
            field_id,
            label,
            required,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj
