from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Party")


@_attrs_define
class Party:
    """A signer on an envelope. `sign_url` is present only for the party whose turn it is.

    Attributes:
        email (str):
        name (str):
        order (int):
        role (str):
        status (str): A party's place in sequential signing: `pending` is the party whose turn it is. Clients must
            tolerate values not listed here.
        sign_url (None | str | Unset): `https://atlaswork.ai/sign/<id>?t=<token>`; the token authenticates decline.
        signed_at (datetime.datetime | None | Unset):
    """

    email: str
    name: str
    order: int
    role: str
    status: str
    sign_url: None | str | Unset = UNSET
    signed_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        name = self.name

        order = self.order

        role = self.role

        status = self.status

        sign_url: None | str | Unset
        if isinstance(self.sign_url, Unset):
            sign_url = UNSET
        else:
            sign_url = self.sign_url

        signed_at: None | str | Unset
        if isinstance(self.signed_at, Unset):
            signed_at = UNSET
        elif isinstance(self.signed_at, datetime.datetime):
            signed_at = self.signed_at.isoformat()
        else:
            signed_at = self.signed_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "email": email,
                "name": name,
                "order": order,
                "role": role,
                "status": status,
            }
        )
        if sign_url is not UNSET:
            field_dict["sign_url"] = sign_url
        if signed_at is not UNSET:
            field_dict["signed_at"] = signed_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email")

        name = d.pop("name")

        order = d.pop("order")

        role = d.pop("role")

        status = d.pop("status")

        def _parse_sign_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        sign_url = _parse_sign_url(d.pop("sign_url", UNSET))

        def _parse_signed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                signed_at_type_0 = datetime.datetime.fromisoformat(data)

                return signed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        signed_at = _parse_signed_at(d.pop("signed_at", UNSET))

        party = cls(
            email=email,
            name=name,
            order=order,
            role=role,
            status=status,
            sign_url=sign_url,
            signed_at=signed_at,
        )

        party.additional_properties = d
        return party

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
