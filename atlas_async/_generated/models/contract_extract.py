from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.contract_extract_extract import ContractExtractExtract


T = TypeVar("T", bound="ContractExtract")


@_attrs_define
class ContractExtract:
    """Post-sign structured extract of the contract.

    Attributes:
        envelope_id (str): UUID (kept a plain string: an id is opaque to clients).
        extract (ContractExtractExtract):
    """

    envelope_id: str
    extract: ContractExtractExtract
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        envelope_id = self.envelope_id

        extract = self.extract.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "envelope_id": envelope_id,
                "extract": extract,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.contract_extract_extract import ContractExtractExtract  # noqa: PLC0415

        d = dict(src_dict)
        envelope_id = d.pop("envelope_id")

        extract = ContractExtractExtract.from_dict(d.pop("extract"))

        contract_extract = cls(
            envelope_id=envelope_id,
            extract=extract,
        )

        contract_extract.additional_properties = d
        return contract_extract

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
