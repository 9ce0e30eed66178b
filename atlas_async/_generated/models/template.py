from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class Template(_types.Model):
    """A reusable document with fixed roles and fields.

    Attributes:
        template_id (str):
        fields (list[Field] | None):
        name (str | None):
        prefill_keys (list[str] | None):
        roles (list[str] | None):
    """

    template_id: str
    fields: list[Field] | None = None
    name: str | None = None
    prefill_keys: list[str] | None = None
    roles: list[str] | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("template_id", "template_id", True),
        ("fields", "fields", False),
        ("name", "name", False),
        ("prefill_keys", "prefill_keys", False),
        ("roles", "roles", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "template_id": "template_id",
        "fields": "fields",
        "name": "name",
        "prefill_keys": "prefill_keys",
        "roles": "roles",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        field_dict["template_id"] = self.template_id
        _v = self.fields
        if _v is not None:
            field_dict["fields"] = [_i0.to_dict() for _i0 in _v]
        if self.name is not None:
            field_dict["name"] = self.name
        if self.prefill_keys is not None:
            field_dict["prefill_keys"] = self.prefill_keys
        if self.roles is not None:
            field_dict["roles"] = self.roles
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
            _f = "template_id"
            _v = d.pop("template_id", None)
            if _v is None:
                _v = d.pop("id", None)
            if _v is None:
                raise KeyError("template_id")
            template_id = _v
            _v = d.pop("fields", None)
            _f = "fields[]"
            fields = None if _v is None else [Field.from_dict(_i0) for _i0 in _v]
            name = d.pop("name", None)
            prefill_keys = d.pop("prefill_keys", None)
            roles = d.pop("roles", None)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            template_id,
            fields,
            name,
            prefill_keys,
            roles,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj


from ..models.field import Field
