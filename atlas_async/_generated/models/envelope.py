from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.detected_party import DetectedParty
    from ..models.field import Field
    from ..models.metadata import Metadata
    from ..models.party import Party


T = TypeVar("T", bound="Envelope")


@_attrs_define
class Envelope:
    """An envelope: one document, its fields and its signers.

    Attributes:
        created_at (datetime.datetime):
        envelope_id (str): UUID (kept a plain string: an id is opaque to clients).
        fields (list[Field]):
        fields_status (str): State of asynchronous field detection. Never send while `pending`; `recovered_empty` = no
            fields found, place them manually (PATCH fields); `failed` = pipeline error, details in
            `metadata.detection_error`. Clients must tolerate values not listed here.
        fields_version (int): Optimistic concurrency token for PATCH fields and send; starts at 1.
        metadata (Metadata): Free-form envelope metadata. Known keys: `external_id` (matched by the list filter),
            `is_test`, `send_error` (set when a dispatch failed), `detection_error`.
        parties (list[Party]):
        status (str): Lifecycle state of an envelope. `pending` = sent, awaiting signatures; `signed` = every party
            signed. Clients must tolerate values not listed here.
        completed_at (datetime.datetime | None | Unset):
        credit_refunded (bool | Unset): Only on void responses: one credit was refunded because no party had signed.
        declined_at (datetime.datetime | None | Unset):
        detected_parties (list[DetectedParty] | Unset):
        review_url (None | str | Unset):
        sent_at (datetime.datetime | None | Unset):
        signed_pdf_url (None | str | Unset): Download URL once `status` is `signed` and the artifact is archived.
        voided_at (datetime.datetime | None | Unset):
        webhook_url (None | str | Unset):
    """

    created_at: datetime.datetime
    envelope_id: str
    fields: list[Field]
    fields_status: str
    fields_version: int
    metadata: Metadata
    parties: list[Party]
    status: str
    completed_at: datetime.datetime | None | Unset = UNSET
    credit_refunded: bool | Unset = UNSET
    declined_at: datetime.datetime | None | Unset = UNSET
    detected_parties: list[DetectedParty] | Unset = UNSET
    review_url: None | str | Unset = UNSET
    sent_at: datetime.datetime | None | Unset = UNSET
    signed_pdf_url: None | str | Unset = UNSET
    voided_at: datetime.datetime | None | Unset = UNSET
    webhook_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        envelope_id = self.envelope_id

        fields = []
        for fields_item_data in self.fields:
            fields_item = fields_item_data.to_dict()
            fields.append(fields_item)

        fields_status = self.fields_status

        fields_version = self.fields_version

        metadata = self.metadata.to_dict()

        parties = []
        for parties_item_data in self.parties:
            parties_item = parties_item_data.to_dict()
            parties.append(parties_item)

        status = self.status

        completed_at: None | str | Unset
        if isinstance(self.completed_at, Unset):
            completed_at = UNSET
        elif isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        credit_refunded = self.credit_refunded

        declined_at: None | str | Unset
        if isinstance(self.declined_at, Unset):
            declined_at = UNSET
        elif isinstance(self.declined_at, datetime.datetime):
            declined_at = self.declined_at.isoformat()
        else:
            declined_at = self.declined_at

        detected_parties: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.detected_parties, Unset):
            detected_parties = []
            for detected_parties_item_data in self.detected_parties:
                detected_parties_item = detected_parties_item_data.to_dict()
                detected_parties.append(detected_parties_item)

        review_url: None | str | Unset
        if isinstance(self.review_url, Unset):
            review_url = UNSET
        else:
            review_url = self.review_url

        sent_at: None | str | Unset
        if isinstance(self.sent_at, Unset):
            sent_at = UNSET
        elif isinstance(self.sent_at, datetime.datetime):
            sent_at = self.sent_at.isoformat()
        else:
            sent_at = self.sent_at

        signed_pdf_url: None | str | Unset
        if isinstance(self.signed_pdf_url, Unset):
            signed_pdf_url = UNSET
        else:
            signed_pdf_url = self.signed_pdf_url

        voided_at: None | str | Unset
        if isinstance(self.voided_at, Unset):
            voided_at = UNSET
        elif isinstance(self.voided_at, datetime.datetime):
            voided_at = self.voided_at.isoformat()
        else:
            voided_at = self.voided_at

        webhook_url: None | str | Unset
        if isinstance(self.webhook_url, Unset):
            webhook_url = UNSET
        else:
            webhook_url = self.webhook_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "envelope_id": envelope_id,
                "fields": fields,
                "fields_status": fields_status,
                "fields_version": fields_version,
                "metadata": metadata,
                "parties": parties,
                "status": status,
            }
        )
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at
        if credit_refunded is not UNSET:
            field_dict["credit_refunded"] = credit_refunded
        if declined_at is not UNSET:
            field_dict["declined_at"] = declined_at
        if detected_parties is not UNSET:
            field_dict["detected_parties"] = detected_parties
        if review_url is not UNSET:
            field_dict["review_url"] = review_url
        if sent_at is not UNSET:
            field_dict["sent_at"] = sent_at
        if signed_pdf_url is not UNSET:
            field_dict["signed_pdf_url"] = signed_pdf_url
        if voided_at is not UNSET:
            field_dict["voided_at"] = voided_at
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.detected_party import DetectedParty  # noqa: PLC0415
        from ..models.field import Field  # noqa: PLC0415
        from ..models.metadata import Metadata  # noqa: PLC0415
        from ..models.party import Party  # noqa: PLC0415

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        envelope_id = d.pop("envelope_id")

        fields = []
        _fields = d.pop("fields")
        for fields_item_data in _fields:
            fields_item = Field.from_dict(fields_item_data)

            fields.append(fields_item)

        fields_status = d.pop("fields_status")

        fields_version = d.pop("fields_version")

        metadata = Metadata.from_dict(d.pop("metadata"))

        parties = []
        _parties = d.pop("parties")
        for parties_item_data in _parties:
            parties_item = Party.from_dict(parties_item_data)

            parties.append(parties_item)

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

        credit_refunded = d.pop("credit_refunded", UNSET)

        def _parse_declined_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                declined_at_type_0 = datetime.datetime.fromisoformat(data)

                return declined_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        declined_at = _parse_declined_at(d.pop("declined_at", UNSET))

        _detected_parties = d.pop("detected_parties", UNSET)
        detected_parties: list[DetectedParty] | Unset = UNSET
        if _detected_parties is not UNSET:
            detected_parties = []
            for detected_parties_item_data in _detected_parties:
                detected_parties_item = DetectedParty.from_dict(detected_parties_item_data)

                detected_parties.append(detected_parties_item)

        def _parse_review_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        review_url = _parse_review_url(d.pop("review_url", UNSET))

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

        def _parse_signed_pdf_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        signed_pdf_url = _parse_signed_pdf_url(d.pop("signed_pdf_url", UNSET))

        def _parse_voided_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                voided_at_type_0 = datetime.datetime.fromisoformat(data)

                return voided_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        voided_at = _parse_voided_at(d.pop("voided_at", UNSET))

        def _parse_webhook_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        webhook_url = _parse_webhook_url(d.pop("webhook_url", UNSET))

        envelope = cls(
            created_at=created_at,
            envelope_id=envelope_id,
            fields=fields,
            fields_status=fields_status,
            fields_version=fields_version,
            metadata=metadata,
            parties=parties,
            status=status,
            completed_at=completed_at,
            credit_refunded=credit_refunded,
            declined_at=declined_at,
            detected_parties=detected_parties,
            review_url=review_url,
            sent_at=sent_at,
            signed_pdf_url=signed_pdf_url,
            voided_at=voided_at,
            webhook_url=webhook_url,
        )

        envelope.additional_properties = d
        return envelope

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
