from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class Field(_types.Model):
    """A signing field placed on the document. Coordinates are fractions of the page.

    Attributes:
        field_id (str | None):
        h_pct (float | None): Height, fraction of page height.
        label (None | str):
        page (int | None): 1-based page number.
        party_order (int | None): `order` of the party who fills it.
        required (bool | None):
        type_ (str | None): Kind of a signing field. Clients must tolerate values not listed here.
        value (None | str): Filled value once signed; null before.
        w_pct (float | None): Width, fraction of page width.
        x_pct (float | None): Left edge, fraction of page width.
        y_pct (float | None): Top edge, fraction of page height.
    """

    field_id: str | None = None
    h_pct: float | None = None
    label: None | str = None
    page: int | None = None
    party_order: int | None = None
    required: bool | None = None
    type_: str | None = None
    value: None | str = None
    w_pct: float | None = None
    x_pct: float | None = None
    y_pct: float | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("field_id", "field_id", False),
        ("h_pct", "h_pct", False),
        ("label", "label", False),
        ("page", "page", False),
        ("party_order", "party_order", False),
        ("required", "required", False),
        ("type", "type_", False),
        ("value", "value", False),
        ("w_pct", "w_pct", False),
        ("x_pct", "x_pct", False),
        ("y_pct", "y_pct", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "field_id": "field_id",
        "h_pct": "h_pct",
        "label": "label",
        "page": "page",
        "party_order": "party_order",
        "required": "required",
        "type": "type_",
        "value": "value",
        "w_pct": "w_pct",
        "x_pct": "x_pct",
        "y_pct": "y_pct",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        if self.field_id is not None:
            field_dict["field_id"] = self.field_id
        if self.h_pct is not None:
            field_dict["h_pct"] = self.h_pct
        if self.label is not None:
            field_dict["label"] = self.label
        if self.page is not None:
            field_dict["page"] = self.page
        if self.party_order is not None:
            field_dict["party_order"] = self.party_order
        if self.required is not None:
            field_dict["required"] = self.required
        if self.type_ is not None:
            field_dict["type"] = self.type_
        if self.value is not None:
            field_dict["value"] = self.value
        if self.w_pct is not None:
            field_dict["w_pct"] = self.w_pct
        if self.x_pct is not None:
            field_dict["x_pct"] = self.x_pct
        if self.y_pct is not None:
            field_dict["y_pct"] = self.y_pct
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
            field_id = d.pop("field_id", None)
            h_pct = d.pop("h_pct", None)
            label = d.pop("label", None)
            page = d.pop("page", None)
            party_order = d.pop("party_order", None)
            required = d.pop("required", None)
            type_ = d.pop("type", None)
            value = d.pop("value", None)
            w_pct = d.pop("w_pct", None)
            x_pct = d.pop("x_pct", None)
            y_pct = d.pop("y_pct", None)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            field_id,
            h_pct,
            label,
            page,
            party_order,
            required,
            type_,
            value,
            w_pct,
            x_pct,
            y_pct,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj
