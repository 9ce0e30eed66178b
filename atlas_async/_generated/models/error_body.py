from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class ErrorBody(_types.Model):
    """Every Atlas error answer. `current_fields_version` is present only on 409
    `fields_version_conflict`. Clients must still cope with a body that is not this shape (a proxy's
    HTML 502).

    Attributes:
        current_fields_version (int | None): Only on 409 fields_version_conflict: the version to re-read and retry with.
        error (Error | None): The error detail. `code` is stable; known codes: bad_request, unauthorized,
            insufficient_credits, forbidden, platform_key_required, account_suspended, not_found,
            fields_pending, fields_version_conflict, invalid_state, not_signed,
            idempotency_key_in_use, idempotency_key_reused, payload_too_large, remind_cooldown,
            rate_limited, internal_error.
        request_id (str | None): Also in the X-Request-Id response header.
    """

    current_fields_version: int | None = None
    error: Error | None = None
    request_id: str | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("current_fields_version", "current_fields_version", False),
        ("error", "error", False),
        ("request_id", "request_id", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "current_fields_version": "current_fields_version",
        "error": "error",
        "request_id": "request_id",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        if self.current_fields_version is not None:
            field_dict["current_fields_version"] = self.current_fields_version
        _v = self.error
        if _v is not None:
            field_dict["error"] = _v.to_dict()
        if self.request_id is not None:
            field_dict["request_id"] = self.request_id
        return field_dict

    def to_json(self) -> str:
        """This model as a JSON document: ``json.dumps(self.to_dict())``."""
        return json.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        """Build the model from JSON data (a parsed answer).

        Absent optional fields are None. A required field that is missing or null, or a value that
        cannot be what its field says, raises ``ParseError`` naming the field (``parties[].email``).
        """
        _f = ""
        try:
            d = dict(src_dict)
            current_fields_version = d.pop("current_fields_version", None)
            _v = d.pop("error", None)
            _f = "error"
            error = None if _v is None else Error.from_dict(_v)
            request_id = d.pop("request_id", None)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            current_fields_version,
            error,
            request_id,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj


from ..models.error import Error
