"""The emulator's authorization server, exercised over raw HTTP (no client code involved)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from atlas_async.testing._oauth_server import OAuthServer

from .conftest import ISSUER, ORG, FakeClock

pytestmark = pytest.mark.anyio

REDIRECT = "http://127.0.0.1:9999/callback"
VERIFIER = "v" * 43 + "-._~0123456789"


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def register(http: httpx.AsyncClient, **overrides: Any) -> str:
    body = {
        "client_name": "test agent",
        "redirect_uris": [REDIRECT],
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "none",
        "scope": "envelopes:read envelopes:write",
        **overrides,
    }
    r = await http.post("/oauth/register", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["client_id"])


async def authorize(http: httpx.AsyncClient, client_id: str, **params: str) -> dict[str, list[str]]:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "state": "st4te",
        "code_challenge": challenge(VERIFIER),
        "code_challenge_method": "S256",
        **params,
    }
    query = {k: v for k, v in query.items() if v != ""}
    r = await http.get("/oauth/authorize", params=query)
    assert r.status_code == 302, r.text
    location = urlsplit(r.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == query["redirect_uri"]
    return parse_qs(location.query)


async def code_tokens(http: httpx.AsyncClient, client_id: str) -> dict[str, Any]:
    code = (await authorize(http, client_id))["code"][0]
    r = await token(http, "authorization_code", client_id, code=code, code_verifier=VERIFIER)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def token(http: httpx.AsyncClient, grant: str, client_id: str, **form: str) -> httpx.Response:
    data = {"grant_type": grant, "client_id": client_id, "redirect_uri": REDIRECT, **form}
    if grant == "refresh_token":
        data.pop("redirect_uri")
    return await http.post("/oauth/token", data=data)


async def test_metadata_is_exactly_the_contract(http: httpx.AsyncClient) -> None:
    r = await http.get("/.well-known/oauth-authorization-server")
    assert r.status_code == 200
    assert r.json() == {
        "issuer": ISSUER,
        "authorization_endpoint": f"{ISSUER}/oauth/authorize",
        "token_endpoint": f"{ISSUER}/oauth/token",
        "registration_endpoint": f"{ISSUER}/oauth/register",
        "revocation_endpoint": f"{ISSUER}/oauth/revoke",
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "response_types_supported": ["code"],
        "token_endpoint_auth_methods_supported": ["none"],
        "scopes_supported": [
            "envelopes:read",
            "envelopes:write",
            "templates:read",
            "templates:write",
        ],
    }


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"redirect_uris": []}, "invalid_redirect_uri"),
        ({"redirect_uris": ["http://evil.example/cb"]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://ok.example/cb#frag"]}, "invalid_redirect_uri"),
        (
            {"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "client_secret_basic"},
            "invalid_client_metadata",
        ),
        (
            {"redirect_uris": [REDIRECT], "grant_types": ["client_credentials"]},
            "invalid_client_metadata",
        ),
        ({"redirect_uris": [REDIRECT], "scope": "envelopes:read admin"}, "invalid_client_metadata"),
        ([1, 2], "invalid_client_metadata"),
        ({"redirect_uris": [REDIRECT]}, "invalid_client_metadata"),  # no client_name
    ],
)
async def test_registration_errors_follow_rfc7591(
    http: httpx.AsyncClient, body: Any, error: str
) -> None:
    r = await http.post("/oauth/register", json=body)
    assert r.status_code == 400
    assert r.json()["error"] == error
    assert r.json()["error_description"]


async def test_registration_echoes_public_client_metadata(http: httpx.AsyncClient) -> None:
    r = await http.post(
        "/oauth/register",
        json={"client_name": "a", "redirect_uris": ["https://agent.example/cb", REDIRECT]},
    )
    assert r.status_code == 201
    body = r.json()
    assert body["client_id"].startswith("aocl_")
    assert body["token_endpoint_auth_method"] == "none"
    assert body["grant_types"] == ["authorization_code"]  # the RFC 7591 default
    assert isinstance(body["client_id_issued_at"], int)


async def test_unknown_client_or_redirect_is_not_redirected(http: httpx.AsyncClient) -> None:
    client_id = await register(http)
    r = await http.get("/oauth/authorize", params={"client_id": "nope", "redirect_uri": REDIRECT})
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_client"
    r = await http.get("/oauth/authorize", params={"client_id": client_id, "state": "s"})
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")  # no redirect_uri
    r = await http.get(
        "/oauth/authorize",
        params={"client_id": client_id, "redirect_uri": "https://evil.example/cb"},
    )
    assert r.status_code == 400
    assert "location" not in r.headers


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"state": ""}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "templates:write"}, "invalid_scope"),
    ],
)
async def test_authorize_errors_redirect_with_state(
    http: httpx.AsyncClient, params: dict[str, str], error: str
) -> None:
    client_id = await register(http)
    query = await authorize(http, client_id, **params)
    assert query["error"] == [error]
    assert "code" not in query
    if params.get("state", "x"):
        assert query["state"] == ["st4te"]


async def test_refused_consent_is_access_denied(
    http: httpx.AsyncClient, server: OAuthServer
) -> None:
    seen: list[tuple[str, frozenset[str]]] = []

    def approve(client_id: str, scopes: frozenset[str]) -> str | None:
        seen.append((client_id, scopes))
        return None

    server.approve = approve
    client_id = await register(http)
    assert (await authorize(http, client_id))["error"] == ["access_denied"]
    assert seen == [(client_id, frozenset({"envelopes:read", "envelopes:write"}))]


async def test_loopback_redirect_matches_any_port(http: httpx.AsyncClient) -> None:
    client_id = await register(http)
    query = await authorize(http, client_id, redirect_uri="http://127.0.0.1:1234/callback")
    assert "code" in query


async def test_code_flow_issues_tokens_the_server_recognises(
    http: httpx.AsyncClient, server: OAuthServer, clock: FakeClock
) -> None:
    client_id = await register(http)
    body = await code_tokens(http, client_id)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "envelopes:read envelopes:write"
    grant = server.authenticate_access_token(body["access_token"])
    assert grant is not None
    assert (grant.org_id, grant.client_id) == (ORG, client_id)
    assert server.authenticate_access_token("atlas_live_not_a_token") is None
    clock.advance(3600)
    assert server.authenticate_access_token(body["access_token"]) is None


async def test_wrong_verifier_then_reuse_are_invalid_grant(http: httpx.AsyncClient) -> None:
    client_id = await register(http)
    code = (await authorize(http, client_id))["code"][0]
    r = await token(http, "authorization_code", client_id, code=code, code_verifier="w" * 43)
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")
    assert "code_verifier" in r.json()["error_description"]
    assert r.headers["cache-control"] == "no-store"
    # One attempt per code: the right verifier is too late now.
    r = await token(http, "authorization_code", client_id, code=code, code_verifier=VERIFIER)
    assert r.json()["error"] == "invalid_grant"


async def test_reused_code_revokes_what_it_issued(
    http: httpx.AsyncClient, server: OAuthServer
) -> None:
    client_id = await register(http)
    code = (await authorize(http, client_id))["code"][0]
    first = await token(http, "authorization_code", client_id, code=code, code_verifier=VERIFIER)
    access = first.json()["access_token"]
    assert server.authenticate_access_token(access) is not None
    again = await token(http, "authorization_code", client_id, code=code, code_verifier=VERIFIER)
    assert again.json() == {
        "error": "invalid_grant",
        "error_description": "authorization code was already used",
    }
    assert server.authenticate_access_token(access) is None


async def test_expired_code(http: httpx.AsyncClient, clock: FakeClock) -> None:
    client_id = await register(http)
    code = (await authorize(http, client_id))["code"][0]
    clock.advance(601)
    r = await token(http, "authorization_code", client_id, code=code, code_verifier=VERIFIER)
    assert r.json()["error_description"] == "authorization code expired"


async def test_token_request_checks(http: httpx.AsyncClient) -> None:
    client_id = await register(http)
    r = await http.post("/oauth/token", json={"grant_type": "authorization_code"})
    assert r.json()["error"] == "invalid_request"
    r = await token(http, "password", client_id)
    assert r.json()["error"] == "unsupported_grant_type"
    r = await token(http, "refresh_token", "aocl_unknown", refresh_token="x")
    assert (r.status_code, r.json()["error"]) == (401, "invalid_client")


async def test_refresh_rotates_and_reuse_revokes_the_grant(
    http: httpx.AsyncClient, server: OAuthServer
) -> None:
    client_id = await register(http)
    first = await code_tokens(http, client_id)
    r = await token(http, "refresh_token", client_id, refresh_token=first["refresh_token"])
    second = r.json()
    assert r.status_code == 200
    assert second["refresh_token"] != first["refresh_token"]
    assert server.authenticate_access_token(second["access_token"]) is not None
    # Narrowing the scope on refresh is allowed; widening is not.
    r = await token(
        http,
        "refresh_token",
        client_id,
        refresh_token=second["refresh_token"],
        scope="envelopes:read",
    )
    third = r.json()
    assert third["scope"] == "envelopes:read"
    r = await token(
        http,
        "refresh_token",
        client_id,
        refresh_token=third["refresh_token"],
        scope="templates:read",
    )
    assert r.json()["error"] == "invalid_scope"
    # Replaying a rotated refresh token kills every token of the grant.
    r = await token(http, "refresh_token", client_id, refresh_token=first["refresh_token"])
    assert r.json()["error"] == "invalid_grant"
    assert server.authenticate_access_token(third["access_token"]) is None
    r = await token(http, "refresh_token", client_id, refresh_token=third["refresh_token"])
    assert r.json()["error"] == "invalid_grant"


async def test_expired_refresh_token(http: httpx.AsyncClient, clock: FakeClock) -> None:
    client_id = await register(http)
    body = await code_tokens(http, client_id)
    clock.advance(30 * 86400)
    r = await token(http, "refresh_token", client_id, refresh_token=body["refresh_token"])
    assert r.json() == {"error": "invalid_grant", "error_description": "refresh token expired"}


async def test_no_refresh_token_without_the_grant_type(http: httpx.AsyncClient) -> None:
    client_id = await register(http, grant_types=["authorization_code"])
    body = await code_tokens(http, client_id)
    assert "refresh_token" not in body


async def test_revocation(http: httpx.AsyncClient, server: OAuthServer) -> None:
    client_id = await register(http)
    body = await code_tokens(http, client_id)
    r = await http.post("/oauth/revoke", data={"token": "unknown", "client_id": client_id})
    assert r.status_code == 200  # RFC 7009: unknown tokens are not an error
    r = await http.post("/oauth/revoke", data={"token": body["access_token"], "client_id": "other"})
    assert r.status_code == 200
    assert server.authenticate_access_token(body["access_token"]) is not None  # not the owner
    r = await http.post(
        "/oauth/revoke",
        data={
            "token": body["refresh_token"],
            "client_id": client_id,
            "token_type_hint": "refresh_token",
        },
    )
    assert r.status_code == 200
    assert server.authenticate_access_token(body["access_token"]) is None
    r = await token(http, "refresh_token", client_id, refresh_token=body["refresh_token"])
    assert r.json()["error"] == "invalid_grant"
    r = await http.post("/oauth/revoke", data={})
    assert r.json()["error"] == "invalid_request"


async def test_issuer_from_request_when_not_configured(clock: FakeClock) -> None:
    from starlette.applications import Starlette

    server = OAuthServer(clock=clock)
    transport = httpx.ASGITransport(app=Starlette(routes=server.routes()))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:4010") as http:
        r = await http.get("/.well-known/oauth-authorization-server")
    assert r.json()["token_endpoint"] == "http://localhost:4010/oauth/token"
