from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InferredField")


@_attrs_define
class InferredField:
    """
    Attributes:
        confidence (float):
        h_pct (float): Height, fraction of page height.
        page (int): 1-based page number.
        type_ (str): Kind of a signing field. Clients must tolerate values not listed here.
        w_pct (float): Width, fraction of page width.
        x_pct (float): Left edge, fraction of page width.
        y_pct (float): Top edge, fraction of page height.
    """

    confidence: float
    h_pct: float
    page: int
    type_: str
    w_pct: float
    x_pct: float
    y_pct: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        confidence = self.confidence

        h_pct = self.h_pct

        page = self.page

        type_ = self.type_

        w_pct = self.w_pct

        x_pct = self.x_pct

        y_pct = self.y_pct

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "confidence": confidence,
                "h_pct": h_pct,
                "page": page,
                "type": type_,
                "w_pct": w_pct,
                "x_pct": x_pct,
                "y_pct": y_pct,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        confidence = d.pop("confidence")

        h_pct = d.pop("h_pct")

        page = d.pop("page")

        type_ = d.pop("type")

        w_pct = d.pop("w_pct")

        x_pct = d.pop("x_pct")

        y_pct = d.pop("y_pct")

        inferred_field = cls(
            confidence=confidence,
            h_pct=h_pct,
            page=page,
            type_=type_,
            w_pct=w_pct,
            x_pct=x_pct,
            y_pct=y_pct,
        )

        inferred_field.additional_properties = d
        return inferred_field

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
