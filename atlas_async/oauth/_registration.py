"""RFC 7591 dynamic client registration of a public client (no secret: PKCE protects the code)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ._errors import OAuthRegistrationError
from ._http import DEFAULT_TIMEOUT, check_secure_url, json_object, oauth_error, request, session
from ._metadata import ServerMetadata

__all__ = ["ClientRegistration", "normalise_scope", "register_client", "validate_redirect_uri"]

DEFAULT_GRANT_TYPES: tuple[str, ...] = ("authorization_code", "refresh_token")


@dataclass(frozen=True)
class ClientRegistration:
    """What the server registered. Keep ``client_id``: refresh and revocation need it."""

    client_id: str
    redirect_uris: tuple[str, ...]
    client_name: str | None = None
    client_id_issued_at: int | None = None
    grant_types: tuple[str, ...] = ()
    scope: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


def validate_redirect_uri(uri: object) -> str:
    """A redirect URI a public client may use: https, http on loopback, or a private-use scheme
    in reverse-domain form (RFC 8252 sections 7.1 and 7.3). Raise ``ValueError`` otherwise."""
    if isinstance(uri, str):
        scheme = urlsplit(uri).scheme
        if scheme not in ("http", "https") and "." in scheme and "#" not in uri:
            return uri
    return check_secure_url(uri, "redirect URI", loopback_only=True)


def normalise_scope(scope: str | Sequence[str] | None, metadata: ServerMetadata) -> str | None:
    """A space-separated scope string, each scope checked against ``scopes_supported``."""
    if scope is None:
        return None
    scopes = scope.split() if isinstance(scope, str) else list(scope)
    if not scopes or not all(isinstance(s, str) and s and " " not in s for s in scopes):
        raise ValueError(f"scope must be a non-empty string or list of scope names, got {scope!r}")
    if metadata.scopes_supported:
        unknown = [s for s in scopes if s not in metadata.scopes_supported]
        if unknown:
            raise ValueError(
                f"unsupported scope(s) {unknown}; the server offers {list(metadata.scopes_supported)}"
            )
    return " ".join(dict.fromkeys(scopes))


async def register_client(
    metadata: ServerMetadata,
    *,
    client_name: str,
    redirect_uris: Sequence[str],
    scope: str | Sequence[str] | None = None,
    grant_types: Sequence[str] = DEFAULT_GRANT_TYPES,
    extra_metadata: Mapping[str, Any] | None = None,
    http_client: object | None = None,
    request_timeout: float = DEFAULT_TIMEOUT,
) -> ClientRegistration:
    """Register a public client at the discovered ``registration_endpoint``.

    Inputs are checked before any request (``ValueError``). A refusal raises
    :class:`OAuthRegistrationError` whose ``error`` is the server's RFC 7591 code, e.g.
    ``invalid_redirect_uri``.
    """
    if not isinstance(client_name, str) or not client_name.strip():
        raise ValueError("client_name must be a non-empty string")
    if isinstance(redirect_uris, str) or not redirect_uris:
        raise ValueError("redirect_uris must be a non-empty list of URIs (not a single string)")
    uris = [validate_redirect_uri(uri) for uri in redirect_uris]
    scope_str = normalise_scope(scope, metadata)
    if metadata.registration_endpoint is None:
        raise OAuthRegistrationError(
            f"{metadata.issuer} does not offer dynamic client registration "
            "(no registration_endpoint in its metadata)"
        )
    body: dict[str, Any] = {
        **(extra_metadata or {}),
        "client_name": client_name,
        "redirect_uris": uris,
        "grant_types": list(grant_types),
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    }
    if scope_str:
        body["scope"] = scope_str
    async with session(http_client, request_timeout) as client:
        response = await request(client, "POST", metadata.registration_endpoint, json_body=body)
    if response.status_code not in (200, 201):
        raise oauth_error(response, "client registration refused", OAuthRegistrationError)
    doc = json_object(response)
    client_id = doc.get("client_id") if doc else None
    if doc is None or not isinstance(client_id, str) or not client_id:
        raise OAuthRegistrationError("client registration answered without a client_id")
    issued = doc.get("client_id_issued_at")
    returned_uris = doc.get("redirect_uris")
    returned_grants = doc.get("grant_types")
    returned_scope = doc.get("scope")
    name = doc.get("client_name")
    return ClientRegistration(
        client_id=client_id,
        redirect_uris=tuple(returned_uris) if isinstance(returned_uris, list) else tuple(uris),
        client_name=name if isinstance(name, str) else client_name,
        client_id_issued_at=issued if isinstance(issued, int) else None,
        grant_types=tuple(returned_grants)
        if isinstance(returned_grants, list)
        else tuple(grant_types),
        scope=returned_scope if isinstance(returned_scope, str) else scope_str,
        raw=doc,
    )
