from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ConnectedAccountCreateResponse")


@_attrs_define
class ConnectedAccountCreateResponse:
    """
    Attributes:
        connected_org_id (str): UUID (kept a plain string: an id is opaque to clients).
        created (bool): False when the account already existed (answered with 200).
        external_id (str):
        next_step (str):
        success (bool):
    """

    connected_org_id: str
    created: bool
    external_id: str
    next_step: str
    success: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        connected_org_id = self.connected_org_id

        created = self.created

        external_id = self.external_id

        next_step = self.next_step

        success = self.success

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "connected_org_id": connected_org_id,
                "created": created,
                "external_id": external_id,
                "next_step": next_step,
                "success": success,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        connected_org_id = d.pop("connected_org_id")

        created = d.pop("created")

        external_id = d.pop("external_id")

        next_step = d.pop("next_step")

        success = d.pop("success")

        connected_account_create_response = cls(
            connected_org_id=connected_org_id,
            created=created,
            external_id=external_id,
            next_step=next_step,
            success=success,
        )

        connected_account_create_response.additional_properties = d
        return connected_account_create_response

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
