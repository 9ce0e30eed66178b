"""atlas_async.oauth end to end against the emulator's authorization server, in process."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from atlas_async import APIConnectionError
from atlas_async.oauth import (
    AuthorizationDeniedError,
    AuthorizationRequest,
    InvalidGrantError,
    OAuthDiscoveryError,
    OAuthError,
    OAuthRegistrationError,
    OAuthTokenProvider,
    OAuthTokens,
    ServerMetadata,
    StateMismatchError,
    code_challenge,
    discover,
    exchange_code,
    generate_code_verifier,
    refresh_tokens,
    register_client,
    revoke_token,
    start_authorization,
)
from atlas_async.testing._oauth_server import OAuthServer

from .conftest import ISSUER, ORG, Counter, FakeClock

pytestmark = pytest.mark.anyio

REDIRECT = "http://127.0.0.1:8123/callback"


async def authorize(http: httpx.AsyncClient, request: AuthorizationRequest) -> str:
    """What the browser does: visit the URL, get redirected back with the code."""
    response = await http.get(request.url)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT)
    return location


async def begin(
    http: httpx.AsyncClient, scope: str | None = None
) -> tuple[ServerMetadata, AuthorizationRequest]:
    metadata = await discover(ISSUER, http_client=http)
    reg = await register_client(
        metadata, client_name="flow test", redirect_uris=[REDIRECT], scope=scope, http_client=http
    )
    return metadata, start_authorization(
        metadata, client_id=reg.client_id, redirect_uri=REDIRECT, scope=scope
    )


async def logged_in(
    http: httpx.AsyncClient, clock: FakeClock
) -> tuple[ServerMetadata, OAuthTokens]:
    metadata, request = await begin(http)
    callback = await authorize(http, request)
    return metadata, await exchange_code(metadata, request, callback, http_client=http, clock=clock)


async def whoami(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.get("/api/me", headers={"Authorization": f"Bearer {token}"})


# ---- discovery --------------------------------------------------------------------------------


async def test_discover_reads_metadata_and_mcp_manifest(http: httpx.AsyncClient) -> None:
    metadata = await discover(ISSUER + "/", http_client=http)
    assert metadata.issuer == ISSUER
    assert metadata.token_endpoint == f"{ISSUER}/oauth/token"
    assert metadata.registration_endpoint == f"{ISSUER}/oauth/register"
    assert metadata.revocation_endpoint == f"{ISSUER}/oauth/revoke"
    assert "S256" in metadata.code_challenge_methods_supported
    assert "envelopes:write" in metadata.scopes_supported
    assert metadata.mcp_endpoint == f"{ISSUER}/api/mcp"


def doc(**changes: Any) -> dict[str, Any]:
    base = OAuthServer(ISSUER).metadata()
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(
    ("document", "status", "match"),
    [
        (doc(issuer="https://evil.example"), 200, "does not match"),
        (doc(code_challenge_methods_supported=["plain"]), 200, "S256"),
        (doc(code_challenge_methods_supported=None), 200, "S256"),
        (doc(token_endpoint="http://atlas.example/oauth/token"), 200, "HTTPS"),
        (doc(authorization_endpoint=None), 200, "authorization_endpoint"),
        (doc(token_endpoint_auth_methods_supported=["client_secret_basic"]), 200, "public"),
        (["not", "an", "object"], 200, "JSON object"),
        ({"error": "nope"}, 404, "HTTP 404"),
    ],
)
async def test_discover_rejects_unsafe_metadata(document: Any, status: int, match: str) -> None:
    async def well_known(request: Any) -> JSONResponse:
        return JSONResponse(document, status)

    app = Starlette(routes=[Route("/.well-known/oauth-authorization-server", well_known)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        with pytest.raises(OAuthDiscoveryError, match=match):
            await discover(ISSUER, http_client=http)


@pytest.mark.parametrize("base", ["http://atlas.example", "ftp://127.0.0.1", "https://", "x"])
async def test_discover_checks_base_url_before_any_request(app: Counter, base: str) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        with pytest.raises(ValueError, match="base_url"):
            await discover(base, http_client=http)
    assert app.paths == []


async def test_discover_without_server_is_a_connection_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        with pytest.raises(APIConnectionError, match="connection error on GET"):
            await discover(ISSUER, http_client=http)


# ---- registration -------------------------------------------------------------------------------


async def test_register_public_client(http: httpx.AsyncClient) -> None:
    metadata = await discover(ISSUER, http_client=http)
    reg = await register_client(
        metadata,
        client_name="agent",
        redirect_uris=[REDIRECT],
        scope=["envelopes:read"],
        http_client=http,
    )
    assert reg.client_id.startswith("aocl_")
    assert reg.scope == "envelopes:read"
    assert reg.grant_types == ("authorization_code", "refresh_token")


async def test_registration_errors_carry_the_server_code(http: httpx.AsyncClient) -> None:
    metadata = await discover(ISSUER, http_client=http)
    with pytest.raises(OAuthRegistrationError) as info:
        await register_client(
            metadata,
            client_name="agent",
            redirect_uris=[REDIRECT],
            grant_types=["client_credentials"],
            http_client=http,
        )
    assert info.value.error == "invalid_client_metadata"
    assert info.value.status_code == 400
    assert "grant_types" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"redirect_uris": REDIRECT}, "not a single string"),
        ({"redirect_uris": ["http://agent.example/cb"]}, "HTTPS"),
        ({"redirect_uris": [REDIRECT], "scope": "admin"}, "unsupported scope"),
        ({"redirect_uris": [REDIRECT], "client_name": " "}, "client_name"),
    ],
)
async def test_registration_input_checked_before_request(
    http: httpx.AsyncClient, app: Counter, kwargs: dict[str, Any], match: str
) -> None:
    metadata = await discover(ISSUER, http_client=http)
    sent = len(app.paths)
    with pytest.raises(ValueError, match=match):
        await register_client(metadata, **{"client_name": "agent", **kwargs}, http_client=http)
    assert len(app.paths) == sent


# ---- authorization code + PKCE ------------------------------------------------------------------


def test_pkce_s256_matches_rfc7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    assert len(generate_code_verifier()) >= 43
    assert generate_code_verifier() != generate_code_verifier()
    with pytest.raises(ValueError, match="43-128"):
        code_challenge("short")


async def test_authorization_url_uses_the_discovered_endpoint(http: httpx.AsyncClient) -> None:
    metadata = replace(
        await discover(ISSUER, http_client=http),
        authorization_endpoint="https://login.example/authorize?tenant=1",
    )
    request = start_authorization(
        metadata, client_id="c1", redirect_uri=REDIRECT, scope="envelopes:read"
    )
    url = httpx.URL(request.url)
    assert str(url).startswith("https://login.example/authorize?")
    assert url.params["tenant"] == "1"
    assert url.params["code_challenge"] == code_challenge(request.code_verifier)
    assert url.params["code_challenge_method"] == "S256"
    assert url.params["state"] == request.state
    assert url.params["redirect_uri"] == REDIRECT
    assert request.code_verifier not in repr(request)


async def test_authorization_url_is_form_encoded_after_the_endpoints_own_query(
    http: httpx.AsyncClient,
) -> None:
    # Pinned byte for byte: the parameters in RFC 6749's order after the endpoint's own query,
    # form-encoded (a space is "+", reserved characters percent-encoded), as before authlib left.
    metadata = replace(
        await discover(ISSUER, http_client=http),
        authorization_endpoint="https://login.example/authorize?tenant=a%20b&empty=",
    )
    request = start_authorization(
        metadata,
        client_id="c/1 é",
        redirect_uri=REDIRECT,
        scope=["envelopes:read", "envelopes:write"],
    )
    challenge = code_challenge(request.code_verifier)
    assert request.url == (
        "https://login.example/authorize?tenant=a+b&empty=&response_type=code"
        "&client_id=c%2F1+%C3%A9&redirect_uri="
        + quote_plus(REDIRECT)
        + "&scope=envelopes%3Aread+envelopes%3Awrite"
        f"&state={request.state}&code_challenge={challenge}&code_challenge_method=S256"
    )


async def test_code_flow_then_rest_call(
    http: httpx.AsyncClient, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    _, tokens = await logged_in(http, clock)
    assert tokens.client_id is not None
    assert tokens.issuer == ISSUER
    assert tokens.expires_at == clock.now + 3600
    assert tokens.scope == "envelopes:read envelopes:write templates:read templates:write"
    response = await whoami(http, tokens.access_token)
    assert response.status_code == 200
    assert response.json()["org_id"] == ORG
    assert tokens.access_token not in repr(tokens)
    assert tokens.refresh_token is not None
    assert tokens.refresh_token not in repr(tokens)
    for secret in (tokens.access_token, tokens.refresh_token):
        assert secret not in caplog.text


async def test_refresh_and_revoke_never_log_tokens(
    http: httpx.AsyncClient, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    metadata, tokens = await logged_in(http, clock)
    caplog.set_level("DEBUG")
    caplog.clear()
    # Refresh: directly, then through the provider after a 401 (the path Atlas(auth=...) takes).
    fresh = await refresh_tokens(metadata, tokens, http_client=http, clock=clock)
    provider = OAuthTokenProvider(fresh, metadata=metadata, http_client=http, clock=clock)
    assert await provider.refresh(fresh.access_token) is not None
    latest = await provider.current()
    # Revoke: the refresh token (ends the grant), then a bare access token.
    await revoke_token(metadata, latest, http_client=http)
    await revoke_token(metadata, latest.access_token, http_client=http)
    # A refused refresh: neither the error nor the log carries the token.
    with pytest.raises(InvalidGrantError) as refused:
        await refresh_tokens(metadata, latest, http_client=http, clock=clock)
    # DEBUG really was captured on both paths, so the check below is not vacuous.
    assert f"POST {metadata.token_endpoint} -> 200" in caplog.text
    assert f"POST {metadata.token_endpoint} -> 400" in caplog.text
    assert f"POST {metadata.revocation_endpoint} -> 200" in caplog.text
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    secrets = {
        value
        for t in (tokens, fresh, latest)
        for value in (t.access_token, t.refresh_token)
        if value is not None
    }
    assert len(secrets) == 6
    for secret in secrets:
        assert secret not in logged
        assert secret not in str(refused.value)


async def test_wrong_verifier_is_invalid_grant(http: httpx.AsyncClient, clock: FakeClock) -> None:
    metadata, request = await begin(http)
    callback = await authorize(http, request)
    forged = replace(request, code_verifier=generate_code_verifier())
    with pytest.raises(InvalidGrantError) as info:
        await exchange_code(metadata, forged, callback, http_client=http)
    assert info.value.error == "invalid_grant"
    assert "code_verifier" in str(info.value)


async def test_reused_code_is_invalid_grant(http: httpx.AsyncClient) -> None:
    metadata, request = await begin(http)
    callback = await authorize(http, request)
    tokens = await exchange_code(metadata, request, callback, http_client=http)
    with pytest.raises(InvalidGrantError, match="already used"):
        await exchange_code(metadata, request, callback, http_client=http)
    assert (await whoami(http, tokens.access_token)).status_code == 401  # the replay revoked it


@pytest.mark.parametrize("tamper", ["other", None])
async def test_mismatched_state_is_refused_without_a_token_request(
    http: httpx.AsyncClient, app: Counter, tamper: str | None
) -> None:
    metadata, request = await begin(http)
    callback = httpx.URL(await authorize(http, request))
    params = dict(callback.params)
    if tamper is None:
        del params["state"]
    else:
        params["state"] = tamper
    with pytest.raises(StateMismatchError, match="state"):
        await exchange_code(metadata, request, params, http_client=http)
    assert app.count("/oauth/token") == 0


async def test_refused_consent(http: httpx.AsyncClient, server: OAuthServer) -> None:
    server.approve = lambda client_id, scopes: None
    metadata, request = await begin(http)
    callback = await authorize(http, request)
    with pytest.raises(AuthorizationDeniedError) as info:
        await exchange_code(metadata, request, callback, http_client=http)
    assert info.value.error == "access_denied"


async def test_scope_is_narrowed_by_request(http: httpx.AsyncClient) -> None:
    metadata, request = await begin(http, scope="envelopes:read")
    callback = await authorize(http, request)
    tokens = await exchange_code(metadata, request, callback, http_client=http)
    assert tokens.scope == "envelopes:read"
    assert (await whoami(http, tokens.access_token)).json()["scopes"] == ["envelopes:read"]


# ---- refresh, expiry, revocation ----------------------------------------------------------------


async def test_expiry_then_refresh_rotates(http: httpx.AsyncClient, clock: FakeClock) -> None:
    metadata, tokens = await logged_in(http, clock)
    clock.advance(3600)
    assert (await whoami(http, tokens.access_token)).status_code == 401
    fresh = await refresh_tokens(metadata, tokens, http_client=http, clock=clock)
    assert fresh.refresh_token != tokens.refresh_token
    assert fresh.client_id == tokens.client_id
    assert (await whoami(http, fresh.access_token)).status_code == 200
    with pytest.raises(InvalidGrantError, match="already used"):
        await refresh_tokens(metadata, tokens, http_client=http, clock=clock)


async def test_expired_refresh_token_is_invalid_grant(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    metadata, tokens = await logged_in(http, clock)
    clock.advance(31 * 86400)
    with pytest.raises(InvalidGrantError, match="refresh token expired") as info:
        await refresh_tokens(metadata, tokens, http_client=http, clock=clock)
    assert info.value.status_code == 400


async def test_revoke_ends_the_grant(http: httpx.AsyncClient, clock: FakeClock) -> None:
    metadata, tokens = await logged_in(http, clock)
    await revoke_token(metadata, tokens, http_client=http)
    assert (await whoami(http, tokens.access_token)).status_code == 401
    with pytest.raises(InvalidGrantError):
        await refresh_tokens(metadata, tokens, http_client=http, clock=clock)
    with pytest.raises(ValueError, match="empty"):
        await revoke_token(metadata, "", http_client=http)


async def test_refresh_needs_a_refresh_token(http: httpx.AsyncClient) -> None:
    metadata = await discover(ISSUER, http_client=http)
    with pytest.raises(OAuthError, match="no refresh token"):
        await refresh_tokens(metadata, OAuthTokens("a", client_id="c"), http_client=http)


def test_tokens_round_trip_and_reject_garbage() -> None:
    tokens = OAuthTokens(
        "a", refresh_token="r", expires_at=10.0, scope="s", client_id="c", issuer="i"
    )
    assert OAuthTokens.from_dict(tokens.to_dict()) == tokens
    with pytest.raises(ValueError, match="access_token"):
        OAuthTokens.from_dict({"refresh_token": "r"})
    assert tokens.expires_within(5, now=6.0)
    assert not tokens.expires_within(5, now=4.0)
