from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class EnvelopeProgress(_types.Model):
    """Lightweight signing progress (GET /status): cheap to poll.

    Attributes:
        status (str): Lifecycle state of an envelope. `pending` = sent, awaiting signatures; `signed` = every
            party signed. Clients must tolerate values not listed here.
        next_signer_email (None | str): Null when no one is due.
        sign_url (None | str): Null when no one is due.
        signed_count (int | None):
        total (int | None):
    """

    status: str
    next_signer_email: None | str = None
    sign_url: None | str = _attrs_field(default=None, repr=_types.url_repr)
    signed_count: int | None = None
    total: int | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("status", "status", True),
        ("next_signer_email", "next_signer_email", False),
        ("sign_url", "sign_url", False),
        ("signed_count", "signed_count", False),
        ("total", "total", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "status": "status",
        "next_signer_email": "next_signer_email",
        "sign_url": "sign_url",
        "signed_count": "signed_count",
        "total": "total",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        field_dict["status"] = self.status
        if self.next_signer_email is not None:
            field_dict["next_signer_email"] = self.next_signer_email
        if self.sign_url is not None:
            field_dict["sign_url"] = self.sign_url
        if self.signed_count is not None:
            field_dict["signed_count"] = self.signed_count
        if self.total is not None:
            field_dict["total"] = self.total
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
            _f = "status"
            _v = d.pop("status")
            if _v is None:
                raise KeyError("status")
            status = _v
            next_signer_email = d.pop("next_signer_email", None)
            sign_url = d.pop("sign_url", None)
            signed_count = d.pop("signed_count", None)
            total = d.pop("total", None)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            status,
            next_signer_email,
            sign_url,
            signed_count,
            total,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj
