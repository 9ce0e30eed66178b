from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class OAuthClientRegistrationRequest(_types.Model):
    """RFC 7591 dynamic client registration (public clients: `token_endpoint_auth_method` is `none`).

    Attributes:
        client_name (str):
        redirect_uris (list[str]):
        grant_types (list[str] | None):
        scope (str | None): Space-separated scopes.
        token_endpoint_auth_method (str | None):
    """

    client_name: str
    redirect_uris: list[str]
    grant_types: list[str] | None = None
    scope: str | None = None
    token_endpoint_auth_method: str | None = _attrs_field(default=None, repr=_types.hidden_repr)
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("client_name", "client_name", True),
        ("redirect_uris", "redirect_uris", True),
        ("grant_types", "grant_types", False),
        ("scope", "scope", False),
        ("token_endpoint_auth_method", "token_endpoint_auth_method", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "client_name": "client_name",
        "redirect_uris": "redirect_uris",
        "grant_types": "grant_types",
        "scope": "scope",
        "token_endpoint_auth_method": "token_endpoint_auth_method",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        field_dict["client_name"] = self.client_name
        field_dict["redirect_uris"] = self.redirect_uris
        if self.grant_types is not None:
            field_dict["grant_types"] = self.grant_types
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
            _f = "client_name"
            _v = d.pop("client_name")
            if _v is None:
                raise KeyError("client_name")
            client_name = _v
            _f = "redirect_uris[]"
            _v = d.pop("redirect_uris")
            if _v is None:
                raise KeyError("redirect_uris")
            redirect_uris = _v
            grant_types = d.pop("grant_types", None)
            scope = d.pop("scope", None)
            token_endpoint_auth_method = d.pop("token_endpoint_auth_method", None)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            client_name,
            redirect_uris,
            grant_types,
            scope,
            token_endpoint_auth_method,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj
