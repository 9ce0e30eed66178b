from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class OAuthTokenRequest(_types.Model):
    """Form body of the token endpoint: `authorization_code` (with `code`, `redirect_uri`,
    `code_verifier`) or `refresh_token` (with `refresh_token`).

    Attributes:
        client_id (str):
        grant_type (str): `authorization_code` or `refresh_token`.
        code (str | None):
        code_verifier (str | None):
        redirect_uri (str | None):
        refresh_token (str | None):
        scope (str | None):
    """

    client_id: str
    grant_type: str
    code: str | None = None
    code_verifier: str | None = _attrs_field(default=None, repr=_types.hidden_repr)
    redirect_uri: str | None = None
    refresh_token: str | None = _attrs_field(default=None, repr=_types.hidden_repr)
    scope: str | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("client_id", "client_id", True),
        ("grant_type", "grant_type", True),
        ("code", "code", False),
        ("code_verifier", "code_verifier", False),
        ("redirect_uri", "redirect_uri", False),
        ("refresh_token", "refresh_token", False),
        ("scope", "scope", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "client_id": "client_id",
        "grant_type": "grant_type",
        "code": "code",
        "code_verifier": "code_verifier",
        "redirect_uri": "redirect_uri",
        "refresh_token": "refresh_token",
        "scope": "scope",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        field_dict["client_id"] = self.client_id
        field_dict["grant_type"] = self.grant_type
        if self.code is not None:
            field_dict["code"] = self.code
        if self.code_verifier is not None:
            field_dict["code_verifier"] = self.code_verifier
        if self.redirect_uri is not None:
            field_dict["redirect_uri"] = self.redirect_uri
        if self.refresh_token is not None:
            field_dict["refresh_token"] = self.refresh_token
        if self.scope is not None:
            field_dict["scope"] = self.scope
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
            _f = "grant_type"
            _v = d.pop("grant_type")
            if _v is None:
                raise KeyError("grant_type")
            grant_type = _v
            code = d.pop("code", None)
            code_verifier = d.pop("code_verifier", None)
            redirect_uri = d.pop("redirect_uri", None)
            refresh_token = d.pop("refresh_token", None)
            scope = d.pop("scope", None)
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            client_id,
            grant_type,
            code,
            code_verifier,
            redirect_uri,
            refresh_token,
            scope,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj
