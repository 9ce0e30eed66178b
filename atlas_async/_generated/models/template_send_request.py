from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.metadata import Metadata
    from ..models.party_input import PartyInput
    from ..models.template_send_request_prefill import TemplateSendRequestPrefill


T = TypeVar("T", bound="TemplateSendRequest")


@_attrs_define
class TemplateSendRequest:
    """Create (and by default dispatch) an envelope from a template.

    Attributes:
        parties (list[PartyInput]): Roles must match the template's roles.
        auto_send (bool | Unset):  Default: True.
        metadata (Metadata | Unset): Free-form envelope metadata. Known keys: `external_id` (matched by the list
            filter), `is_test`, `send_error` (set when a dispatch failed), `detection_error`.
        prefill (TemplateSendRequestPrefill | Unset):
        webhook_url (str | Unset):
    """

    parties: list[PartyInput]
    auto_send: bool | Unset = True
    metadata: Metadata | Unset = UNSET
    prefill: TemplateSendRequestPrefill | Unset = UNSET
    webhook_url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        parties = []
        for parties_item_data in self.parties:
            parties_item = parties_item_data.to_dict()
            parties.append(parties_item)

        auto_send = self.auto_send

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        prefill: dict[str, Any] | Unset = UNSET
        if not isinstance(self.prefill, Unset):
            prefill = self.prefill.to_dict()

        webhook_url = self.webhook_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "parties": parties,
            }
        )
        if auto_send is not UNSET:
            field_dict["auto_send"] = auto_send
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if prefill is not UNSET:
            field_dict["prefill"] = prefill
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.metadata import Metadata  # noqa: PLC0415
        from ..models.party_input import PartyInput  # noqa: PLC0415
        from ..models.template_send_request_prefill import TemplateSendRequestPrefill  # noqa: PLC0415

        d = dict(src_dict)
        parties = []
        _parties = d.pop("parties")
        for parties_item_data in _parties:
            parties_item = PartyInput.from_dict(parties_item_data)

            parties.append(parties_item)

        auto_send = d.pop("auto_send", UNSET)

        _metadata = d.pop("metadata", UNSET)
        metadata: Metadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = Metadata.from_dict(_metadata)

        _prefill = d.pop("prefill", UNSET)
        prefill: TemplateSendRequestPrefill | Unset
        if isinstance(_prefill, Unset):
            prefill = UNSET
        else:
            prefill = TemplateSendRequestPrefill.from_dict(_prefill)

        webhook_url = d.pop("webhook_url", UNSET)

        template_send_request = cls(
            parties=parties,
            auto_send=auto_send,
            metadata=metadata,
            prefill=prefill,
            webhook_url=webhook_url,
        )

        template_send_request.additional_properties = d
        return template_send_request

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
