from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="OAuthClientRegistration")


@_attrs_define
class OAuthClientRegistration:
    """
    Attributes:
        client_id (str):
        client_id_issued_at (int): Unix seconds.
        client_name (str | Unset):
        grant_types (list[str] | Unset):
        redirect_uris (list[str] | Unset):
        scope (str | Unset):
        token_endpoint_auth_method (str | Unset):
    """

    client_id: str
    client_id_issued_at: int
    client_name: str | Unset = UNSET
    grant_types: list[str] | Unset = UNSET
    redirect_uris: list[str] | Unset = UNSET
    scope: str | Unset = UNSET
    token_endpoint_auth_method: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        client_id = self.client_id

        client_id_issued_at = self.client_id_issued_at

        client_name = self.client_name

        grant_types: list[str] | Unset = UNSET
        if not isinstance(self.grant_types, Unset):
            grant_types = self.grant_types

        redirect_uris: list[str] | Unset = UNSET
        if not isinstance(self.redirect_uris, Unset):
            redirect_uris = self.redirect_uris

        scope = self.scope

        token_endpoint_auth_method = self.token_endpoint_auth_method

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "client_id": client_id,
                "client_id_issued_at": client_id_issued_at,
            }
        )
        if client_name is not UNSET:
            field_dict["client_name"] = client_name
        if grant_types is not UNSET:
            field_dict["grant_types"] = grant_types
        if redirect_uris is not UNSET:
            field_dict["redirect_uris"] = redirect_uris
        if scope is not UNSET:
            field_dict["scope"] = scope
        if token_endpoint_auth_method is not UNSET:
            field_dict["token_endpoint_auth_method"] = token_endpoint_auth_method

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        client_id = d.pop("client_id")

        client_id_issued_at = d.pop("client_id_issued_at")

        client_name = d.pop("client_name", UNSET)

        grant_types = cast(list[str], d.pop("grant_types", UNSET))

        redirect_uris = cast(list[str], d.pop("redirect_uris", UNSET))

        scope = d.pop("scope", UNSET)

        token_endpoint_auth_method = d.pop("token_endpoint_auth_method", UNSET)

        o_auth_client_registration = cls(
            client_id=client_id,
            client_id_issued_at=client_id_issued_at,
            client_name=client_name,
            grant_types=grant_types,
            redirect_uris=redirect_uris,
            scope=scope,
            token_endpoint_auth_method=token_endpoint_auth_method,
        )

        o_auth_client_registration.additional_properties = d
        return o_auth_client_registration

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
