"""Tokens and the token endpoint: code exchange, refresh with rotation, revocation (RFC 7009)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from .._secrets import register
from ._errors import OAuthError
from ._http import DEFAULT_TIMEOUT, json_object, oauth_error, request, session
from ._metadata import ServerMetadata

__all__ = ["OAuthTokens", "parse_token_response", "refresh_tokens", "revoke_token"]


@dataclass(frozen=True, repr=False)
class OAuthTokens:
    """An access token and what goes with it. ``expires_at`` is POSIX seconds (wall clock, so it
    survives a restart in a :class:`FileTokenStore`). The repr never shows a token."""

    access_token: str
    token_type: str = "Bearer"
    refresh_token: str | None = None
    expires_at: float | None = None
    scope: str | None = None
    client_id: str | None = None
    issuer: str | None = None

    def __post_init__(self) -> None:
        # From now on no error, log line or CLI output of this process can show them.
        register(self.access_token)
        register(self.refresh_token)

    def __repr__(self) -> str:
        return (
            f"OAuthTokens(access_token='***', refresh_token={'***' if self.refresh_token else None}, "
            f"expires_at={self.expires_at!r}, scope={self.scope!r}, client_id={self.client_id!r}, "
            f"issuer={self.issuer!r})"
        )

    def expires_within(self, seconds: float, *, now: float | None = None) -> bool:
        """True when the access token expires in less than ``seconds`` (never, if unknown)."""
        if self.expires_at is None:
            return False
        return (time.time() if now is None else now) >= self.expires_at - seconds

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OAuthTokens:
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            raise ValueError("stored tokens have no access_token")

        def opt(key: str, kind: type | tuple[type, ...]) -> Any:
            value = data.get(key)
            return value if isinstance(value, kind) and not isinstance(value, bool) else None

        expires = opt("expires_at", (int, float))
        return cls(
            access_token=access,
            token_type=opt("token_type", str) or "Bearer",
            refresh_token=opt("refresh_token", str),
            expires_at=float(expires) if expires is not None else None,
            scope=opt("scope", str),
            client_id=opt("client_id", str),
            issuer=opt("issuer", str),
        )


def parse_token_response(
    body: Mapping[str, Any],
    *,
    now: float,
    client_id: str,
    issuer: str,
    previous: OAuthTokens | None = None,
    requested_scope: str | None = None,
) -> OAuthTokens:
    """RFC 6749 section 5.1, checked: a string ``access_token`` of type Bearer. A refresh answer
    without a new ``refresh_token`` keeps the old one (rotation is the server's choice)."""
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise OAuthError("the token endpoint answered without an access_token")
    token_type = body.get("token_type")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise OAuthError(f"unsupported token_type {token_type!r} (expected Bearer)")
    expires_in = body.get("expires_in")
    if isinstance(expires_in, str) and expires_in.isdigit():
        expires_in = int(expires_in)  # some servers send a string; RFC 6749 says a number
    expires_at = (
        now + float(expires_in)
        if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool)
        else None
    )
    refresh = body.get("refresh_token")
    scope = body.get("scope")
    return OAuthTokens(
        access_token=access,
        token_type="Bearer",
        refresh_token=refresh
        if isinstance(refresh, str) and refresh
        else (previous.refresh_token if previous else None),
        expires_at=expires_at,
        # RFC 6749 section 5.1: an omitted scope means "what was requested" (or granted before).
        scope=scope
        if isinstance(scope, str)
        else (requested_scope or (previous.scope if previous else None)),
        client_id=client_id,
        issuer=issuer,
    )


async def token_request(
    metadata: ServerMetadata,
    form: Mapping[str, str],
    *,
    what: str,
    client_id: str,
    previous: OAuthTokens | None = None,
    requested_scope: str | None = None,
    http_client: object | None,
    request_timeout: float,
    clock: Callable[[], float],
) -> OAuthTokens:
    async with session(http_client, request_timeout) as client:
        sent_at = clock()  # count expiry from before the request: never trust a token too long
        response = await request(client, "POST", metadata.token_endpoint, data=form)
    if response.status_code != 200:
        raise oauth_error(response, f"{what} failed")
    body = json_object(response)
    if body is None:
        raise OAuthError(f"{what}: the token endpoint did not answer with a JSON object")
    return parse_token_response(
        body,
        now=sent_at,
        client_id=client_id,
        issuer=metadata.issuer,
        previous=previous,
        requested_scope=requested_scope,
    )


async def refresh_tokens(
    metadata: ServerMetadata,
    tokens: OAuthTokens,
    *,
    client_id: str | None = None,
    scope: str | None = None,
    http_client: object | None = None,
    request_timeout: float = DEFAULT_TIMEOUT,
    clock: Callable[[], float] = time.time,
) -> OAuthTokens:
    """Trade ``tokens.refresh_token`` for new tokens. The server rotates the refresh token: the
    old one is dead afterwards, so persist the result before anything else. Not retried.

    Raises :class:`InvalidGrantError` when the refresh token is expired, revoked or reused.
    """
    client = client_id or tokens.client_id
    if not client:
        raise ValueError("client_id is required to refresh (it is stored with tokens from login)")
    if not tokens.refresh_token:
        raise OAuthError("these tokens carry no refresh token; log in again")
    form = {
        "grant_type": "refresh_token",
        "refresh_token": tokens.refresh_token,
        "client_id": client,
    }
    if scope:
        form["scope"] = scope
    return await token_request(
        metadata,
        form,
        what="token refresh",
        client_id=client,
        previous=tokens,
        requested_scope=scope,
        http_client=http_client,
        request_timeout=request_timeout,
        clock=clock,
    )


async def revoke_token(
    metadata: ServerMetadata,
    token: str | OAuthTokens,
    *,
    client_id: str | None = None,
    token_type_hint: str | None = None,
    http_client: object | None = None,
    request_timeout: float = DEFAULT_TIMEOUT,
) -> None:
    """RFC 7009 revocation. Given :class:`OAuthTokens`, revokes the refresh token (which ends the
    whole grant) or, without one, the access token. An unknown token is not an error."""
    if isinstance(token, OAuthTokens):
        client_id = client_id or token.client_id
        if token.refresh_token:
            value, token_type_hint = token.refresh_token, "refresh_token"
        else:
            value, token_type_hint = token.access_token, "access_token"
    else:
        value = token
    if not value:
        raise ValueError("nothing to revoke: the token is empty")
    if metadata.revocation_endpoint is None:
        raise OAuthError(f"{metadata.issuer} does not offer token revocation")
    form = {"token": value}
    if client_id:
        form["client_id"] = client_id
    if token_type_hint:
        form["token_type_hint"] = token_type_hint
    async with session(http_client, request_timeout) as client:
        response = await request(client, "POST", metadata.revocation_endpoint, data=form)
    if response.status_code != 200:
        raise oauth_error(response, "token revocation failed")
