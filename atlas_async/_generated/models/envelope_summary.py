from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.metadata import Metadata


T = TypeVar("T", bound="EnvelopeSummary")


@_attrs_define
class EnvelopeSummary:
    """An envelope as listed.

    Attributes:
        created_at (datetime.datetime):
        envelope_id (str): UUID (kept a plain string: an id is opaque to clients).
        fields_status (str): State of asynchronous field detection. Never send while `pending`; `recovered_empty` = no
            fields found, place them manually (PATCH fields); `failed` = pipeline error, details in
            `metadata.detection_error`. Clients must tolerate values not listed here.
        status (str): Lifecycle state of an envelope. `pending` = sent, awaiting signatures; `signed` = every party
            signed. Clients must tolerate values not listed here.
        completed_at (datetime.datetime | None | Unset):
        metadata (Metadata | Unset): Free-form envelope metadata. Known keys: `external_id` (matched by the list
            filter), `is_test`, `send_error` (set when a dispatch failed), `detection_error`.
        sent_at (datetime.datetime | None | Unset):
    """

    created_at: datetime.datetime
    envelope_id: str
    fields_status: str
    status: str
    completed_at: datetime.datetime | None | Unset = UNSET
    metadata: Metadata | Unset = UNSET
    sent_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        envelope_id = self.envelope_id

        fields_status = self.fields_status

        status = self.status

        completed_at: None | str | Unset
        if isinstance(self.completed_at, Unset):
            completed_at = UNSET
        elif isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        sent_at: None | str | Unset
        if isinstance(self.sent_at, Unset):
            sent_at = UNSET
        elif isinstance(self.sent_at, datetime.datetime):
            sent_at = self.sent_at.isoformat()
        else:
            sent_at = self.sent_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "envelope_id": envelope_id,
                "fields_status": fields_status,
                "status": status,
            }
        )
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if sent_at is not UNSET:
            field_dict["sent_at"] = sent_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.metadata import Metadata  # noqa: PLC0415

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        envelope_id = d.pop("envelope_id")

        fields_status = d.pop("fields_status")

        status = d.pop("status")

        def _parse_completed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)

                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        completed_at = _parse_completed_at(d.pop("completed_at", UNSET))

        _metadata = d.pop("metadata", UNSET)
        metadata: Metadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = Metadata.from_dict(_metadata)

        def _parse_sent_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                sent_at_type_0 = datetime.datetime.fromisoformat(data)

                return sent_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        sent_at = _parse_sent_at(d.pop("sent_at", UNSET))

        envelope_summary = cls(
            created_at=created_at,
            envelope_id=envelope_id,
            fields_status=fields_status,
            status=status,
            completed_at=completed_at,
            metadata=metadata,
            sent_at=sent_at,
        )

        envelope_summary.additional_properties = d
        return envelope_summary

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
