from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="OAuthServerMetadata")


@_attrs_define
class OAuthServerMetadata:
    """RFC 8414 authorization server metadata. Clients read the endpoints from here, never hard-code them.

    Attributes:
        authorization_endpoint (str):
        issuer (str):
        response_types_supported (list[str]):
        token_endpoint (str):
        code_challenge_methods_supported (list[str] | Unset):
        grant_types_supported (list[str] | Unset):
        registration_endpoint (str | Unset):
        revocation_endpoint (str | Unset):
        scopes_supported (list[str] | Unset):
        token_endpoint_auth_methods_supported (list[str] | Unset):
    """

    authorization_endpoint: str
    issuer: str
    response_types_supported: list[str]
    token_endpoint: str
    code_challenge_methods_supported: list[str] | Unset = UNSET
    grant_types_supported: list[str] | Unset = UNSET
    registration_endpoint: str | Unset = UNSET
    revocation_endpoint: str | Unset = UNSET
    scopes_supported: list[str] | Unset = UNSET
    token_endpoint_auth_methods_supported: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        authorization_endpoint = self.authorization_endpoint

        issuer = self.issuer

        response_types_supported = self.response_types_supported

        token_endpoint = self.token_endpoint

        code_challenge_methods_supported: list[str] | Unset = UNSET
        if not isinstance(self.code_challenge_methods_supported, Unset):
            code_challenge_methods_supported = self.code_challenge_methods_supported

        grant_types_supported: list[str] | Unset = UNSET
        if not isinstance(self.grant_types_supported, Unset):
            grant_types_supported = self.grant_types_supported

        registration_endpoint = self.registration_endpoint

        revocation_endpoint = self.revocation_endpoint

        scopes_supported: list[str] | Unset = UNSET
        if not isinstance(self.scopes_supported, Unset):
            scopes_supported = self.scopes_supported

        token_endpoint_auth_methods_supported: list[str] | Unset = UNSET
        if not isinstance(self.token_endpoint_auth_methods_supported, Unset):
            token_endpoint_auth_methods_supported = self.token_endpoint_auth_methods_supported

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "authorization_endpoint": authorization_endpoint,
                "issuer": issuer,
                "response_types_supported": response_types_supported,
                "token_endpoint": token_endpoint,
            }
        )
        if code_challenge_methods_supported is not UNSET:
            field_dict["code_challenge_methods_supported"] = code_challenge_methods_supported
        if grant_types_supported is not UNSET:
            field_dict["grant_types_supported"] = grant_types_supported
        if registration_endpoint is not UNSET:
            field_dict["registration_endpoint"] = registration_endpoint
        if revocation_endpoint is not UNSET:
            field_dict["revocation_endpoint"] = revocation_endpoint
        if scopes_supported is not UNSET:
            field_dict["scopes_supported"] = scopes_supported
        if token_endpoint_auth_methods_supported is not UNSET:
            field_dict["token_endpoint_auth_methods_supported"] = (
                token_endpoint_auth_methods_supported
            )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        authorization_endpoint = d.pop("authorization_endpoint")

        issuer = d.pop("issuer")

        response_types_supported = cast(list[str], d.pop("response_types_supported"))

        token_endpoint = d.pop("token_endpoint")

        code_challenge_methods_supported = cast(
            list[str], d.pop("code_challenge_methods_supported", UNSET)
        )

        grant_types_supported = cast(list[str], d.pop("grant_types_supported", UNSET))

        registration_endpoint = d.pop("registration_endpoint", UNSET)

        revocation_endpoint = d.pop("revocation_endpoint", UNSET)

        scopes_supported = cast(list[str], d.pop("scopes_supported", UNSET))

        token_endpoint_auth_methods_supported = cast(
            list[str], d.pop("token_endpoint_auth_methods_supported", UNSET)
        )

        o_auth_server_metadata = cls(
            authorization_endpoint=authorization_endpoint,
            issuer=issuer,
            response_types_supported=response_types_supported,
            token_endpoint=token_endpoint,
            code_challenge_methods_supported=code_challenge_methods_supported,
            grant_types_supported=grant_types_supported,
            registration_endpoint=registration_endpoint,
            revocation_endpoint=revocation_endpoint,
            scopes_supported=scopes_supported,
            token_endpoint_auth_methods_supported=token_endpoint_auth_methods_supported,
        )

        o_auth_server_metadata.additional_properties = d
        return o_auth_server_metadata

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
