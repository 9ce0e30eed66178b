from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CreateEnvelopeResponse")


@_attrs_define
class CreateEnvelopeResponse:
    """The draft just created. Field detection runs asynchronously after this answer.

    Attributes:
        envelope_id (str): UUID (kept a plain string: an id is opaque to clients).
        fields_status (str): State of asynchronous field detection. Never send while `pending`; `recovered_empty` = no
            fields found, place them manually (PATCH fields); `failed` = pipeline error, details in
            `metadata.detection_error`. Clients must tolerate values not listed here.
        review_url (str): `https://atlaswork.ai/review/<id>?rt=<token>`
        status (str): Lifecycle state of an envelope. `pending` = sent, awaiting signatures; `signed` = every party
            signed. Clients must tolerate values not listed here.
    """

    envelope_id: str
    fields_status: str
    review_url: str
    status: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        envelope_id = self.envelope_id

        fields_status = self.fields_status

        review_url = self.review_url

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "envelope_id": envelope_id,
                "fields_status": fields_status,
                "review_url": review_url,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        envelope_id = d.pop("envelope_id")

        fields_status = d.pop("fields_status")

        review_url = d.pop("review_url")

        status = d.pop("status")

        create_envelope_response = cls(
            envelope_id=envelope_id,
            fields_status=fields_status,
            review_url=review_url,
            status=status,
        )

        create_envelope_response.additional_properties = d
        return create_envelope_response

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
