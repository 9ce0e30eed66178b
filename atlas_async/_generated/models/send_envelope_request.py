from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.field_input import FieldInput
    from ..models.party_input import PartyInput


T = TypeVar("T", bound="SendEnvelopeRequest")


@_attrs_define
class SendEnvelopeRequest:
    """Dispatch a draft. `parties` may be given here instead of at create; `fields_version` guards against sending fields
    you have not seen.

        Attributes:
            fields (list[FieldInput] | Unset):
            fields_version (int | Unset):
            parties (list[PartyInput] | Unset):
    """

    fields: list[FieldInput] | Unset = UNSET
    fields_version: int | Unset = UNSET
    parties: list[PartyInput] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        fields: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.fields, Unset):
            fields = []
            for fields_item_data in self.fields:
                fields_item = fields_item_data.to_dict()
                fields.append(fields_item)

        fields_version = self.fields_version

        parties: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.parties, Unset):
            parties = []
            for parties_item_data in self.parties:
                parties_item = parties_item_data.to_dict()
                parties.append(parties_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if fields is not UNSET:
            field_dict["fields"] = fields
        if fields_version is not UNSET:
            field_dict["fields_version"] = fields_version
        if parties is not UNSET:
            field_dict["parties"] = parties

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.field_input import FieldInput  # noqa: PLC0415
        from ..models.party_input import PartyInput  # noqa: PLC0415

        d = dict(src_dict)
        _fields = d.pop("fields", UNSET)
        fields: list[FieldInput] | Unset = UNSET
        if _fields is not UNSET:
            fields = []
            for fields_item_data in _fields:
                fields_item = FieldInput.from_dict(fields_item_data)

                fields.append(fields_item)

        fields_version = d.pop("fields_version", UNSET)

        _parties = d.pop("parties", UNSET)
        parties: list[PartyInput] | Unset = UNSET
        if _parties is not UNSET:
            parties = []
            for parties_item_data in _parties:
                parties_item = PartyInput.from_dict(parties_item_data)

                parties.append(parties_item)

        send_envelope_request = cls(
            fields=fields,
            fields_version=fields_version,
            parties=parties,
        )

        send_envelope_request.additional_properties = d
        return send_envelope_request

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
