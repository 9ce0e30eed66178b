from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class InferredField(_types.Model):
    """The ``InferredField`` object of the Atlas API.

    Attributes:
        confidence (float | None):
        h_pct (float | None): Height, fraction of page height.
        page (int | None): 1-based page number.
        type_ (str | None): Kind of a signing field. Clients must tolerate values not listed here.
        w_pct (float | None): Width, fraction of page width.
        x_pct (float | None): Left edge, fraction of page width.
        y_pct (float | None): Top edge, fraction of page height.
    """

    confidence: float | None = None
    h_pct: float | None = None
    page: int | None = None
    type_: str | None = None
    w_pct: float | None = None
    x_pct: float | None = None
    y_pct: float | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("confidence", "confidence", False),
        ("h_pct", "h_pct", False),
        ("page", "page", False),
        ("type", "type_", False),
        ("w_pct", "w_pct", False),
        ("x_pct", "x_pct", False),
        ("y_pct", "y_pct", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "confidence": "confidence",
        "h_pct": "h_pct",
        "page": "page",
        "type": "type_",
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
        if self.confidence is not None:
            field_dict["confidence"] = self.confidence
        if self.h_pct is not None:
            field_dict["h_pct"] = self.h_pct
        if self.page is not None:
            field_dict["page"] = self.page
        if self.type_ is not None:
            field_dict["type"] = self.type_
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
            confidence = d.pop("confidence", None)
            h_pct = d.pop("h_pct", None)
            page = d.pop("page", None)
            type_ = d.pop("type", None)
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
            confidence,
            h_pct,
            page,
            type_,
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
