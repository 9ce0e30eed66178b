from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ConnectedAccountCreate")


@_attrs_define
class ConnectedAccountCreate:
    """
    Attributes:
        external_id (str): Your id for the account; creation is idempotent on it.
        name (str):
        billing_mode (str | Unset): Who pays for a connected account's envelopes: the platform's pool (default) or the
            account's own pool, seeded by `initial_credits`.
        initial_credits (int | Unset): Seeds the account's pool (child_pays).
    """

    external_id: str
    name: str
    billing_mode: str | Unset = UNSET
    initial_credits: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        external_id = self.external_id

        name = self.name

        billing_mode = self.billing_mode

        initial_credits = self.initial_credits

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "external_id": external_id,
                "name": name,
            }
        )
        if billing_mode is not UNSET:
            field_dict["billing_mode"] = billing_mode
        if initial_credits is not UNSET:
            field_dict["initial_credits"] = initial_credits

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        external_id = d.pop("external_id")

        name = d.pop("name")

        billing_mode = d.pop("billing_mode", UNSET)

        initial_credits = d.pop("initial_credits", UNSET)

        connected_account_create = cls(
            external_id=external_id,
            name=name,
            billing_mode=billing_mode,
            initial_credits=initial_credits,
        )

        connected_account_create.additional_properties = d
        return connected_account_create

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
