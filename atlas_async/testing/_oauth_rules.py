"""The rules of the emulator's OAuth server: its records, its errors, and what is valid.

What a client may register (RFC 7591), which redirect URIs match (RFC 8252 loopback ports), how a
PKCE challenge is computed (RFC 7636): the pure parts of :mod:`._oauth_server`, which keeps the
endpoints and the token bookkeeping.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.responses import JSONResponse

__all__ = [
    "ACCESS_PREFIX",
    "CODE_PREFIX",
    "GRANT_TYPES",
    "NO_STORE",
    "PKCE_PATTERN",
    "REFRESH_PREFIX",
    "SCOPES_SUPPORTED",
    "Approver",
    "Client",
    "Code",
    "Family",
    "OAuthFailure",
    "OAuthGrant",
    "Refresh",
    "add_query",
    "parse_scope",
    "redirect_matches",
    "s256",
    "scope_str",
    "validate_registration",
]

SCOPES_SUPPORTED: tuple[str, ...] = (
    "envelopes:read",
    "envelopes:write",
    "templates:read",
    "templates:write",
)
GRANT_TYPES: tuple[str, ...] = ("authorization_code", "refresh_token")

# Prefixes keep OAuth tokens visibly distinct from API keys (atlas_live_..., test_...), so the
# emulator's REST auth can tell them apart and a leaked token in a log is recognisable.
ACCESS_PREFIX = "aoat_"
REFRESH_PREFIX = "aort_"
CODE_PREFIX = "aoac_"

PKCE_PATTERN = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")  # RFC 7636 sections 4.1 and 4.2
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}  # RFC 6749 section 5.1

Approver = Callable[[str, frozenset[str]], str | None]


@dataclass(frozen=True)
class OAuthGrant:
    """What a valid access token stands for: whose org, which client, which scopes, until when."""

    org_id: str
    client_id: str
    scopes: frozenset[str]
    expires_at: float


@dataclass
class Client:
    client_id: str
    client_name: str
    redirect_uris: list[str]
    grant_types: list[str]
    scopes: frozenset[str]
    issued_at: int


@dataclass
class Code:
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    org_id: str
    challenge: str
    expires_at: float
    family: str
    used: bool = False


@dataclass
class Refresh:
    client_id: str
    scopes: frozenset[str]
    org_id: str
    family: str
    expires_at: float
    used: bool = False


@dataclass
class Family:
    """Every token descended from one authorization code; revoked together on replay."""

    client_id: str
    access: set[str] = field(default_factory=set)
    refresh: set[str] = field(default_factory=set)


class OAuthFailure(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> JSONResponse:
        headers = dict(NO_STORE)
        if self.status == 401:
            headers["WWW-Authenticate"] = f'Bearer error="{self.error}"'
        return JSONResponse(
            {"error": self.error, "error_description": self.description},
            status_code=self.status,
            headers=headers,
        )


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _is_loopback_http(parts: Any) -> bool:
    return bool(parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK_HOSTS)


def _redirect_uri_problem(uri: object) -> str | None:
    """Why ``uri`` may not be registered as a redirect URI, or None when it may."""
    if not isinstance(uri, str) or not uri:
        return "each redirect URI must be a non-empty string"
    try:
        parts = urlsplit(uri)
    except ValueError:
        return f"{uri!r} is not a valid URI"
    if parts.fragment:
        return f"{uri!r} must not contain a fragment (RFC 6749 section 3.1.2)"
    if parts.scheme == "https" and parts.hostname:
        return None
    if _is_loopback_http(parts):
        return None  # native apps on loopback (RFC 8252 section 7.3)
    if parts.scheme and "." in parts.scheme and parts.scheme not in ("http", "https"):
        return None  # private-use URI scheme in reverse-domain form (RFC 8252 section 7.1)
    return f"{uri!r} must use https, http on a loopback address, or a private-use scheme"


def redirect_matches(registered: str, given: str) -> bool:
    if registered == given:
        return True
    # RFC 8252 section 7.3: loopback redirect URIs match with any port, since a native app picks
    # an ephemeral port at run time.
    r, g = urlsplit(registered), urlsplit(given)
    return (
        _is_loopback_http(r)
        and _is_loopback_http(g)
        and r.hostname == g.hostname
        and r.path == g.path
        and r.query == g.query
    )


def add_query(uri: str, params: Iterable[tuple[str, str]]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params)
    return urlunsplit(parts._replace(query=urlencode(query)))


def parse_scope(raw: str | None) -> frozenset[str]:
    return frozenset(raw.split()) if raw else frozenset()


def scope_str(scopes: frozenset[str]) -> str:
    return " ".join(sorted(scopes))


def validate_registration(body: object, now: float) -> Client:
    """An RFC 7591 registration request checked against the contract; the client to register."""
    if not isinstance(body, dict):
        raise OAuthFailure("invalid_client_metadata", "the body must be a JSON object")
    uris = body.get("redirect_uris")
    if not isinstance(uris, list) or not uris:
        raise OAuthFailure(
            "invalid_redirect_uri", "redirect_uris must be a non-empty array of URIs"
        )
    for uri in uris:
        problem = _redirect_uri_problem(uri)
        if problem:
            raise OAuthFailure("invalid_redirect_uri", problem)
    method = body.get("token_endpoint_auth_method", "none")
    if method != "none":
        raise OAuthFailure(
            "invalid_client_metadata",
            "only public clients may register: token_endpoint_auth_method must be 'none'",
        )
    grant_types = body.get("grant_types", ["authorization_code"])  # RFC 7591 default
    if (
        not isinstance(grant_types, list)
        or not grant_types
        or any(g not in GRANT_TYPES for g in grant_types)
    ):
        raise OAuthFailure(
            "invalid_client_metadata",
            f"grant_types must be a non-empty subset of {list(GRANT_TYPES)}",
        )
    response_types = body.get("response_types", ["code"])
    if response_types != ["code"]:
        raise OAuthFailure("invalid_client_metadata", "response_types must be ['code']")
    raw_scope = body.get("scope")
    if "scope" in body and not isinstance(raw_scope, str):  # null is not "the default"
        raise OAuthFailure("invalid_client_metadata", "scope must be a space-separated string")
    scopes = parse_scope(raw_scope) or frozenset(SCOPES_SUPPORTED)
    unknown = scopes - set(SCOPES_SUPPORTED)
    if unknown:
        raise OAuthFailure(
            "invalid_client_metadata", f"unsupported scope(s): {' '.join(sorted(unknown))}"
        )
    name = body.get("client_name")
    # RFC 7591 makes client_name optional; Atlas's contract requires it (the consent screen
    # names the agent), so the emulator does too.
    if not isinstance(name, str) or not name.strip():
        raise OAuthFailure("invalid_client_metadata", "client_name is required")
    return Client(
        client_id="aocl_" + secrets.token_urlsafe(16),
        client_name=name,
        redirect_uris=list(uris),
        grant_types=list(grant_types),
        scopes=scopes,
        issued_at=int(now),
    )
