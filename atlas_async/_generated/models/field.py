from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Field")


@_attrs_define
class Field:
    """A signing field placed on the document. Coordinates are fractions of the page.

    Attributes:
        field_id (str):
        h_pct (float): Height, fraction of page height.
        page (int): 1-based page number.
        party_order (int): `order` of the party who fills it.
        type_ (str): Kind of a signing field. Clients must tolerate values not listed here.
        w_pct (float): Width, fraction of page width.
        x_pct (float): Left edge, fraction of page width.
        y_pct (float): Top edge, fraction of page height.
        label (None | str | Unset):
        required (bool | Unset):
        value (None | str | Unset): Filled value once signed; null before.
    """

    field_id: str
    h_pct: float
    page: int
    party_order: int
    type_: str
    w_pct: float
    x_pct: float
    y_pct: float
    label: None | str | Unset = UNSET
    required: bool | Unset = UNSET
    value: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        field_id = self.field_id

        h_pct = self.h_pct

        page = self.page

        party_order = self.party_order

        type_ = self.type_

        w_pct = self.w_pct

        x_pct = self.x_pct

        y_pct = self.y_pct

        label: None | str | Unset
        if isinstance(self.label, Unset):
            label = UNSET
        else:
            label = self.label

        required = self.required

        value: None | str | Unset
        if isinstance(self.value, Unset):
            value = UNSET
        else:
            value = self.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "field_id": field_id,
                "h_pct": h_pct,
                "page": page,
                "party_order": party_order,
                "type": type_,
                "w_pct": w_pct,
                "x_pct": x_pct,
                "y_pct": y_pct,
            }
        )
        if label is not UNSET:
            field_dict["label"] = label
        if required is not UNSET:
            field_dict["required"] = required
        if value is not UNSET:
            field_dict["value"] = value

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        field_id = d.pop("field_id")

        h_pct = d.pop("h_pct")

        page = d.pop("page")

        party_order = d.pop("party_order")

        type_ = d.pop("type")

        w_pct = d.pop("w_pct")

        x_pct = d.pop("x_pct")

        y_pct = d.pop("y_pct")

        def _parse_label(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        label = _parse_label(d.pop("label", UNSET))

        required = d.pop("required", UNSET)

        def _parse_value(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        value = _parse_value(d.pop("value", UNSET))

        field = cls(
            field_id=field_id,
            h_pct=h_pct,
            page=page,
            party_order=party_order,
            type_=type_,
            w_pct=w_pct,
            x_pct=x_pct,
            y_pct=y_pct,
            label=label,
            required=required,
            value=value,
        )

        field.additional_properties = d
        return field

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
