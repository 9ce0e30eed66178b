"""The authorization-code leg: PKCE (RFC 7636, S256), ``state``, the URL, the callback, the code.

Standard library only: the S256 transform is SHA-256 and unpadded base64url (RFC 7636 section
4.2), and the URL is the endpoint's own query plus ours, form-encoded (RFC 6749 section 4.1.1 and
appendix B). The callback check compares ``state`` first, in constant time, and only then looks at
an ``error`` redirect: neither step can be skipped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ._errors import AuthorizationDeniedError, OAuthError, StateMismatchError
from ._http import DEFAULT_TIMEOUT
from ._metadata import ServerMetadata
from ._registration import normalise_scope, validate_redirect_uri
from ._tokens import OAuthTokens, token_request

__all__ = [
    "AuthorizationRequest",
    "code_challenge",
    "exchange_code",
    "generate_code_verifier",
    "parse_callback",
    "start_authorization",
]

_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")  # RFC 7636 section 4.1


def generate_code_verifier() -> str:
    """A fresh PKCE verifier: 64 characters from the unreserved set, 384 bits of entropy."""
    return secrets.token_urlsafe(48)


def code_challenge(verifier: str) -> str:
    """The S256 challenge of ``verifier``: BASE64URL(SHA256(verifier)) without padding."""
    if not _VERIFIER.match(verifier):
        raise ValueError("a PKCE code verifier is 43-128 characters of [A-Za-z0-9-._~]")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _with_query(endpoint: str, params: Sequence[tuple[str, str]]) -> str:
    """``endpoint`` with ``params`` appended to the query it may already carry (RFC 6749 section
    3.1: that query must be kept), form-encoded as appendix B says (a space is ``+``)."""
    parts = urlsplit(endpoint)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params]
    return urlunsplit((*parts[:3], urlencode(query), parts.fragment))


@dataclass(frozen=True)
class AuthorizationRequest:
    """One pending authorization: send the user to ``url``, keep the rest for the callback.

    ``code_verifier`` is the secret of this login (it proves the code is ours) and is left out of
    the repr; ``state`` travels in the URL anyway.
    """

    url: str
    client_id: str
    redirect_uri: str
    scope: str | None
    state: str
    code_verifier: str = field(repr=False)


def start_authorization(
    metadata: ServerMetadata,
    *,
    client_id: str,
    redirect_uri: str,
    scope: str | Sequence[str] | None = None,
) -> AuthorizationRequest:
    """Build the authorization URL on the *discovered* ``authorization_endpoint``, with a fresh
    PKCE pair (S256) and a fresh ``state``."""
    if not isinstance(client_id, str) or not client_id:
        raise ValueError("client_id must be a non-empty string")
    validate_redirect_uri(redirect_uri)
    scope_str = normalise_scope(scope, metadata)
    verifier = generate_code_verifier()
    state = secrets.token_urlsafe(32)
    params = [("response_type", "code"), ("client_id", client_id), ("redirect_uri", redirect_uri)]
    if scope_str:
        params.append(("scope", scope_str))
    params += [
        ("state", state),
        ("code_challenge", code_challenge(verifier)),
        ("code_challenge_method", "S256"),
    ]
    return AuthorizationRequest(
        url=_with_query(metadata.authorization_endpoint, params),
        client_id=client_id,
        redirect_uri=redirect_uri,
        scope=scope_str,
        state=state,
        code_verifier=verifier,
    )


def parse_callback(request: AuthorizationRequest, callback: str | Mapping[str, str]) -> str:
    """The authorization code from the redirect back to us, after every check.

    ``callback`` is the full redirect URL or its query parameters. The ``state`` is compared first
    (in constant time): a mismatch raises :class:`StateMismatchError` even when the redirect carries
    an error, since an unrelated response must not end or steer this login. Then an ``error``
    raises :class:`AuthorizationDeniedError` with the server's code.
    """
    if isinstance(callback, str):
        params = dict(parse_qsl(urlsplit(callback).query, keep_blank_values=True))
    else:
        params = dict(callback)
    state = params.get("state")
    if not state or not hmac.compare_digest(state.encode(), request.state.encode()):
        raise StateMismatchError(
            "the authorization response's state does not match this login "
            + ("(it has none)" if not state else "(stale tab or forged redirect)")
        )
    error = params.get("error")
    if error:
        raise AuthorizationDeniedError(
            "authorization was not granted",
            error=error,
            description=params.get("error_description"),
        )
    code = params.get("code")
    if not code:
        raise OAuthError("the authorization response carries neither a code nor an error")
    return code


async def exchange_code(
    metadata: ServerMetadata,
    request: AuthorizationRequest,
    callback: str | Mapping[str, str],
    *,
    http_client: object | None = None,
    request_timeout: float = DEFAULT_TIMEOUT,
    clock: Callable[[], float] = time.time,
) -> OAuthTokens:
    """Check the callback (:func:`parse_callback`) and trade its code, with the PKCE verifier,
    for tokens at the discovered ``token_endpoint``.

    A wrong verifier, a reused or expired code raise :class:`InvalidGrantError`.
    """
    code = parse_callback(request, callback)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": request.redirect_uri,
        "client_id": request.client_id,
        "code_verifier": request.code_verifier,
    }
    return await token_request(
        metadata,
        form,
        what="authorization code exchange",
        client_id=request.client_id,
        requested_scope=request.scope,
        http_client=http_client,
        request_timeout=request_timeout,
        clock=clock,
    )
