"""The HTTP library, in one place: the only module of the client layer that imports one.

The SDK runs on httpx or on httpx2 (its maintained fork, the same API under another name). This
module owns that choice: a client the user hands in decides for itself; the SDK's own client uses
``ATLAS_HTTP_LIBRARY`` (``httpx`` or ``httpx2``) when it is set, else httpx, the package's declared
dependency. Installing httpx2 for another package (openai, anthropic) does not move the SDK onto
it: httpx2 verifies TLS against the system's trust store instead of certifi's, a change an
application should opt into. Everything else (the transport, multipart bodies, the client,
OAuth's helper) goes through the names defined here, so no public signature mentions either
library. What lives here:

* the libraries (:class:`Library`), the client factory and the check of a caller's own client;
* sending one request (body read, or left streaming) with the library's errors mapped to ours;
* request bodies that are plain iterators rather than async generators (see :class:`BytesBody`);
* a filter that keeps credential-bearing URLs out of the libraries' own log lines.

The type checker sees httpx's classes (``Client``, ``Request``, ``Response``...); an httpx2 object
has the same API, and at run time every object is handled by its own library's classes.
"""

from __future__ import annotations

import contextvars
import functools
import importlib
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast, runtime_checkable
from urllib.parse import urlsplit, urlunsplit

import anyio

from ._body import BodyReader, BytesBody, read_capped
from ._errors import APIConnectionError, APITimeoutError, RedirectError, connection_failure
from ._tls import shared_context

if TYPE_CHECKING:
    import httpx

    from ._direct import Direct

    Client = httpx.AsyncClient
    Request = httpx.Request
    Response = httpx.Response
    Headers = httpx.Headers
    AsyncByteStream = httpx.AsyncByteStream
    SyncByteStream = httpx.SyncByteStream

__all__ = [
    "DEFAULT_LIBRARY",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "LIBRARIES",
    "LIBRARY_USER_AGENTS",
    "AsyncByteStream",
    "AsyncHTTPClient",
    "AsyncHTTPTransport",
    "BodyReader",
    "BytesBody",
    "Client",
    "Headers",
    "Library",
    "Request",
    "Response",
    "SyncByteStream",
    "body_bytes",
    "body_reader",
    "bytes_body",
    "check_client",
    "default_library",
    "exchange",
    "is_in_memory",
    "join_url",
    "library",
    "library_of",
    "map_transport_errors",
    "new_client",
    "new_request",
    "origin",
    "rebuild",
    "streaming",
    "timeout",
]

#: The HTTP libraries the SDK runs on, by import name.
LIBRARIES = ("httpx", "httpx2")
#: The SDK's own client's library when ``ATLAS_HTTP_LIBRARY`` is not set.
DEFAULT_LIBRARY = "httpx"
#: How the libraries' own default User-Agents start (``python-httpx/0.28.1``): not the user's.
LIBRARY_USER_AGENTS = ("python-httpx/", "python-httpx2/")

CONNECT_TIMEOUT = 10.0
#: Seconds an idle connection of the SDK's own clients stays open.
KEEPALIVE_EXPIRY = 30.0

S = TypeVar("S")

# What map_transport_errors and exchange catch: the errors of every library loaded so far (a
# library is loaded before any of its objects exists, so before it can raise).
_TIMEOUTS: tuple[type[Exception], ...] = ()
_FAILURES: tuple[type[Exception], ...] = ()
_INVALID_URLS: tuple[type[Exception], ...] = ()
_NOT_READ: tuple[type[Exception], ...] = ()
_URLS: tuple[type[Any], ...] = ()


class Library:
    """One HTTP library as this module drives it: its classes, its errors, and our request
    bodies made instances of its stream types (which its clients check with ``isinstance``)."""

    def __init__(self, module: Any) -> None:
        self.module = module
        self.name: str = module.__name__
        #: Named in the User-Agent (``httpx/0.28.1``).
        self.label = f"{self.name}/{module.__version__}"
        self.Client: type[Client] = module.AsyncClient
        self.Request: type[Request] = module.Request
        #: Its pool is httpcore 1.x's, which gives one idle connection to several requests at
        #: once (reporting a request's steps through ``trace``: see _admission.PoolEntry) and
        #: closes connections early (see _pool).
        self.httpcore1 = self.name == "httpx"
        self._bodies: dict[type[Any], type[Any]] = {}

    def streaming(self, cls: type[S]) -> type[S]:
        """``cls`` (a request body) as a subclass of this library's stream types."""
        made = self._bodies.get(cls)
        if made is None:
            bases = (cls, self.module.AsyncByteStream, self.module.SyncByteStream)
            made = self._bodies[cls] = type(cls.__name__, bases, {"__slots__": ()})
        return made

    def __repr__(self) -> str:
        return f"<Library {self.label}>"


_LOADED: dict[str, Library] = {}


def library(name: str) -> Library:
    """The library imported as ``name`` (``httpx`` or ``httpx2``), loaded on first use."""
    found = _LOADED.get(name)
    if found is not None:
        return found
    if name not in LIBRARIES:
        raise ValueError(f"unknown HTTP library {name!r}: the SDK runs on {' or '.join(LIBRARIES)}")
    try:
        module = importlib.import_module(name)
    except ImportError:
        # httpx2 is the SDK's extra (the versions its tests run on); httpx its own dependency.
        hint = "'atlas-async[httpx2]'" if name == "httpx2" else name
        raise ImportError(
            f"the HTTP library {name!r} is not installed: pip install {hint}"
        ) from None
    found = _LOADED[name] = Library(module)
    global _TIMEOUTS, _FAILURES, _INVALID_URLS, _NOT_READ, _URLS
    _TIMEOUTS += (module.TimeoutException,)
    # Transport failures, and a body that cannot be decoded (a corrupt gzip stream).
    _FAILURES += (module.RequestError, module.StreamError)
    _INVALID_URLS += (module.InvalidURL,)
    _NOT_READ += (module.RequestNotRead,)
    _URLS += (module.URL,)
    _install_log_filter(name)
    return found


def default_library() -> Library:
    """The SDK's own client's library: ``ATLAS_HTTP_LIBRARY``, else httpx."""
    name = os.environ.get("ATLAS_HTTP_LIBRARY", "").strip().lower() or DEFAULT_LIBRARY
    try:
        return library(name)
    except ValueError:
        raise ValueError(
            f"ATLAS_HTTP_LIBRARY={name!r}: the SDK runs on {' or '.join(LIBRARIES)}"
        ) from None


def library_of(thing: object) -> Library:
    """The library whose object ``thing`` is (a client, a request, a response)."""
    root = type(thing).__module__.partition(".")[0]
    if root not in LIBRARIES:
        raise TypeError(f"not an object of {' or '.join(LIBRARIES)}: {type(thing).__qualname__}")
    return library(root)


@runtime_checkable
class AsyncHTTPClient(Protocol):
    """What ``Atlas(http_client=...)`` accepts: an async HTTP client you configured yourself
    (proxies, certificates, a transport): an ``httpx.AsyncClient`` or an ``httpx2.AsyncClient``.
    You keep ownership and close it yourself."""

    async def aclose(self) -> None: ...


class AsyncHTTPTransport(Protocol):
    """What ``Atlas(http_transport=...)`` accepts: an async transport of httpx or httpx2 (or
    one serving both, as the emulator's), which the SDK's own client sends through."""

    async def handle_async_request(self, request: Request, /) -> Response: ...

    async def aclose(self) -> None: ...


def __getattr__(name: str) -> str:
    if name == "LIBRARY":
        # The User-Agent's ``httpx/0.28.1``: the SDK's own client's library. A bad
        # ATLAS_HTTP_LIBRARY is reported where the client is made (new_client), not here.
        try:
            return default_library().label
        except (ValueError, ImportError):
            return library(DEFAULT_LIBRARY).label
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if not TYPE_CHECKING:
    # At run time the SDK never builds or checks these through the aliases (it asks the object's
    # own library); they stay importable for annotations that are evaluated.
    Client = AsyncHTTPClient
    Request = Response = Headers = AsyncByteStream = SyncByteStream = object


def check_client(client: object) -> Client:
    """``client`` if it is a client this module can drive, else a TypeError naming what it got."""
    root = type(client).__module__.partition(".")[0]
    if root not in LIBRARIES or not isinstance(client, library(root).Client):
        raise TypeError(
            f"http_client must be an httpx.AsyncClient or an httpx2.AsyncClient, got "
            f"{type(client).__module__}.{type(client).__qualname__}"
        )
    return client


@functools.lru_cache(maxsize=64)
def timeout(seconds: float) -> tuple[float, float, float, float]:
    """Per-phase timeouts (connect, read, write, pool): ``seconds`` for read, write and pool;
    connect capped at 10 s. A tuple, which both libraries take wherever they take a timeout.

    Cached: a call does not build a new object for a value it has seen.
    """
    return (min(seconds, CONNECT_TIMEOUT), seconds, seconds, seconds)


def new_client(
    *,
    seconds: float,
    max_connections: int,
    max_keepalive: int,
    headers: Mapping[str, str],
    mount: Any = None,
    transport: Any = None,
    library: Library | None = None,
    cookies: Any = None,
) -> Client:
    """The SDK's own client on ``library`` (by default :func:`default_library`):
    explicit timeouts and limits, redirects never followed for us, the process's shared TLS
    context (see ``_tls``). ``mount`` (``_pool.own_pool``) serves every URL no proxy of the
    environment claims (as ``transport=`` it would switch ``HTTPS_PROXY`` and the like off); a
    caller's ``transport`` serves every URL, as in the library's own client."""
    module = (library or default_library()).module
    client: Client = module.AsyncClient(
        verify=shared_context(module),
        timeout=timeout(seconds),
        limits=module.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive,
            keepalive_expiry=KEEPALIVE_EXPIRY,
        ),
        mounts=None if mount is None else {"all://": mount},
        transport=transport,
        headers=dict(headers),
        cookies=cookies,
        # Redirects are followed by hand (the PDF download only) so credentials never leave
        # the API host.
        follow_redirects=False,
    )
    return client


def new_request(
    client: Client,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    seconds: float | None = None,
) -> Request:
    """A request for ``client``'s library built without the client itself (a redirect hop to
    another host: none of the client's default headers go along)."""
    extensions: dict[str, Any] = {}
    if seconds is not None:
        connect, read, write, pool = timeout(seconds)
        extensions["timeout"] = {"connect": connect, "read": read, "write": write, "pool": pool}
    return library_of(client).Request(method, url, headers=headers, extensions=extensions)


def rebuild(request: Request, *, headers: Headers, stream: Any) -> Request:
    """``request`` anew, of its own library, with other headers and body."""
    return library_of(request).Request(
        request.method, request.url, headers=headers, stream=stream, extensions=request.extensions
    )


def streaming(request: Request, cls: type[S]) -> type[S]:
    """``cls``, a request body class, as ``request``'s library needs its bodies to be."""
    return library_of(request).streaming(cls)


@contextmanager
def map_transport_errors(method: str, path: str) -> Iterator[None]:
    """Turn the library's connection and timeout errors into ours.

    The one mapping for every place that touches the network (inlined in :func:`exchange`, the
    hot path): a streamed download's chunks, OAuth's requests. ``path`` goes into the message,
    so pass a path or a URL without a query string.
    """
    try:
        yield
    except _TIMEOUTS as exc:
        raise _timed_out(method, path) from exc
    except _FAILURES as exc:
        raise _failed(method, path, exc) from exc


def _timed_out(method: str, path: str) -> APITimeoutError:
    return APITimeoutError(f"request timed out: {method} {path}", method=method, url=path)


def _failed(method: str, path: str, exc: Exception) -> APIConnectionError:
    # No usable answer arrived, as with a connection lost mid-body.
    why = connection_failure(exc)
    return APIConnectionError(
        f"connection error on {method} {path}: {type(exc).__name__}" + (f" ({why})" if why else ""),
        method=method,
        url=path,
    )


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
    direct: Direct | None = None,
) -> Response:
    """Send ``request`` once and read the body, or, with ``stream``, leave the body of a 2xx or
    3xx answer unread for the caller (who must close it). Raises only our errors.

    ``deadline`` (seconds) bounds the whole attempt, status line, headers and body, not just
    each read: a server that trickles one byte at a time gets an APITimeoutError shortly after
    it, not never. The body is read incrementally and refused (ResponseTooLargeError) as soon as
    it passes ``max_bytes``, decoded or declared. A dropped connection or a read that times out
    while the body arrives is a connection error like one before the status line. With
    ``direct`` (the SDK's own client, see ``_direct``) the request goes straight to its transport.
    """
    token = _SENDING.set(True)
    path = request.url.path
    try:
        # A bare scope (fail_after wraps one in a generator): leaving the block without
        # returning means it caught its own deadline's cancellation.
        with anyio.CancelScope(deadline=anyio.current_time() + deadline):
            try:
                if direct is not None:
                    response = await direct.send(request)
                else:
                    response = await client.send(
                        request, stream=True, auth=None, follow_redirects=False
                    )
            except _INVALID_URLS:
                # The library builds the next request of any 3xx even when not following it:
                # a Location that is not a URL (``javascript:...``) fails there.
                raise RedirectError(
                    f"{request.method} {path} answered a redirect to an invalid URL",
                    reason="invalid_location",
                ) from None
            if not (stream and 200 <= response.status_code < 400):
                try:
                    await read_capped(response, max_bytes)
                finally:
                    await response.aclose()
            return response
        message = f"request timed out: {request.method} {path} took longer than {deadline:g} s"
        raise APITimeoutError(message, method=request.method, url=path)
    # map_transport_errors, inlined: one context manager less on every request.
    except _TIMEOUTS as exc:
        raise _timed_out(request.method, path) from exc
    except _FAILURES as exc:
        raise _failed(request.method, path, exc) from exc
    finally:
        _SENDING.reset(token)


def body_reader(response: Response, chunk_size: int) -> BodyReader:
    """The decoded body of a streamed response, in chunks (see :mod:`._body`)."""
    return BodyReader(response, chunk_size=chunk_size)


def body_bytes(request: Request) -> bytes | None:
    """The body of ``request`` when it is in memory, else None (a streamed upload)."""
    try:
        return request.content
    except _NOT_READ:
        return None


def is_in_memory(stream: object) -> bool:
    """Is ``stream`` its library's own in-memory body (JSON, form data, or empty)?"""
    root = type(stream).__module__.partition(".")[0]
    return root in _LOADED and isinstance(stream, _LOADED[root].module.ByteStream)


def bytes_body(request: Request) -> AsyncByteStream:
    """``request``'s in-memory body as a :class:`BytesBody` its library accepts."""
    body: Any = streaming(request, BytesBody)(request.content)
    return cast(AsyncByteStream, body)


def join_url(request: Request, location: str) -> str:
    """``location`` (absolute or relative, as in a redirect) resolved against ``request``'s URL,
    by ``request``'s own library.

    Raises ValueError for a location that is not a URL at all.
    """
    errors: tuple[type[Exception], ...] = (*_INVALID_URLS, ValueError, TypeError)
    try:
        return str(request.url.join(location))
    except errors as exc:
        raise ValueError(f"not a URL: {type(exc).__name__}") from None


def origin(request: Request, url: str | None = None) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, by ``request``'s library (of ``request``'s own URL when
    ``url`` is None): what must match for credentials to be sent."""
    parsed = request.url if url is None else type(request.url)(url)
    return (parsed.scheme, parsed.host, parsed.port)


def _redacted(url: object) -> str:
    """Scheme, host and path of a URL: the query string of a presigned URL is a credential."""
    try:
        parts = urlsplit(str(url))
    except ValueError:
        return "<url>"
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


class _RedactURLs(logging.Filter):
    """Strips query strings from the libraries' own log lines about the SDK's requests.

    httpx (and httpx2) log every request at INFO with its full URL; following the signed-PDF
    redirect would put the storage URL's signature into the application's logs. Only records
    emitted while the SDK sends (``_SENDING``) are touched: other users of the library in the
    process keep their logs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if _SENDING.get() and isinstance(record.args, tuple):
            record.args = tuple(
                _redacted(arg) if isinstance(arg, _URLS) else arg for arg in record.args
            )
        return True


_FILTER = _RedactURLs()


def _install_log_filter(name: str) -> None:
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
