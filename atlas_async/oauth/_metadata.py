"""Discovery: RFC 8414 authorization-server metadata, validated, plus the MCP manifest.

Everything downstream (registration, the authorization URL, token, revocation) reads its endpoint
from the :class:`ServerMetadata` this returns; no path is hard-coded anywhere in the client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import anyio

from .._config import resolve_allow_insecure_http, resolve_base_url
from .._errors import AtlasError
from ._errors import OAuthDiscoveryError
from ._http import DEFAULT_TIMEOUT, check_secure_url, json_object, logger, request, session

__all__ = ["ServerMetadata", "discover"]

_WELL_KNOWN = "/.well-known/oauth-authorization-server"


@dataclass(frozen=True)
class ServerMetadata:
    """The validated authorization-server metadata of one Atlas deployment."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    registration_endpoint: str | None = None
    revocation_endpoint: str | None = None
    scopes_supported: tuple[str, ...] = ()
    code_challenge_methods_supported: tuple[str, ...] = ("S256",)
    grant_types_supported: tuple[str, ...] = ("authorization_code", "refresh_token")
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    mcp: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)
    """The ``/.well-known/mcp`` manifest, or None when the server publishes none."""

    @property
    def mcp_endpoint(self) -> str | None:
        """The MCP endpoint the manifest names (``endpoint`` or ``url``), if it names one."""
        if not self.mcp:
            return None
        for key in ("endpoint", "url", "mcp_endpoint"):
            value = self.mcp.get(key)
            if isinstance(value, str) and value:
                return value
        return None

    @classmethod
    def from_document(
        cls,
        document: Mapping[str, Any],
        *,
        expected_issuer: str,
        allow_insecure_http: bool = False,
    ) -> ServerMetadata:
        """Validate an RFC 8414 document; raise :class:`OAuthDiscoveryError` on any problem."""

        def strings(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
            value = document.get(key)
            if value is None:
                return default
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise OAuthDiscoveryError(f"metadata field {key!r} must be an array of strings")
            return tuple(value)

        def secure(value: object, what: str) -> str:
            return check_secure_url(
                value, what, OAuthDiscoveryError, allow_http=allow_insecure_http
            )

        def endpoint(key: str) -> str | None:
            value = document.get(key)
            if value is None:
                return None
            return secure(value, f"metadata {key}")

        issuer = document.get("issuer")
        # RFC 8414 section 3.3: the issuer must be identical to the one we asked, else a
        # different server is answering for this one (mix-up attack).
        if not isinstance(issuer, str) or issuer.rstrip("/") != expected_issuer:
            raise OAuthDiscoveryError(
                f"metadata issuer {issuer!r} does not match {expected_issuer!r}"
            )
        secure(issuer, "issuer")
        authorization = secure(
            document.get("authorization_endpoint"), "metadata authorization_endpoint"
        )
        token = secure(document.get("token_endpoint"), "metadata token_endpoint")
        methods = strings("code_challenge_methods_supported", ())
        if "S256" not in methods:
            raise OAuthDiscoveryError(
                "the server does not offer PKCE with S256 (code_challenge_methods_supported "
                f"is {list(methods)}); refusing an authorization flow without it"
            )
        if "code" not in strings("response_types_supported", ()):
            raise OAuthDiscoveryError("the server does not offer response_type 'code'")
        grants = strings("grant_types_supported", ("authorization_code", "implicit"))
        if "authorization_code" not in grants:
            raise OAuthDiscoveryError("the server does not offer the authorization_code grant")
        auth_methods = strings("token_endpoint_auth_methods_supported", ("none",))
        if "none" not in auth_methods:
            raise OAuthDiscoveryError(
                "the server does not accept public clients (token_endpoint_auth_method 'none')"
            )
        return cls(
            issuer=issuer.rstrip("/"),
            authorization_endpoint=authorization,
            token_endpoint=token,
            registration_endpoint=endpoint("registration_endpoint"),
            revocation_endpoint=endpoint("revocation_endpoint"),
            scopes_supported=strings("scopes_supported", ()),
            code_challenge_methods_supported=methods,
            grant_types_supported=grants,
            raw=dict(document),
        )


def metadata_url(issuer: str) -> str:
    """RFC 8414 section 3.1: the well-known segment goes between the host and any issuer path."""
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, _WELL_KNOWN + path, "", ""))


def _normalise_base(base_url: str | None, allow_http: bool) -> str:
    if base_url is not None and not isinstance(base_url, str):
        raise TypeError(f"base_url must be a string, got {type(base_url).__name__}")
    # The client's rule: the argument, else ATLAS_BASE_URL, else https://atlaswork.ai.
    base = resolve_base_url(base_url)
    check_secure_url(base, "base_url", allow_http=allow_http)
    parts = urlsplit(base)
    if parts.query:
        raise ValueError(f"base_url must not carry a query: {base_url!r}")
    return base


async def discover(
    base_url: str | None = None,
    *,
    http_client: object | None = None,
    request_timeout: float = DEFAULT_TIMEOUT,
    allow_insecure_http: bool | None = None,
) -> ServerMetadata:
    """Fetch and validate the authorization-server metadata of ``base_url``, and its MCP manifest.

    Checks: the document's ``issuer`` equals ``base_url``; S256 PKCE, the ``code`` response type
    and public clients are offered; every endpoint is HTTPS (plain http only on loopback).
    Raises :class:`OAuthDiscoveryError` when a check fails, ``ValueError`` for a bad ``base_url``
    (before any request). ``http_client`` may be an ``httpx.AsyncClient`` or ``httpx2.AsyncClient`` to send through (e.g.
    one wired to the emulator in process). ``allow_insecure_http`` lifts the HTTPS rule for a
    test server on a non-loopback name (the emulator's in-process ``http://atlas.test``); never
    use it against a real deployment.

    Unset arguments come from the environment as for ``Atlas()``: ``base_url`` from
    ``ATLAS_BASE_URL`` (else ``https://atlaswork.ai``), ``allow_insecure_http`` from
    ``ATLAS_ALLOW_INSECURE_HTTP``.
    """
    allow_insecure_http = resolve_allow_insecure_http(allow_insecure_http)
    base = _normalise_base(base_url, allow_insecure_http)
    origin = urlunsplit((*urlsplit(base)[:2], "", "", ""))
    results: dict[str, Any] = {}
    async with session(http_client, request_timeout) as client:

        async def fetch_metadata() -> None:
            try:
                results["metadata"] = await _fetch_metadata()
            except Exception as exc:  # re-raised below, unwrapped from the task group's group
                results["error"] = exc

        async def _fetch_metadata() -> dict[str, Any]:
            url = metadata_url(base)
            response = await request(client, "GET", url)
            if response.status_code != 200:
                raise OAuthDiscoveryError(
                    f"no OAuth metadata at {url} (HTTP {response.status_code})",
                    status_code=response.status_code,
                )
            document = json_object(response)
            if document is None:
                raise OAuthDiscoveryError(f"the OAuth metadata at {url} is not a JSON object")
            return document

        async def fetch_mcp() -> None:
            # The MCP manifest is informative: its absence must not block an OAuth login.
            url = origin + "/.well-known/mcp"
            try:
                response = await request(client, "GET", url)
            except AtlasError as exc:
                logger.debug("MCP manifest at %s unavailable: %s", url, exc)
                return
            if response.status_code == 200:
                results["mcp"] = json_object(response)
            else:
                logger.debug("no MCP manifest at %s (HTTP %s)", url, response.status_code)

        async with anyio.create_task_group() as tg:
            tg.start_soon(fetch_metadata)
            tg.start_soon(fetch_mcp)

    if "error" in results:
        raise results["error"]
    metadata = ServerMetadata.from_document(
        results["metadata"], expected_issuer=base, allow_insecure_http=allow_insecure_http
    )
    return replace(metadata, mcp=results.get("mcp"))
