"""HTTP for the OAuth client: one short-lived HTTP client per call unless the caller lends one.

The HTTP library is reached only through ``atlas_async._http``, like everywhere else in the SDK. Nothing here is retried: a token request that
reached the server may already have rotated the refresh token, and replaying the old one would make
the server revoke the whole grant (RFC 9700 section 4.14.2).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

from .. import _http
from .._config import allows_plain_http
from .._http import map_transport_errors
from .._log import logger as get_logger
from .._version import __version__
from ._errors import InvalidGrantError, OAuthError

__all__ = [
    "DEFAULT_TIMEOUT",
    "check_secure_url",
    "is_loopback_http",
    "json_object",
    "oauth_error",
    "request",
    "session",
]

logger = get_logger("atlas_async.oauth")

DEFAULT_TIMEOUT = 10.0
_LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback_http(url: str) -> bool:
    """True for ``http://`` URLs on 127.0.0.0/8, ::1 or localhost (RFC 8252 section 7.3)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    if parts.scheme != "http":
        return False
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def check_secure_url(
    url: object,
    what: str,
    exc: type[Exception] = ValueError,
    *,
    allow_http: bool = False,
    loopback_only: bool = False,
) -> str:
    """``url`` if it is an absolute https URL, else raise ``exc``; plain http is allowed where
    the client allows it (``atlas_async._config.allows_plain_http``: loopback, ``localhost``,
    ``*.test``), or anywhere with ``allow_http``. ``loopback_only`` narrows that to loopback, as
    RFC 8252 section 7.3 requires of a native app's redirect URI."""
    if not isinstance(url, str) or not url:
        raise exc(f"{what} must be an absolute URL, got {url!r}")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise exc(f"{what} is not a valid URL: {url!r}") from None
    if not parts.hostname or parts.scheme not in ("https", "http"):
        raise exc(f"{what} must be an absolute http(s) URL, got {url!r}")
    if parts.fragment:
        raise exc(f"{what} must not contain a fragment: {url!r}")
    plain_ok = is_loopback_http(url) if loopback_only else allows_plain_http(url)
    if parts.scheme == "http" and not allow_http and not plain_ok:
        raise exc(
            f"{what} must use HTTPS (plain http is allowed only on loopback, localhost and *.test "
            f"hosts, or with allow_insecure_http=True against an emulator): {url!r}"
        )
    return url


@asynccontextmanager
async def session(
    http_client: object | None, request_timeout: float
) -> AsyncIterator[_http.Client]:
    """The caller's client if it lent one (left open), else a fresh one closed on exit."""
    if http_client is not None:
        yield _http.check_client(http_client)
        return
    if request_timeout <= 0:
        raise ValueError("request_timeout must be positive")
    client = _http.new_client(
        seconds=request_timeout,
        max_connections=10,
        max_keepalive=2,
        headers={"User-Agent": f"atlas-async/{__version__} oauth", "Accept": "application/json"},
    )
    try:
        yield client
    finally:
        await client.aclose()


async def request(
    client: _http.Client,
    method: str,
    url: str,
    *,
    data: Mapping[str, str] | None = None,
    json_body: Mapping[str, Any] | None = None,
) -> _http.Response:
    """Send one request, turning transport failures into the SDK's connection errors.

    Bodies are never logged: they carry codes, verifiers and tokens.
    """
    with map_transport_errors(method, url):
        response = await client.request(
            method,
            url,
            data=dict(data) if data is not None else None,
            json=dict(json_body) if json_body is not None else None,
            headers={"Accept": "application/json"},
            # Per request, not per client: a caller-lent client that follows redirects must not
            # re-POST a code or refresh token to wherever a 307/308 points.
            follow_redirects=False,
        )
    logger.debug("oauth %s %s -> %s", method, url, response.status_code)
    return response


def json_object(response: _http.Response) -> dict[str, Any] | None:
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def oauth_error(
    response: _http.Response, message: str, cls: type[OAuthError] = OAuthError
) -> OAuthError:
    """The error for a failed OAuth response, carrying the server's ``error`` code if it sent one.

    ``invalid_grant`` always becomes :class:`InvalidGrantError`, whatever ``cls`` the caller chose.
    """
    body = json_object(response)
    error = description = None
    if body is not None:
        raw_error, raw_desc = body.get("error"), body.get("error_description")
        error = raw_error if isinstance(raw_error, str) else None
        description = raw_desc if isinstance(raw_desc, str) else None
    if description is None and body is None:
        text = " ".join(response.text.split())
        description = (text[:200] + ("..." if len(text) > 200 else "")) or None
    if error == "invalid_grant":
        cls = InvalidGrantError
    return cls(
        f"{message} (HTTP {response.status_code})",
        error=error,
        description=description,
        status_code=response.status_code,
    )
