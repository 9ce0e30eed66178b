from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="OAuthClientRegistrationRequest")


@_attrs_define
class OAuthClientRegistrationRequest:
    """RFC 7591 dynamic client registration (public clients: `token_endpoint_auth_method` is `none`).

    Attributes:
        client_name (str):
        redirect_uris (list[str]):
        grant_types (list[str] | Unset):
        scope (str | Unset): Space-separated scopes.
        token_endpoint_auth_method (str | Unset):
    """

    client_name: str
    redirect_uris: list[str]
    grant_types: list[str] | Unset = UNSET
    scope: str | Unset = UNSET
    token_endpoint_auth_method: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        client_name = self.client_name

        redirect_uris = self.redirect_uris

        grant_types: list[str] | Unset = UNSET
        if not isinstance(self.grant_types, Unset):
            grant_types = self.grant_types

        scope = self.scope

        token_endpoint_auth_method = self.token_endpoint_auth_method

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "client_name": client_name,
                "redirect_uris": redirect_uris,
            }
        )
        if grant_types is not UNSET:
            field_dict["grant_types"] = grant_types
        if scope is not UNSET:
            field_dict["scope"] = scope
        if token_endpoint_auth_method is not UNSET:
            field_dict["token_endpoint_auth_method"] = token_endpoint_auth_method

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        client_name = d.pop("client_name")

        redirect_uris = cast(list[str], d.pop("redirect_uris"))

        grant_types = cast(list[str], d.pop("grant_types", UNSET))

        scope = d.pop("scope", UNSET)

        token_endpoint_auth_method = d.pop("token_endpoint_auth_method", UNSET)

        o_auth_client_registration_request = cls(
            client_name=client_name,
            redirect_uris=redirect_uris,
            grant_types=grant_types,
            scope=scope,
            token_endpoint_auth_method=token_endpoint_auth_method,
        )

        o_auth_client_registration_request.additional_properties = d
        return o_auth_client_registration_request

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
