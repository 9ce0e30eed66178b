from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class ConnectedAccount(_types.Model):
    """A connected account: an isolated org under a platform (own envelopes, templates, credits).

    Attributes:
        connected_org_id (str): UUID (kept a plain string: an id is opaque to clients).
        billing_mode (str | None): Who pays for a connected account's envelopes: the platform's pool (default) or the
            account's own pool, seeded by `initial_credits`.
        created_at (datetime.datetime | None):
        credits_ (int | None): Remaining credits in the account's own pool (child_pays).
        external_id (str | None):
        name (str | None):
        status (str | None): While suspended, sends answer 403 and drafts still work.
    """

    connected_org_id: str
    billing_mode: str | None = None
    created_at: datetime.datetime | None = None
    credits_: int | None = None
    external_id: str | None = None
    name: str | None = None
    status: str | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("connected_org_id", "connected_org_id", True),
        ("billing_mode", "billing_mode", False),
        ("created_at", "created_at", False),
        ("credits", "credits_", False),
        ("external_id", "external_id", False),
        ("name", "name", False),
        ("status", "status", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "connected_org_id": "connected_org_id",
        "billing_mode": "billing_mode",
        "created_at": "created_at",
        "credits": "credits_",
        "external_id": "external_id",
        "name": "name",
        "status": "status",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        field_dict["connected_org_id"] = self.connected_org_id
        if self.billing_mode is not None:
            field_dict["billing_mode"] = self.billing_mode
        _v = self.created_at
        if _v is not None:
            field_dict["created_at"] = _v.isoformat()
        if self.credits_ is not None:
            field_dict["credits"] = self.credits_
        if self.external_id is not None:
            field_dict["external_id"] = self.external_id
        if self.name is not None:
            field_dict["name"] = self.name
        if self.status is not None:
            field_dict["status"] = self.status
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
            billing_mode = d.pop("billing_mode", None)
            _v = d.pop("created_at", None)
            _f = "created_at"
            created_at = None if _v is None else datetime.datetime.fromisoformat(_v)
            credits_ = d.pop("credits", None)
            external_id = d.pop("external_id", None)
            name = d.pop("name", None)
            status = d.pop("status", None)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            connected_org_id,
            billing_mode,
            created_at,
            credits_,
            external_id,
            name,
            status,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj
