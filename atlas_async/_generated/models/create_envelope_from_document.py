from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.metadata import Metadata
    from ..models.party_input import PartyInput


T = TypeVar("T", bound="CreateEnvelopeFromDocument")


@_attrs_define
class CreateEnvelopeFromDocument:
    """Create from base64-encoded PDF or DOCX bytes (JSON transport).

    Attributes:
        document (str): Base64 PDF or DOCX bytes.
        auto_send (bool | Unset): Dispatch right away (spends one credit; 402 when none left). Default: False.
        filename (str | Unset): Original file name, kept for display.
        metadata (Metadata | Unset): Free-form envelope metadata. Known keys: `external_id` (matched by the list
            filter), `is_test`, `send_error` (set when a dispatch failed), `detection_error`.
        parties (list[PartyInput] | Unset):
        webhook_url (str | Unset):
    """

    document: str
    auto_send: bool | Unset = False
    filename: str | Unset = UNSET
    metadata: Metadata | Unset = UNSET
    parties: list[PartyInput] | Unset = UNSET
    webhook_url: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        document = self.document

        auto_send = self.auto_send

        filename = self.filename

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        parties: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.parties, Unset):
            parties = []
            for parties_item_data in self.parties:
                parties_item = parties_item_data.to_dict()
                parties.append(parties_item)

        webhook_url = self.webhook_url

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "document": document,
            }
        )
        if auto_send is not UNSET:
            field_dict["auto_send"] = auto_send
        if filename is not UNSET:
            field_dict["filename"] = filename
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if parties is not UNSET:
            field_dict["parties"] = parties
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.metadata import Metadata  # noqa: PLC0415
        from ..models.party_input import PartyInput  # noqa: PLC0415

        d = dict(src_dict)
        document = d.pop("document")

        auto_send = d.pop("auto_send", UNSET)

        filename = d.pop("filename", UNSET)

        _metadata = d.pop("metadata", UNSET)
        metadata: Metadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = Metadata.from_dict(_metadata)

        _parties = d.pop("parties", UNSET)
        parties: list[PartyInput] | Unset = UNSET
        if _parties is not UNSET:
            parties = []
            for parties_item_data in _parties:
                parties_item = PartyInput.from_dict(parties_item_data)

                parties.append(parties_item)

        webhook_url = d.pop("webhook_url", UNSET)

        create_envelope_from_document = cls(
            document=document,
            auto_send=auto_send,
            filename=filename,
            metadata=metadata,
            parties=parties,
            webhook_url=webhook_url,
        )

        return create_envelope_from_document
