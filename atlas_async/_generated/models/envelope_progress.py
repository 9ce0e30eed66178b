from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="EnvelopeProgress")


@_attrs_define
class EnvelopeProgress:
    """Lightweight signing progress (GET /status): cheap to poll.

    Attributes:
        next_signer_email (None | str): Null when no one is due.
        sign_url (None | str): Null when no one is due.
        signed_count (int):
        status (str): Lifecycle state of an envelope. `pending` = sent, awaiting signatures; `signed` = every party
            signed. Clients must tolerate values not listed here.
        total (int):
    """

    next_signer_email: None | str
    sign_url: None | str
    signed_count: int
    status: str
    total: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        next_signer_email: None | str
        next_signer_email = self.next_signer_email

        sign_url: None | str
        sign_url = self.sign_url

        signed_count = self.signed_count

        status = self.status

        total = self.total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "next_signer_email": next_signer_email,
                "sign_url": sign_url,
                "signed_count": signed_count,
                "status": status,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_next_signer_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_signer_email = _parse_next_signer_email(d.pop("next_signer_email"))

        def _parse_sign_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        sign_url = _parse_sign_url(d.pop("sign_url"))

        signed_count = d.pop("signed_count")

        status = d.pop("status")

        total = d.pop("total")

        envelope_progress = cls(
            next_signer_email=next_signer_email,
            sign_url=sign_url,
            signed_count=signed_count,
            status=status,
            total=total,
        )

        envelope_progress.additional_properties = d
        return envelope_progress

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
