"""The emulator's OAuth 2.0 authorization server: how Atlas lets hosted agents act for a user.

An independent implementation of the contract, written from the RFCs and not from the client: it
imports nothing from ``atlas_async.oauth`` or the generated layer, so a client bug cannot hide behind
a shared helper. What it implements:

- RFC 8414 metadata at ``/.well-known/oauth-authorization-server`` (exactly the values Atlas publishes);
- RFC 7591 dynamic registration of public clients (``token_endpoint_auth_method: none``);
- RFC 6749 authorization code grant with RFC 7636 PKCE, S256 only, ``state`` required;
- refresh tokens that rotate on every use; replaying a rotated one revokes the whole grant
  (the reuse detection of RFC 9700 section 4.14.2);
- RFC 7009 revocation.

Consent is not interactive: ``approve(client_id, scopes) -> org_id | None`` (or the shortcut
``consent_org_id``) decides, so tests and the emulator can grant or refuse without a browser.
Time comes from an injectable clock so tests expire codes and tokens without sleeping.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ._oauth_rules import (
    ACCESS_PREFIX,
    CODE_PREFIX,
    GRANT_TYPES,
    NO_STORE,
    PKCE_PATTERN,
    REFRESH_PREFIX,
    SCOPES_SUPPORTED,
    Approver,
    Client,
    Code,
    Family,
    OAuthFailure,
    OAuthGrant,
    Refresh,
    add_query,
    parse_scope,
    redirect_matches,
    s256,
    scope_str,
    validate_registration,
)

__all__ = ["OAuthGrant", "OAuthServer"]


class OAuthServer:
    """An in-memory OAuth 2.0 authorization server for the Atlas emulator.

    ``issuer`` is the base URL clients discover (``https://atlaswork.ai`` in production); when it is
    None the issuer is taken from each request's base URL, which suits a server on a random port.
    ``approve(client_id, scopes)`` returns the org id the user consents for, or None to refuse;
    ``consent_org_id`` is the shortcut "approve everything for this org". With neither set, every
    authorization is refused with ``access_denied``.
    """

    def __init__(
        self,
        issuer: str | None = None,
        clock: Callable[[], float] | None = None,
        access_token_ttl: float = 3600,
        refresh_token_ttl: float = 30 * 86400,
        *,
        code_ttl: float = 600,
        consent_org_id: str | None = None,
        approve: Approver | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/") if issuer else None
        self.clock: Callable[[], float] = clock or time.time
        self.access_token_ttl = access_token_ttl
        self.refresh_token_ttl = refresh_token_ttl
        self.code_ttl = code_ttl
        self.consent_org_id = consent_org_id
        self.approve = approve
        # Handlers never await while they mutate state, but the emulator can also run under
        # uvicorn with its REST auth called from elsewhere; one lock keeps every change atomic.
        self._lock = threading.Lock()
        self._clients: dict[str, Client] = {}
        self._codes: dict[str, Code] = {}
        self._access: dict[str, OAuthGrant] = {}
        self._access_family: dict[str, str] = {}
        self._refresh: dict[str, Refresh] = {}
        self._families: dict[str, Family] = {}

    # ---- public surface used by the emulator -------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        return [
            Route(
                "/.well-known/oauth-authorization-server", self._metadata_endpoint, methods=["GET"]
            ),
            Route("/oauth/register", self._register_endpoint, methods=["POST"]),
            Route("/oauth/authorize", self._authorize_endpoint, methods=["GET"]),
            Route("/oauth/token", self._token_endpoint, methods=["POST"]),
            Route("/oauth/revoke", self._revoke_endpoint, methods=["POST"]),
        ]

    def metadata(self, issuer: str | None = None) -> dict[str, Any]:
        """The RFC 8414 document, with the values Atlas publishes."""
        base = (issuer or self.issuer or "").rstrip("/")
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "registration_endpoint": f"{base}/oauth/register",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": list(GRANT_TYPES),
            "response_types_supported": ["code"],
            "token_endpoint_auth_methods_supported": ["none"],
            "scopes_supported": list(SCOPES_SUPPORTED),
        }

    def authenticate_access_token(self, token: str) -> OAuthGrant | None:
        """The grant behind a valid, unexpired, unrevoked access token; None for anything else."""
        with self._lock:
            grant = self._access.get(token)
            if grant is None:
                return None
            if self.clock() >= grant.expires_at:
                self._drop_access(token)
                return None
            return grant

    def revoke_all(self, client_id: str | None = None) -> None:
        """Revoke every token (of one client, when given): "the user disconnected the app"."""
        with self._lock:
            families = [
                name
                for name, family in self._families.items()
                if client_id is None or family.client_id == client_id
            ]
            for family in families:
                self._revoke_family(family)

    # ---- endpoints ----------------------------------------------------------------------------

    def _issuer_for(self, request: Request) -> str:
        return self.issuer or str(request.base_url).rstrip("/")

    async def _metadata_endpoint(self, request: Request) -> Response:
        return JSONResponse(self.metadata(self._issuer_for(request)))

    async def _register_endpoint(self, request: Request) -> Response:
        try:
            try:
                body = await request.json()
            except ValueError:
                raise OAuthFailure(
                    "invalid_client_metadata", "the body must be a JSON object"
                ) from None
            client = validate_registration(body, self.clock())
        except OAuthFailure as failure:
            return failure.response()
        with self._lock:
            self._clients[client.client_id] = client
        return JSONResponse(
            {
                "client_id": client.client_id,
                "client_id_issued_at": client.issued_at,
                "client_name": client.client_name,
                "redirect_uris": client.redirect_uris,
                "grant_types": client.grant_types,
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
                "scope": scope_str(client.scopes),
            },
            status_code=201,
            headers=NO_STORE,
        )

    async def _authorize_endpoint(self, request: Request) -> Response:
        q = request.query_params
        client_id = q.get("client_id")
        with self._lock:
            client = self._clients.get(client_id or "")
        # RFC 6749 section 4.1.2.1: with an unknown client or a bad redirect URI, never redirect
        # (that would make the server an open redirector); answer the user agent directly.
        if client is None:
            return OAuthFailure("invalid_client", "unknown client_id", 400).response()
        given = q.get("redirect_uri")
        if given is None:
            # RFC 6749 would allow omitting it for a single registered URI; the contract does not.
            return OAuthFailure("invalid_request", "redirect_uri is required").response()
        if any(redirect_matches(r, given) for r in client.redirect_uris):
            redirect_uri = given
        else:
            return OAuthFailure(
                "invalid_request", "redirect_uri does not match a registered URI"
            ).response()

        state = q.get("state")

        def fail(error: str, description: str) -> Response:
            params = [("error", error), ("error_description", description)]
            if state:
                params.append(("state", state))
            return RedirectResponse(add_query(redirect_uri, params), status_code=302)

        if q.get("response_type") != "code":
            return fail("unsupported_response_type", "response_type must be 'code'")
        if not state:
            return fail("invalid_request", "state is required")
        challenge = q.get("code_challenge")
        if not challenge:
            return fail("invalid_request", "code_challenge is required (PKCE)")
        if q.get("code_challenge_method") != "S256":
            return fail("invalid_request", "code_challenge_method must be S256")
        if not PKCE_PATTERN.match(challenge):
            return fail("invalid_request", "code_challenge is malformed")
        if "authorization_code" not in client.grant_types:
            return fail("unauthorized_client", "client did not register authorization_code")
        scopes = parse_scope(q.get("scope")) or client.scopes
        if not scopes <= client.scopes:
            return fail("invalid_scope", "scope exceeds what the client registered")

        org_id = self._consent(client.client_id, scopes)
        if org_id is None:
            return fail("access_denied", "the user did not approve the request")

        code = CODE_PREFIX + secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = Code(
                client_id=client.client_id,
                redirect_uri=redirect_uri,
                scopes=scopes,
                org_id=org_id,
                challenge=challenge,
                expires_at=self.clock() + self.code_ttl,
                family=secrets.token_hex(8),
            )
        return RedirectResponse(
            add_query(redirect_uri, [("code", code), ("state", state)]), status_code=302
        )

    def _consent(self, client_id: str, scopes: frozenset[str]) -> str | None:
        if self.approve is not None:
            return self.approve(client_id, scopes)
        return self.consent_org_id

    async def _token_endpoint(self, request: Request) -> Response:
        try:
            form = await self._form(request)
            grant_type = form.get("grant_type")
            if not grant_type:
                raise OAuthFailure("invalid_request", "grant_type is required")
            if grant_type == "authorization_code":
                body = self._redeem_code(form)
            elif grant_type == "refresh_token":
                body = self._redeem_refresh(form)
            else:
                raise OAuthFailure(
                    "unsupported_grant_type", f"unsupported grant_type {grant_type!r}"
                )
        except OAuthFailure as failure:
            return failure.response()
        return JSONResponse(body, headers=NO_STORE)

    async def _form(self, request: Request) -> dict[str, str]:
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            raise OAuthFailure(
                "invalid_request", "the body must be application/x-www-form-urlencoded"
            )
        pairs = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        form: dict[str, str] = {}
        for key, value in pairs:
            if key in form:  # RFC 6749 section 3.2: parameters must not be repeated
                raise OAuthFailure("invalid_request", f"parameter {key!r} is repeated")
            form[key] = value
        return form

    def _client_for(self, form: dict[str, str], grant_type: str) -> Client:
        client_id = form.get("client_id")
        if not client_id:
            raise OAuthFailure("invalid_request", "client_id is required for public clients")
        client = self._clients.get(client_id)
        if client is None:
            raise OAuthFailure("invalid_client", "unknown client_id", 401)
        if grant_type not in client.grant_types:
            raise OAuthFailure("unauthorized_client", f"client did not register {grant_type}")
        return client

    def _redeem_code(self, form: dict[str, str]) -> dict[str, Any]:
        code_value = form.get("code")
        verifier = form.get("code_verifier")
        if not code_value:
            raise OAuthFailure("invalid_request", "code is required")
        if not verifier:
            raise OAuthFailure("invalid_request", "code_verifier is required (PKCE)")
        with self._lock:
            client = self._client_for(form, "authorization_code")
            code = self._codes.get(code_value)
            if code is None or code.client_id != client.client_id:
                raise OAuthFailure("invalid_grant", "unknown authorization code")
            if code.used:
                # RFC 6749 section 4.1.2: a replayed code revokes what it already issued.
                self._revoke_family(code.family)
                raise OAuthFailure("invalid_grant", "authorization code was already used")
            code.used = True  # one attempt per code, successful or not: no verifier guessing
            if self.clock() >= code.expires_at:
                raise OAuthFailure("invalid_grant", "authorization code expired")
            if form.get("redirect_uri") != code.redirect_uri:  # RFC 6749 section 4.1.3
                raise OAuthFailure(
                    "invalid_grant", "redirect_uri differs from the authorization request"
                )
            if not PKCE_PATTERN.match(verifier) or not hmac.compare_digest(
                s256(verifier), code.challenge
            ):
                raise OAuthFailure("invalid_grant", "code_verifier does not match code_challenge")
            return self._issue(client, code.scopes, code.org_id, code.family, code.scopes)

    def _redeem_refresh(self, form: dict[str, str]) -> dict[str, Any]:
        value = form.get("refresh_token")
        if not value:
            raise OAuthFailure("invalid_request", "refresh_token is required")
        with self._lock:
            client = self._client_for(form, "refresh_token")
            old = self._refresh.get(value)
            if old is None or old.client_id != client.client_id:
                raise OAuthFailure("invalid_grant", "unknown or revoked refresh token")
            if old.used:
                # A rotated token came back: either the client lost a response or the token was
                # stolen. Either way the grant is no longer trustworthy (RFC 9700 4.14.2).
                self._revoke_family(old.family)
                raise OAuthFailure(
                    "invalid_grant", "refresh token was already used; the grant is revoked"
                )
            if self.clock() >= old.expires_at:
                raise OAuthFailure("invalid_grant", "refresh token expired")
            requested = parse_scope(form.get("scope")) or old.scopes
            if not requested <= old.scopes:
                raise OAuthFailure("invalid_scope", "scope exceeds the original grant")
            old.used = True
            return self._issue(client, requested, old.org_id, old.family, old.scopes)

    def _issue(
        self,
        client: Client,
        scopes: frozenset[str],
        org_id: str,
        family: str,
        refresh_scopes: frozenset[str],
    ) -> dict[str, Any]:
        now = self.clock()
        access = ACCESS_PREFIX + secrets.token_urlsafe(32)
        fam = self._families.setdefault(family, Family(client.client_id))
        self._access[access] = OAuthGrant(
            org_id=org_id,
            client_id=client.client_id,
            scopes=scopes,
            expires_at=now + self.access_token_ttl,
        )
        self._access_family[access] = family
        fam.access.add(access)
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": int(self.access_token_ttl),
            "scope": scope_str(scopes),
        }
        if "refresh_token" in client.grant_types:
            refresh = REFRESH_PREFIX + secrets.token_urlsafe(32)
            self._refresh[refresh] = Refresh(
                client_id=client.client_id,
                scopes=refresh_scopes,
                org_id=org_id,
                family=family,
                expires_at=now + self.refresh_token_ttl,
            )
            fam.refresh.add(refresh)
            body["refresh_token"] = refresh
        return body

    async def _revoke_endpoint(self, request: Request) -> Response:
        try:
            form = await self._form(request)
        except OAuthFailure as failure:
            return failure.response()
        token = form.get("token")
        if not token:
            return OAuthFailure("invalid_request", "token is required").response()
        client_id = form.get("client_id")
        with self._lock:
            refresh = self._refresh.get(token)
            access = self._access.get(token)
            owner = refresh.client_id if refresh else access.client_id if access else None
            # RFC 7009 section 2.2: an unknown token is not an error; nor do we reveal whether a
            # token belongs to someone else, we simply leave it alone.
            if owner is not None and (client_id is None or client_id == owner):
                if refresh is not None:
                    # Revoking a refresh token ends the grant, access tokens included (2.1).
                    self._revoke_family(refresh.family)
                else:
                    self._drop_access(token)
        return Response(status_code=200, headers=NO_STORE)

    # ---- bookkeeping (callers hold the lock) ----------------------------------------------------

    def _drop_access(self, token: str) -> None:
        self._access.pop(token, None)
        family = self._access_family.pop(token, None)
        if family is not None and family in self._families:
            self._families[family].access.discard(token)

    def _revoke_family(self, family: str) -> None:
        fam = self._families.pop(family, None)
        if fam is None:
            return
        for token in fam.access:
            self._access.pop(token, None)
            self._access_family.pop(token, None)
        for token in fam.refresh:
            self._refresh.pop(token, None)
