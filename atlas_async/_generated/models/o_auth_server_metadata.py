from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types as _types


@_attrs_define
class OAuthServerMetadata(_types.Model):
    """RFC 8414 authorization server metadata. Clients read the endpoints from here, never hard-code
    them.

    Attributes:
        authorization_endpoint (str):
        issuer (str):
        token_endpoint (str):
        code_challenge_methods_supported (list[str] | None):
        grant_types_supported (list[str] | None):
        registration_endpoint (str | None):
        response_types_supported (list[str] | None):
        revocation_endpoint (str | None):
        scopes_supported (list[str] | None):
        token_endpoint_auth_methods_supported (list[str] | None):
    """

    authorization_endpoint: str
    issuer: str
    token_endpoint: str = _attrs_field(repr=_types.hidden_repr)
    code_challenge_methods_supported: list[str] | None = None
    grant_types_supported: list[str] | None = None
    registration_endpoint: str | None = None
    response_types_supported: list[str] | None = None
    revocation_endpoint: str | None = None
    scopes_supported: list[str] | None = None
    token_endpoint_auth_methods_supported: list[str] | None = _attrs_field(
        default=None, repr=_types.hidden_repr
    )
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    # (wire name, attribute, required) of every declared field: item access and pydantic use them.
    _atlas_fields: ClassVar[tuple[tuple[str, str, bool], ...]] = (
        ("authorization_endpoint", "authorization_endpoint", True),
        ("issuer", "issuer", True),
        ("token_endpoint", "token_endpoint", True),
        ("code_challenge_methods_supported", "code_challenge_methods_supported", False),
        ("grant_types_supported", "grant_types_supported", False),
        ("registration_endpoint", "registration_endpoint", False),
        ("response_types_supported", "response_types_supported", False),
        ("revocation_endpoint", "revocation_endpoint", False),
        ("scopes_supported", "scopes_supported", False),
        ("token_endpoint_auth_methods_supported", "token_endpoint_auth_methods_supported", False),
    )
    _atlas_names: ClassVar[dict[str, str]] = {
        "authorization_endpoint": "authorization_endpoint",
        "issuer": "issuer",
        "token_endpoint": "token_endpoint",
        "code_challenge_methods_supported": "code_challenge_methods_supported",
        "grant_types_supported": "grant_types_supported",
        "registration_endpoint": "registration_endpoint",
        "response_types_supported": "response_types_supported",
        "revocation_endpoint": "revocation_endpoint",
        "scopes_supported": "scopes_supported",
        "token_endpoint_auth_methods_supported": "token_endpoint_auth_methods_supported",
    }

    def to_dict(self) -> dict[str, Any]:
        """This model as JSON-ready data, keyed by the wire names (``type``, not ``type_``).

        Fields that are None are left out, so a request leaves them to the server's defaults;
        properties the server sent that this SDK does not know are kept.
        """
        field_dict: dict[str, Any] = dict(self.additional_properties)
        field_dict["authorization_endpoint"] = self.authorization_endpoint
        field_dict["issuer"] = self.issuer
        field_dict["token_endpoint"] = self.token_endpoint
        if self.code_challenge_methods_supported is not None:
            field_dict["code_challenge_methods_supported"] = self.code_challenge_methods_supported
        if self.grant_types_supported is not None:
            field_dict["grant_types_supported"] = self.grant_types_supported
        if self.registration_endpoint is not None:
            field_dict["registration_endpoint"] = self.registration_endpoint
        if self.response_types_supported is not None:
            field_dict["response_types_supported"] = self.response_types_supported
        if self.revocation_endpoint is not None:
            field_dict["revocation_endpoint"] = self.revocation_endpoint
        if self.scopes_supported is not None:
            field_dict["scopes_supported"] = self.scopes_supported
        if self.token_endpoint_auth_methods_supported is not None:
            field_dict["token_endpoint_auth_methods_supported"] = (
                self.token_endpoint_auth_methods_supported
            )
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
            _f = "authorization_endpoint"
            _v = d.pop("authorization_endpoint")
            if _v is None:
                raise KeyError("authorization_endpoint")
            authorization_endpoint = _v
            _f = "issuer"
            _v = d.pop("issuer")
            if _v is None:
                raise KeyError("issuer")
            issuer = _v
            _f = "token_endpoint"
            _v = d.pop("token_endpoint")
            if _v is None:
                raise KeyError("token_endpoint")
            token_endpoint = _v
            code_challenge_methods_supported = d.pop("code_challenge_methods_supported", None)
            grant_types_supported = d.pop("grant_types_supported", None)
            registration_endpoint = d.pop("registration_endpoint", None)
            response_types_supported = d.pop("response_types_supported", None)
            revocation_endpoint = d.pop("revocation_endpoint", None)
            scopes_supported = d.pop("scopes_supported", None)
            token_endpoint_auth_methods_supported = d.pop(
                "token_endpoint_auth_methods_supported", None
            )
        except _types.ParseError as exc:
            raise exc.inside(_f) from None
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _types.ParseError.wrap(_f, exc) from None
        # Positional, in declaration order (required fields first): attrs' __init__ parses
        # positional arguments faster than keywords, and this runs once per model per answer.
        obj = cls(
            authorization_endpoint,
            issuer,
            token_endpoint,
            code_challenge_methods_supported,
            grant_types_supported,
            registration_endpoint,
            response_types_supported,
            revocation_endpoint,
            scopes_supported,
            token_endpoint_auth_methods_supported,
        )
        if d:
            # Only properties this SDK does not know are left. (An emptied ``d`` keeps the
            # table it was copied with, 464 bytes for an envelope's 16 keys: the empty dict
            # __init__ made is 64, and a kept model carries one per nested model.)
            obj.additional_properties = d
        return obj
