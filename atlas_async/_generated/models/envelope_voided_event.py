from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.envelope import Envelope


T = TypeVar("T", bound="EnvelopeVoidedEvent")


@_attrs_define
class EnvelopeVoidedEvent:
    """`envelope.voided`: The sender voided the envelope.

    Attributes:
        created_at (datetime.datetime):
        data (Envelope): An envelope: one document, its fields and its signers.
        envelope_id (str): UUID (kept a plain string: an id is opaque to clients).
        event_id (str): Unique per event; deduplicate on it (deliveries are retried).
        type_ (Literal['envelope.voided']):
    """

    created_at: datetime.datetime
    data: Envelope
    envelope_id: str
    event_id: str
    type_: Literal["envelope.voided"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        data = self.data.to_dict()

        envelope_id = self.envelope_id

        event_id = self.event_id

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "data": data,
                "envelope_id": envelope_id,
                "event_id": event_id,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.envelope import Envelope  # noqa: PLC0415

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        data = Envelope.from_dict(d.pop("data"))

        envelope_id = d.pop("envelope_id")

        event_id = d.pop("event_id")

        type_ = cast(Literal["envelope.voided"], d.pop("type"))
        if type_ != "envelope.voided":
            raise ValueError(f"type must match const 'envelope.voided', got '{type_}'")

        envelope_voided_event = cls(
            created_at=created_at,
            data=data,
            envelope_id=envelope_id,
            event_id=event_id,
            type_=type_,
        )

        envelope_voided_event.additional_properties = d
        return envelope_voided_event

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
