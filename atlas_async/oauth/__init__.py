"""OAuth 2.0 for hosted agents: act for an Atlas user without shipping an API key.

Discovery (RFC 8414), dynamic registration of a public client (RFC 7591), the authorization code
flow with PKCE S256 (RFC 7636) and ``state``, refresh-token rotation, revocation (RFC 7009), a
self-refreshing :class:`OAuthTokenProvider` for ``Atlas(auth=...)``, token stores, and a loopback
:func:`login` for command-line agents (RFC 8252)::

    from atlas_async import Atlas
    from atlas_async.oauth import FileTokenStore, OAuthTokenProvider, login

    store = FileTokenStore()
    await login("https://atlaswork.ai", scope="envelopes:read envelopes:write", store=store)
    async with Atlas(auth=OAuthTokenProvider(store=store)) as atlas:
        ...

Needs nothing beyond the client's own dependencies (the ``oauth`` extra is empty, kept so that
``pip install 'atlas-async[oauth]'`` still works).
"""

from __future__ import annotations

from ._authorize import (
    AuthorizationRequest,
    code_challenge,
    exchange_code,
    generate_code_verifier,
    parse_callback,
    start_authorization,
)
from ._errors import (
    AuthorizationDeniedError,
    InvalidGrantError,
    OAuthDiscoveryError,
    OAuthError,
    OAuthRegistrationError,
    StateMismatchError,
)
from ._login import login, logout
from ._metadata import ServerMetadata, discover
from ._provider import OAuthTokenProvider
from ._registration import ClientRegistration, register_client
from ._store import (
    FileTokenStore,
    MemoryTokenStore,
    SharedTokenStore,
    TokenStore,
    default_token_path,
    dump_tokens,
    load_tokens,
)
from ._tokens import OAuthTokens, refresh_tokens, revoke_token

__all__ = [
    "AuthorizationDeniedError",
    "AuthorizationRequest",
    "ClientRegistration",
    "FileTokenStore",
    "InvalidGrantError",
    "MemoryTokenStore",
    "OAuthDiscoveryError",
    "OAuthError",
    "OAuthRegistrationError",
    "OAuthTokenProvider",
    "OAuthTokens",
    "ServerMetadata",
    "SharedTokenStore",
    "StateMismatchError",
    "TokenStore",
    "code_challenge",
    "default_token_path",
    "discover",
    "dump_tokens",
    "exchange_code",
    "generate_code_verifier",
    "load_tokens",
    "login",
    "logout",
    "parse_callback",
    "refresh_tokens",
    "register_client",
    "revoke_token",
    "start_authorization",
]
