"""The SDK's own client's requests, built and sent without the HTTP library's client.

``AsyncClient.send`` costs about 120 us of CPU a request above its transport, with
``build_request`` (``make bench``, figure 4; more than the whole SDK adds): a cookie jar that
builds a urllib request for every answer, the auth and redirect generators, the event hooks,
the response's timing wrapper, the merge of the client's defaults into each request. The SDK's
own client uses none of them: it keeps no cookies (see :func:`no_cookies`), follows redirects by
hand (``_redirects``), sends credentials itself and has no hooks. So its requests are built
here, from the client's own default headers and a per-call timeout as ``build_request`` would,
and go straight to its transport (the shards of ``_pool``, or the one a caller gave with
``Atlas(http_transport=...)``): the same bytes on the wire, for about 110 us less CPU a call.

A client the caller hands in (``Atlas(http_client=...)``) still sends through its own ``send``:
its hooks, cookies and mounts are theirs. So does the SDK's own client when the environment
names a proxy (``HTTPS_PROXY``...), where the library's client decides which URL goes through
which proxy and which the environment exempts.
"""

from __future__ import annotations

import sys
import urllib.request
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING, Any

from ._http import (
    KEEPALIVE_EXPIRY,
    LIBRARIES,
    Library,
    default_library,
    library,
    library_of,
    new_client,
    timeout,
)
from ._pool import own_pool

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._http import Client, Request, Response

__all__ = [
    "Direct",
    "environment_proxies",
    "no_cookies",
    "own_client",
    "transport_library",
]


class Direct:
    """Requests of ``client``'s library with its default headers, sent on ``transport``."""

    __slots__ = ("_client", "_request", "_transport")

    def __init__(self, client: Client, transport: Any) -> None:
        self._client = client
        self._request = library_of(client).Request
        self._transport = transport

    def build(
        self,
        method: str,
        url: str,
        *,
        seconds: float,
        headers: Mapping[str, str] | None = None,
        params: Any = None,
        **body: Any,
    ) -> Request:
        """What ``client.build_request(method, url, timeout=..., ...)`` builds for an absolute
        ``url``: the client's headers under the call's, the timeout in the extensions."""
        merged = self._client.headers.copy()
        if headers:
            merged.update(headers)
        connect, read, write, pool = timeout(seconds)
        return self._request(
            method,
            url,
            # (As the client: no parameters leave a query string in the URL as it is.)
            params=params or None,
            headers=merged,
            extensions={
                "timeout": {"connect": connect, "read": read, "write": write, "pool": pool}
            },
            **body,
        )

    async def send(self, request: Request) -> Response:
        """The transport's answer, its body unread (the caller reads or closes it)."""
        response: Response = await self._transport.handle_async_request(request)
        response.request = request
        return response

    def __repr__(self) -> str:
        return f"<Direct {type(self._transport).__name__}>"


def own_client(
    *, seconds: float, capacity: int, headers: Mapping[str, str], transport: Any = None
) -> tuple[Client, Any, Direct | None]:
    """The SDK's own client with ``capacity`` places, on the SDK's pool or on ``transport``:
    ``(client, its transport, its direct way or None)``. (A plain tuple: a NamedTuple class
    costs half a millisecond to define, on the way to the first ``Atlas()``.)"""
    lib = default_library() if transport is None else transport_library(transport)
    pool = (
        own_pool(lib, capacity, keepalive_expiry=KEEPALIVE_EXPIRY)
        if transport is None
        else transport
    )
    http = new_client(
        seconds=seconds,
        max_connections=capacity,
        max_keepalive=capacity,
        headers=headers,
        mount=None if transport is not None else pool,
        transport=transport,
        library=lib,
        cookies=no_cookies(),
    )
    # With a proxy in the environment the library's client picks the transport of each URL. (A
    # caller's transport serves every URL, as in the library's client: no proxy applies.)
    if pool is None or (transport is None and environment_proxies()):
        return http, pool, None
    return http, pool, Direct(http, pool)


def environment_proxies() -> bool:
    """Does the environment name a proxy the library's client would mount (``HTTP_PROXY``,
    ``HTTPS_PROXY``, ``ALL_PROXY``, or the system's settings, as the library reads them)?"""
    found = urllib.request.getproxies()
    return any(found.get(scheme) for scheme in ("http", "https", "all"))


def no_cookies() -> CookieJar:
    """The SDK's own client's cookie jar, which keeps none.

    Atlas authenticates every request by its headers; a cookie an answer set (a load balancer's
    stickiness) would otherwise go along with every later request, whatever account it is for.
    """
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def transport_library(transport: object) -> Library:
    """The library whose transport ``transport`` is (an ``httpx.MockTransport``, a transport
    subclassing httpx2's...), else the SDK's own (see ``_http.default_library``): a transport of
    no library, or the emulator's, which serves either library's requests. A TypeError for an
    object that is no transport."""
    if not callable(getattr(transport, "handle_async_request", None)):
        raise TypeError(
            "http_transport must be an async transport (with handle_async_request), got "
            f"{type(transport).__module__}.{type(transport).__qualname__}"
        )
    if type(transport).__module__.partition(".")[0] != "atlas_async":
        for name in LIBRARIES:
            module = sys.modules.get(name)  # a library not imported made none of its transports
            if module is not None and isinstance(transport, module.AsyncBaseTransport):
                return library(name)
    return default_library()
