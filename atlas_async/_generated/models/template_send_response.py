from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TemplateSendResponse")


@_attrs_define
class TemplateSendResponse:
    """
    Attributes:
        envelope_id (str): UUID (kept a plain string: an id is opaque to clients).
        status (str): Lifecycle state of an envelope. `pending` = sent, awaiting signatures; `signed` = every party
            signed. Clients must tolerate values not listed here.
        review_url (None | str | Unset): Present when `auto_send` is false.
    """

    envelope_id: str
    status: str
    review_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        envelope_id = self.envelope_id

        status = self.status

        review_url: None | str | Unset
        if isinstance(self.review_url, Unset):
            review_url = UNSET
        else:
            review_url = self.review_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "envelope_id": envelope_id,
                "status": status,
            }
        )
        if review_url is not UNSET:
            field_dict["review_url"] = review_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        envelope_id = d.pop("envelope_id")

        status = d.pop("status")

        def _parse_review_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        review_url = _parse_review_url(d.pop("review_url", UNSET))

        template_send_response = cls(
            envelope_id=envelope_id,
            status=status,
            review_url=review_url,
        )

        template_send_response.additional_properties = d
        return template_send_response

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
