from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class OAuthClientRegistration(_types.Model):
    """The ``OAuthClientRegistration`` object of the Atlas API.

    Attributes:
        client_id (str):
        client_id_issued_at (int | None): Unix seconds.
        client_name (str | None):
        grant_types (list[str] | None):
        redirect_uris (list[str] | None):
        scope (str | None):
        token_endpoint_auth_method (str | None):
    """

    client_id: str
    client_id_issued_at: int | None = None
    client_name: str | None = None
    grant_types: list[str] | None = None
    redirect_uris: list[str] | None = None
    scope: str | None = None
    token_endpoint_auth_method: str | None = _attrs_field(default=None, repr=_types.hidden_repr)
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("client_id", "client_id", True),
        ("client_id_issued_at", "client_id_issued_at", False),
        ("client_name", "client_name", False),
        ("grant_types", "grant_types", False),
        ("redirect_uris", "redirect_uris", False),
        ("scope", "scope", False),
        ("token_endpoint_auth_method", "token_endpoint_auth_method", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "client_id": "client_id",
        "client_id_issued_at": "client_id_issued_at",
        "client_name": "client_name",
        "grant_types": "grant_types",
        "redirect_uris": "redirect_uris",
        "scope": "scope",
        "token_endpoint_auth_method": "token_endpoint_auth_method",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        field_dict["client_id"] = self.client_id
        if self.client_id_issued_at is not None:
            field_dict["client_id_issued_at"] = self.client_id_issued_at
        if self.client_name is not None:
            field_dict["client_name"] = self.client_name
        if self.grant_types is not None:
            field_dict["grant_types"] = self.grant_types
        if self.redirect_uris is not None:
            field_dict["redirect_uris"] = self.redirect_uris
        if self.scope is not None:
            field_dict["scope"] = self.scope
        if self.token_endpoint_auth_method is not None:
            field_dict["token_endpoint_auth_method"] = self.token_endpoint_auth_method
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
            _f = "client_id"
            _v = d.pop("client_id")
            if _v is None:
                raise KeyError("client_id")
            client_id = _v
            client_id_issued_at = d.pop("client_id_issued_at", None)
            client_name = d.pop("client_name", None)
            grant_types = d.pop("grant_types", None)
            redirect_uris = d.pop("redirect_uris", None)
            scope = d.pop("scope", None)
            token_endpoint_auth_method = d.pop("token_endpoint_auth_method", None)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            client_id,
            client_id_issued_at,
            client_name,
            grant_types,
            redirect_uris,
            scope,
            token_endpoint_auth_method,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj
