"""The emulator's one module that uses httpx (and httpx2).

The emulator is an independent implementation of Atlas: it never imports the client layer, and every
other emulator module reaches HTTP only through here. What it needs from httpx:

- :class:`InProcessTransport`: ``fake.transport()``, the emulator served to an ``httpx.AsyncClient``
  or an ``httpx2.AsyncClient`` without sockets, with injected connection drops raised as the
  transport errors they would be;
- :class:`DeliveryClient`: webhook POSTs, to an in-process ASGI app when the URL's host is routed
  there, over the network otherwise;
- :func:`http_fetch`: ``document_url`` downloads when the emulator runs on a port;
- :func:`request_json`: the requests of :class:`EmulatorControls` to an emulator on a port.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from ._edge import DROP_HEADER, INPROCESS_SCOPE_KEY

if TYPE_CHECKING:
    import ssl

__all__ = [
    "AsyncTransport",
    "DeliveryClient",
    "InProcessTransport",
    "http_fetch",
    "request_json",
]

AsyncTransport = httpx.AsyncBaseTransport
ASGIApp = Callable[..., Any]


# The HTTP libraries whose clients the in-process transport serves (httpx2 mirrors httpx's API).
_LIBRARIES = ("httpx", "httpx2")


class InProcessTransport(httpx.AsyncBaseTransport):
    """Serves an emulator's ASGI app in process to an ``httpx.AsyncClient`` or, alike, an
    ``httpx2.AsyncClient`` (httpx2 takes any object with its transports' methods; a type
    checker sees httpx's class, so cast it there).

    Each request is served with its own library's ASGI transport. A ``drop_before`` fault raises
    that library's ``RemoteProtocolError`` and a ``drop_after`` fault its ``ReadError``, as a
    dropped connection would.
    """

    def __init__(self, app: ASGIApp) -> None:
        async def marked(scope: Any, receive: Any, send: Any) -> None:
            await app({**scope, INPROCESS_SCOPE_KEY: True}, receive, send)

        self._app = marked
        self._asgi: dict[str, Any] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        name = type(request).__module__.partition(".")[0]
        if name not in _LIBRARIES:
            raise TypeError(f"not an httpx or httpx2 request: {type(request).__qualname__}")
        # Loaded already: the request is one of its objects.
        library = importlib.import_module(name)
        asgi = self._asgi.get(name)
        if asgi is None:
            asgi = self._asgi[name] = library.ASGITransport(app=self._app)
        response: httpx.Response = await asgi.handle_async_request(request)
        drop = response.headers.get(DROP_HEADER)
        if drop == "before":
            await response.aclose()
            raise library.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            )
        if drop == "after":
            await response.aclose()
            raise library.ReadError("Connection reset while reading the response.", request=request)
        return response


@functools.cache
def _trust_for(cafile: str, capath: str) -> ssl.SSLContext:
    # httpx reads SSL_CERT_FILE / SSL_CERT_DIR itself; the arguments are the cache's key.
    return httpx.create_ssl_context()


def _trust() -> ssl.SSLContext:
    """httpx's default TLS context, built once per ``SSL_CERT_FILE`` and ``SSL_CERT_DIR``: each
    client httpx makes parses the whole CA bundle again (about 35 ms of CPU), and the emulator
    makes one per document download and per control request."""
    return _trust_for(os.environ.get("SSL_CERT_FILE", ""), os.environ.get("SSL_CERT_DIR", ""))


async def http_fetch(url: str) -> bytes:
    """A fetcher that really downloads ``document_url`` (used when served on a port)."""
    async with httpx.AsyncClient(follow_redirects=True, timeout=20, verify=_trust()) as client:
        response = await client.get(url)
        response.raise_for_status()
        return response.content


class DeliveryClient:
    """POSTs webhook deliveries within ``timeout`` seconds; ``routes`` maps hosts to ASGI apps."""

    def __init__(self, routes: Mapping[str, ASGIApp], timeout: float) -> None:
        self._client = httpx.AsyncClient(
            transport=_RoutingTransport(routes, timeout), timeout=timeout
        )

    async def post(
        self, url: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int | None, str | None]:
        """The status code answered, or ``None`` and what went wrong (``"timeout"``, ...)."""
        try:
            response = await self._client.post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            return None, "timeout"
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        return response.status_code, None

    async def __aenter__(self) -> DeliveryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._client.aclose()


class _RoutingTransport(httpx.AsyncBaseTransport):
    """Sends to an in-process ASGI app when the URL's host is routed, to the network otherwise."""

    def __init__(self, routes: Mapping[str, ASGIApp], timeout: float) -> None:
        self._routes = routes
        self._timeout = timeout
        self._network = httpx.AsyncHTTPTransport(verify=_trust())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host.lower()
        app = self._routes.get(f"{host}:{request.url.port}") or self._routes.get(host)
        if app is not None:
            # httpx applies no timeout to an ASGI app: enforce Atlas's deadline here.
            with anyio.move_on_after(self._timeout) as scope:
                return await httpx.ASGITransport(app=app).handle_async_request(request)
            assert scope.cancelled_caught
            raise httpx.ReadTimeout("webhook receiver did not answer in time", request=request)
        return await self._network.handle_async_request(request)

    async def aclose(self) -> None:
        await self._network.aclose()


def request_json(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    body: Mapping[str, Any] | None = None,
    timeout: float = 10.0,
) -> tuple[int, Any]:
    """One synchronous JSON request: the status code and the decoded body (``None`` if not JSON).

    Raises ``ConnectionError`` when nothing answers (refused, timed out, reset).
    """
    try:
        response = httpx.request(
            method, url, json=body, headers=headers, timeout=timeout, verify=_trust()
        )
    except httpx.TransportError as exc:
        raise ConnectionError(f"cannot reach {url}: {exc or type(exc).__name__}") from None
    try:
        data = response.json()
    except ValueError:
        data = None
    return response.status_code, data
