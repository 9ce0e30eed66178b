from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class ConnectedAccountCreateResponse(_types.Model):
    """The ``ConnectedAccountCreateResponse`` object of the Atlas API.

    Attributes:
        connected_org_id (str): UUID (kept a plain string: an id is opaque to clients).
        created (bool | None): False when the account already existed (answered with 200).
        external_id (str | None):
        next_step (str | None):
        success (bool | None):
    """

    connected_org_id: str
    created: bool | None = None
    external_id: str | None = None
    next_step: str | None = None
    success: bool | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("connected_org_id", "connected_org_id", True),
        ("created", "created", False),
        ("external_id", "external_id", False),
        ("next_step", "next_step", False),
        ("success", "success", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "connected_org_id": "connected_org_id",
        "created": "created",
        "external_id": "external_id",
        "next_step": "next_step",
        "success": "success",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        field_dict["connected_org_id"] = self.connected_org_id
        if self.created is not None:
            field_dict["created"] = self.created
        if self.external_id is not None:
            field_dict["external_id"] = self.external_id
        if self.next_step is not None:
            field_dict["next_step"] = self.next_step
        if self.success is not None:
            field_dict["success"] = self.success
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
            _f = "connected_org_id"
            _v = d.pop("connected_org_id")
            if _v is None:
                raise KeyError("connected_org_id")
            connected_org_id = _v
            created = d.pop("created", None)
            external_id = d.pop("external_id", None)
            next_step = d.pop("next_step", None)
            success = d.pop("success", None)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            connected_org_id,
            created,
            external_id,
            next_step,
            success,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj
