from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class TemplateSendRequest(_types.Model):
    """Create (and by default dispatch) an envelope from a template.

    Attributes:
        parties (list[Party]): Roles must match the template's roles.
        auto_send (bool | None):  Left out when None (the server's default: True).
        metadata (Metadata | None): Free-form envelope metadata. Known keys: `external_id` (matched by the list filter),
            `is_test`, `send_error` (set when a dispatch failed), `detection_error`.
        prefill (TemplateSendRequestPrefill | None):
        webhook_url (str | None):
    """

    parties: list[Party]
    auto_send: bool | None = None
    metadata: Metadata | None = None
    prefill: TemplateSendRequestPrefill | None = None
    webhook_url: str | None = _attrs_field(default=None, repr=_types.url_repr)
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("parties", "parties", True),
        ("auto_send", "auto_send", False),
        ("metadata", "metadata", False),
        ("prefill", "prefill", False),
        ("webhook_url", "webhook_url", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "parties": "parties",
        "auto_send": "auto_send",
        "metadata": "metadata",
        "prefill": "prefill",
        "webhook_url": "webhook_url",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        field_dict["parties"] = [_i0.to_dict() for _i0 in self.parties]
        if self.auto_send is not None:
            field_dict["auto_send"] = self.auto_send
        _v = self.metadata
        if _v is not None:
            field_dict["metadata"] = _v.to_dict()
        _v = self.prefill
        if _v is not None:
            field_dict["prefill"] = _v.to_dict()
        if self.webhook_url is not None:
            field_dict["webhook_url"] = self.webhook_url
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
            _f = "parties[]"
            _v = d.pop("parties")
            if _v is None:
                raise KeyError("parties")
            parties = [Party.from_dict(_i0) for _i0 in _v]
            auto_send = d.pop("auto_send", None)
            _v = d.pop("metadata", None)
            _f = "metadata"
            metadata = None if _v is None else Metadata.from_dict(_v)
            _v = d.pop("prefill", None)
            _f = "prefill"
            prefill = None if _v is None else TemplateSendRequestPrefill.from_dict(_v)
            webhook_url = d.pop("webhook_url", None)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            parties,
            auto_send,
            metadata,
            prefill,
            webhook_url,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj


from ..models.metadata import Metadata
from ..models.party import Party
from ..models.template_send_request_prefill import TemplateSendRequestPrefill
