from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class EnvelopeParty(_types.Model):
    """A signer on an envelope. `sign_url` is present only for the party whose turn it is.

    Attributes:
        email (str | None):
        name (str | None):
        order (int | None):
        role (str | None):
        sign_url (None | str): `https://atlaswork.ai/sign/<id>?t=<token>`; the token authenticates decline.
        signed_at (datetime.datetime | None):
        status (str | None): A party's place in sequential signing: `pending` is the party whose turn it is. Clients
            must tolerate values not listed here.
    """

    email: str | None = None
    name: str | None = None
    order: int | None = None
    role: str | None = None
    sign_url: None | str = _attrs_field(default=None, repr=_types.url_repr)
    signed_at: datetime.datetime | None = None
    status: str | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("email", "email", False),
        ("name", "name", False),
        ("order", "order", False),
        ("role", "role", False),
        ("sign_url", "sign_url", False),
        ("signed_at", "signed_at", False),
        ("status", "status", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "email": "email",
        "name": "name",
        "order": "order",
        "role": "role",
        "sign_url": "sign_url",
        "signed_at": "signed_at",
        "status": "status",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        if self.email is not None:
            field_dict["email"] = self.email
        if self.name is not None:
            field_dict["name"] = self.name
        if self.order is not None:
            field_dict["order"] = self.order
        if self.role is not None:
            field_dict["role"] = self.role
        if self.sign_url is not None:
            field_dict["sign_url"] = self.sign_url
        _v = self.signed_at
        if _v is not None:
            field_dict["signed_at"] = _v.isoformat() if isinstance(_v, datetime.datetime) else _v
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
            email = d.pop("email", None)
            name = d.pop("name", None)
            order = d.pop("order", None)
            role = d.pop("role", None)
            sign_url = d.pop("sign_url", None)
            _v = d.pop("signed_at", None)
            _f = "signed_at"
            signed_at = None if _v is None else datetime.datetime.fromisoformat(_v)
            status = d.pop("status", None)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            email,
            name,
            order,
            role,
            sign_url,
            signed_at,
            status,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj
