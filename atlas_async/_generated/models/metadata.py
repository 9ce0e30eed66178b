from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Metadata")


@_attrs_define
class Metadata:
    """Free-form envelope metadata. Known keys: `external_id` (matched by the list filter), `is_test`, `send_error` (set
    when a dispatch failed), `detection_error`.

        Attributes:
            detection_error (str | Unset):
            external_id (str | Unset):
            is_test (bool | Unset):
            send_error (str | Unset):
    """

    detection_error: str | Unset = UNSET
    external_id: str | Unset = UNSET
    is_test: bool | Unset = UNSET
    send_error: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        detection_error = self.detection_error

        external_id = self.external_id

        is_test = self.is_test

        send_error = self.send_error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if detection_error is not UNSET:
            field_dict["detection_error"] = detection_error
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if is_test is not UNSET:
            field_dict["is_test"] = is_test
        if send_error is not UNSET:
            field_dict["send_error"] = send_error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        detection_error = d.pop("detection_error", UNSET)

        external_id = d.pop("external_id", UNSET)

        is_test = d.pop("is_test", UNSET)

        send_error = d.pop("send_error", UNSET)

        metadata = cls(
            detection_error=detection_error,
            external_id=external_id,
            is_test=is_test,
            send_error=send_error,
        )

        metadata.additional_properties = d
        return metadata

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
