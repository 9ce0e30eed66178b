from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.error import Error


T = TypeVar("T", bound="ErrorBody")


@_attrs_define
class ErrorBody:
    """Every Atlas error answer. `current_fields_version` is present only on 409 `fields_version_conflict`. Clients must
    still cope with a body that is not this shape (a proxy's HTML 502).

        Attributes:
            error (Error): The error detail. `code` is stable; known codes: bad_request, unauthorized, insufficient_credits,
                forbidden, platform_key_required, account_suspended, not_found, fields_pending, fields_version_conflict,
                invalid_state, not_signed, idempotency_key_in_use, idempotency_key_reused, payload_too_large, remind_cooldown,
                rate_limited, internal_error.
            request_id (str): Also in the X-Request-Id response header.
            current_fields_version (int | Unset): Only on 409 fields_version_conflict: the version to re-read and retry
                with.
    """

    error: Error
    request_id: str
    current_fields_version: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error = self.error.to_dict()

        request_id = self.request_id

        current_fields_version = self.current_fields_version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
                "request_id": request_id,
            }
        )
        if current_fields_version is not UNSET:
            field_dict["current_fields_version"] = current_fields_version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error import Error  # noqa: PLC0415

        d = dict(src_dict)
        error = Error.from_dict(d.pop("error"))

        request_id = d.pop("request_id")

        current_fields_version = d.pop("current_fields_version", UNSET)

        error_body = cls(
            error=error,
            request_id=request_id,
            current_fields_version=current_fields_version,
        )

        error_body.additional_properties = d
        return error_body

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
