from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ConnectedAccount")


@_attrs_define
class ConnectedAccount:
    """A connected account: an isolated org under a platform (own envelopes, templates, credits).

    Attributes:
        billing_mode (str): Who pays for a connected account's envelopes: the platform's pool (default) or the account's
            own pool, seeded by `initial_credits`.
        connected_org_id (str): UUID (kept a plain string: an id is opaque to clients).
        external_id (str):
        name (str):
        status (str): While suspended, sends answer 403 and drafts still work.
        created_at (datetime.datetime | Unset):
        credits_ (int | Unset): Remaining credits in the account's own pool (child_pays).
    """

    billing_mode: str
    connected_org_id: str
    external_id: str
    name: str
    status: str
    created_at: datetime.datetime | Unset = UNSET
    credits_: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        billing_mode = self.billing_mode

        connected_org_id = self.connected_org_id

        external_id = self.external_id

        name = self.name

        status = self.status

        created_at: str | Unset = UNSET
        if not isinstance(self.created_at, Unset):
            created_at = self.created_at.isoformat()

        credits_ = self.credits_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "billing_mode": billing_mode,
                "connected_org_id": connected_org_id,
                "external_id": external_id,
                "name": name,
                "status": status,
            }
        )
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if credits_ is not UNSET:
            field_dict["credits"] = credits_

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        billing_mode = d.pop("billing_mode")

        connected_org_id = d.pop("connected_org_id")

        external_id = d.pop("external_id")

        name = d.pop("name")

        status = d.pop("status")

        _created_at = d.pop("created_at", UNSET)
        created_at: datetime.datetime | Unset
        if isinstance(_created_at, Unset):
            created_at = UNSET
        else:
            created_at = datetime.datetime.fromisoformat(_created_at)

        credits_ = d.pop("credits", UNSET)

        connected_account = cls(
            billing_mode=billing_mode,
            connected_org_id=connected_org_id,
            external_id=external_id,
            name=name,
            status=status,
            created_at=created_at,
            credits_=credits_,
        )

        connected_account.additional_properties = d
        return connected_account

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
