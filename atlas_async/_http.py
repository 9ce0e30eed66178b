"""The HTTP library, in one place: the only module of the client layer that imports httpx.

Everything else (the transport, multipart bodies, the client, OAuth's helper) goes through the
names defined here, so which library carries the bytes is decided in this file alone and no public
signature mentions it. What lives here:

* the client factory and the check of a caller's own client;
* sending one request (body read, or left streaming) with the library's errors mapped to ours;
* request bodies that are plain iterators rather than async generators (see :class:`BytesBody`);
* a filter that keeps credential-bearing URLs out of the library's own log lines.
"""

from __future__ import annotations

import contextvars
import functools
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx

from ._body import BodyReader, read_all
from ._errors import APIConnectionError, APITimeoutError, RedirectError, ResponseTooLargeError

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "LIBRARY",
    "AsyncByteStream",
    "AsyncHTTPClient",
    "BodyReader",
    "BytesBody",
    "Client",
    "Headers",
    "Request",
    "Response",
    "SyncByteStream",
    "body_bytes",
    "body_reader",
    "check_client",
    "exchange",
    "is_in_memory",
    "join_url",
    "map_transport_errors",
    "new_client",
    "new_request",
    "origin",
    "timeout",
]

Client = httpx.AsyncClient
Request = httpx.Request
Response = httpx.Response
Headers = httpx.Headers
AsyncByteStream = httpx.AsyncByteStream
SyncByteStream = httpx.SyncByteStream

#: Named in the User-Agent (``httpx/0.28.1``).
LIBRARY = f"httpx/{httpx.__version__}"

CONNECT_TIMEOUT = 10.0


@runtime_checkable
class AsyncHTTPClient(Protocol):
    """What ``Atlas(http_client=...)`` accepts: an async HTTP client you configured yourself
    (proxies, certificates, a transport). Today that is an ``httpx.AsyncClient``; you keep
    ownership and close it yourself."""

    async def aclose(self) -> None: ...


def check_client(client: object) -> Client:
    """``client`` if it is a client this module can drive, else a TypeError naming what it got."""
    if not isinstance(client, httpx.AsyncClient):
        raise TypeError(
            f"http_client must be an httpx.AsyncClient, got {type(client).__module__}."
            f"{type(client).__qualname__}"
        )
    return client


@functools.lru_cache(maxsize=64)
def timeout(seconds: float) -> httpx.Timeout:
    """Per-phase timeouts: ``seconds`` for read, write and pool; connect capped at 10 s.

    Cached: a call does not build a new object for a value it has seen (they are immutable).
    """
    return httpx.Timeout(seconds, connect=min(seconds, CONNECT_TIMEOUT))


def new_client(
    *,
    seconds: float,
    max_connections: int,
    max_keepalive: int,
    headers: Mapping[str, str],
) -> Client:
    """The SDK's own client: explicit timeouts and limits, redirects never followed for us."""
    return httpx.AsyncClient(
        timeout=timeout(seconds),
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive,
            keepalive_expiry=30,
        ),
        headers=dict(headers),
        # Redirects are followed by hand (the PDF download only) so credentials never leave
        # the API host.
        follow_redirects=False,
    )


def new_request(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    stream: AsyncByteStream | None = None,
    seconds: float | None = None,
) -> Request:
    """A request built without a client (a redirect hop to another host)."""
    extensions = {"timeout": timeout(seconds).as_dict()} if seconds is not None else {}
    return httpx.Request(method, url, headers=headers, stream=stream, extensions=extensions)


@contextmanager
def map_transport_errors(method: str, path: str) -> Iterator[None]:
    """Turn the library's connection and timeout errors into ours.

    The one mapping for every place that touches the network: a send and its body read, the
    chunks of a streamed download read after the transport returned, OAuth's requests. ``path``
    goes into the message, so pass a path or a URL without a query string.
    """
    try:
        yield
    except httpx.TimeoutException as exc:
        raise APITimeoutError(
            f"request timed out: {method} {path}", method=method, url=path
        ) from exc
    except (httpx.RequestError, httpx.StreamError) as exc:
        # Transport failures, and a body that cannot be decoded (a corrupt gzip stream): no
        # usable answer arrived, as with a connection lost mid-body.
        raise APIConnectionError(
            f"connection error on {method} {path}: {type(exc).__name__}",
            method=method,
            url=path,
        ) from exc


# Set while the SDK sends one of its own requests: the log filter below redacts only those.
_SENDING: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "atlas_async_sending", default=False
)


#: Default cap on a response body read into memory (``Atlas(max_response_bytes=...)``): far above
#: any real Atlas answer (a page of 100 envelopes is well under 1 MiB), far below what would hurt.
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024


async def exchange(
    client: Client,
    request: Request,
    *,
    stream: bool,
    deadline: float,
    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> Response:
    """Send ``request`` once and read the body, or, with ``stream``, leave the body of a 2xx or
    3xx answer unread for the caller (who must close it). Raises only our errors.

    ``deadline`` (seconds) bounds the whole attempt, status line, headers and body, not just
    each read: a server that trickles one byte at a time gets an APITimeoutError shortly after
    it, not never. The body is read incrementally and refused (ResponseTooLargeError) as soon as
    it passes ``max_bytes``, decoded or declared. A dropped connection or a read that times out
    while the body arrives is a connection error like one before the status line.
    """
    token = _SENDING.set(True)
    path = request.url.path
    try:
        with anyio.fail_after(deadline), map_transport_errors(request.method, path):
            try:
                response = await client.send(
                    request, stream=True, auth=None, follow_redirects=False
                )
            except httpx.InvalidURL:
                # The library builds the next request of any 3xx even when not following it:
                # a Location that is not a URL (``javascript:...``) fails there.
                raise RedirectError(
                    f"{request.method} {path} answered a redirect to an invalid URL",
                    reason="invalid_location",
                ) from None
            if not (stream and 200 <= response.status_code < 400):
                try:
                    await _read_capped(response, max_bytes)
                finally:
                    await response.aclose()
            return response
    except TimeoutError:
        raise APITimeoutError(
            f"request timed out: {request.method} {path} took longer than {deadline:g} s",
            method=request.method,
            url=path,
        ) from None
    finally:
        _SENDING.reset(token)


async def _read_capped(response: Response, max_bytes: int) -> None:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(response, max_bytes)
    reader = BodyReader(response, limit=max_bytes, on_limit=lambda: _too_large(response, max_bytes))
    # What ``aread()`` does, decoded by us and capped as the body arrives.
    response._content = await read_all(reader)


def _too_large(response: Response, max_bytes: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"the answer to {response.request.method} {response.request.url.path} is larger than "
        f"{max_bytes} bytes (max_response_bytes); refused while reading",
        status_code=response.status_code,
        limit=max_bytes,
        request_id=response.headers.get("x-request-id"),
    )


def body_reader(response: Response, chunk_size: int) -> BodyReader:
    """The decoded body of a streamed response, in chunks (see :mod:`._body`)."""
    return BodyReader(response, chunk_size=chunk_size)


def body_bytes(request: Request) -> bytes | None:
    """The body of ``request`` when it is in memory, else None (a streamed upload)."""
    try:
        return request.content
    except httpx.RequestNotRead:
        return None


def is_in_memory(stream: object) -> bool:
    """Is ``stream`` the library's own in-memory body (JSON, form data, or empty)?"""
    return isinstance(stream, httpx.ByteStream)


def join_url(base: str, location: str) -> str:
    """``location`` (absolute or relative, as in a redirect) resolved against ``base``.

    Raises ValueError for a location that is not a URL at all.
    """
    try:
        return str(httpx.URL(base).join(location))
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise ValueError(f"not a URL: {type(exc).__name__}") from None


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``: what must match for credentials to be sent."""
    parsed = httpx.URL(url)
    return (parsed.scheme, parsed.host, parsed.port)


class BytesBody(httpx.AsyncByteStream, httpx.SyncByteStream):
    """An in-memory request body iterated without a generator.

    The library iterates its own in-memory bodies with an async generator: a request cancelled
    while its body is written leaves it suspended, and trio reports it when it is collected.
    The same bytes through a plain iterator leave nothing to finalise.
    """

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    def __aiter__(self) -> _OneChunk:
        return _OneChunk(self._data)

    def __iter__(self) -> Iterator[bytes]:
        return iter((self._data,))


class _OneChunk:
    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data: bytes | None = data

    def __aiter__(self) -> _OneChunk:
        return self

    async def __anext__(self) -> bytes:
        if self._data is None:
            raise StopAsyncIteration
        data, self._data = self._data, None
        return data


def _redacted(url: object) -> str:
    """Scheme, host and path of a URL: the query string of a presigned URL is a credential."""
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return "<url>"
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


class _RedactURLs(logging.Filter):
    """Strips query strings from the library's own log lines about the SDK's requests.

    httpx logs every request at INFO with its full URL; following the signed-PDF redirect would
    put the storage URL's signature into the application's logs. Only records emitted while the
    SDK sends (``_SENDING``) are touched: other httpx users in the process keep their logs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if _SENDING.get() and isinstance(record.args, tuple):
            record.args = tuple(
                _redacted(arg) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        return True


_FILTER = _RedactURLs()


def _install_log_filter() -> None:
    logger = logging.getLogger("httpx")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


_install_log_filter()
