from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="CreateEnvelopeMultipart")


@_attrs_define
class CreateEnvelopeMultipart:
    """Create from an uploaded file (multipart transport). `parties` and `metadata` are JSON strings.

    Attributes:
        file (File): PDF or DOCX bytes (checked by content, not name). At most 25 MB.
        auto_send (str | Unset): Form boolean: `true` or `false` (default `false`).
        metadata (str | Unset): A form field (text/plain) holding a JSON object (Metadata).
        parties (str | Unset): A form field (text/plain) holding a JSON array of PartyInput.
        webhook_url (str | Unset):
    """

    file: File
    auto_send: str | Unset = UNSET
    metadata: str | Unset = UNSET
    parties: str | Unset = UNSET
    webhook_url: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

        auto_send = self.auto_send

        metadata = self.metadata

        parties = self.parties

        webhook_url = self.webhook_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
            }
        )
        if auto_send is not UNSET:
            field_dict["auto_send"] = auto_send
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if parties is not UNSET:
            field_dict["parties"] = parties
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        if not isinstance(self.auto_send, Unset):
            files.append(("auto_send", (None, str(self.auto_send).encode(), "text/plain")))

        if not isinstance(self.metadata, Unset):
            files.append(("metadata", (None, str(self.metadata).encode(), "text/plain")))

        if not isinstance(self.parties, Unset):
            files.append(("parties", (None, str(self.parties).encode(), "text/plain")))

        if not isinstance(self.webhook_url, Unset):
            files.append(("webhook_url", (None, str(self.webhook_url).encode(), "text/plain")))

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        auto_send = d.pop("auto_send", UNSET)

        metadata = d.pop("metadata", UNSET)

        parties = d.pop("parties", UNSET)

        webhook_url = d.pop("webhook_url", UNSET)

        create_envelope_multipart = cls(
            file=file,
            auto_send=auto_send,
            metadata=metadata,
            parties=parties,
            webhook_url=webhook_url,
        )

        create_envelope_multipart.additional_properties = d
        return create_envelope_multipart

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
