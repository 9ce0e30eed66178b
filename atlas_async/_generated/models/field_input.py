from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="FieldInput")


@_attrs_define
class FieldInput:
    """A field as sent in PATCH fields. Omit `field_id` to add a new field.

    Attributes:
        h_pct (float): Height, fraction of page height.
        page (int): 1-based page number.
        party_order (int):
        type_ (str): Kind of a signing field. Clients must tolerate values not listed here.
        w_pct (float): Width, fraction of page width.
        x_pct (float): Left edge, fraction of page width.
        y_pct (float): Top edge, fraction of page height.
        field_id (str | Unset): Existing field to keep or move; omit for a new field.
        label (None | str | Unset):
        required (bool | Unset):
    """

    h_pct: float
    page: int
    party_order: int
    type_: str
    w_pct: float
    x_pct: float
    y_pct: float
    field_id: str | Unset = UNSET
    label: None | str | Unset = UNSET
    required: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        h_pct = self.h_pct

        page = self.page

        party_order = self.party_order

        type_ = self.type_

        w_pct = self.w_pct

        x_pct = self.x_pct

        y_pct = self.y_pct

        field_id = self.field_id

        label: None | str | Unset
        if isinstance(self.label, Unset):
            label = UNSET
        else:
            label = self.label

        required = self.required

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "h_pct": h_pct,
                "page": page,
                "party_order": party_order,
                "type": type_,
                "w_pct": w_pct,
                "x_pct": x_pct,
                "y_pct": y_pct,
            }
        )
        if field_id is not UNSET:
            field_dict["field_id"] = field_id
        if label is not UNSET:
            field_dict["label"] = label
        if required is not UNSET:
            field_dict["required"] = required

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        h_pct = d.pop("h_pct")

        page = d.pop("page")

        party_order = d.pop("party_order")

        type_ = d.pop("type")

        w_pct = d.pop("w_pct")

        x_pct = d.pop("x_pct")

        y_pct = d.pop("y_pct")

        field_id = d.pop("field_id", UNSET)

        def _parse_label(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        label = _parse_label(d.pop("label", UNSET))

        required = d.pop("required", UNSET)

        field_input = cls(
            h_pct=h_pct,
            page=page,
            party_order=party_order,
            type_=type_,
            w_pct=w_pct,
            x_pct=x_pct,
            y_pct=y_pct,
            field_id=field_id,
            label=label,
            required=required,
        )

        field_input.additional_properties = d
        return field_input

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
