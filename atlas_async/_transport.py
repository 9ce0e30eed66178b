"""The one transport: every request the SDK makes goes through :meth:`Transport.send`.

That single function owns what the generated client does not: authentication (an API key or a
TokenProvider, refreshed once on 401), the Atlas-Account header per request, explicit timeouts,
retries with backoff and jitter, typed errors on every non-2xx, redacted logging, and credential
stripping on cross-host redirects. The generated endpoint functions reach it through
:class:`GeneratedSeam`, an object that quacks like the ``httpx.AsyncClient`` they expect, so every
generated call gets the same behaviour and the generated code never sees an error status (which is
what keeps its ``HTTPStatus(520)`` crash and its "return the error body" habit out of users' way).

httpx stays private to this module and its siblings: no public signature mentions it.
"""

from __future__ import annotations

import logging
import platform
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

import anyio
import httpx

from ._auth import TokenProvider
from ._config import allows_plain_http
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    IdempotencyKeyInUseError,
    error_from_response,
)
from ._multipart import MultipartBody
from ._retry_after import parse_retry_after
from ._version import __version__

if TYPE_CHECKING:
    from ._generated.client import Client as GeneratedClient

__all__ = [
    "MAX_RETRY_AFTER",
    "USER_AGENT",
    "Call",
    "GeneratedSeam",
    "Transport",
    "backoff_delay",
    "map_transport_errors",
    "parse_retry_after",
    "replayed",
]

logger = logging.getLogger("atlas_async")

USER_AGENT = (
    f"atlas-async/{__version__} python/{platform.python_version()} httpx/{httpx.__version__}"
)
# A server asking for a longer pause than this gets its error surfaced instead of a silent sleep.
MAX_RETRY_AFTER = 60.0
INITIAL_BACKOFF = 0.5
MAX_BACKOFF = 8.0
CONNECT_TIMEOUT = 10.0
MAX_REDIRECTS = 5
DEFAULT_LIMITS = httpx.Limits(
    max_connections=100, max_keepalive_connections=20, keepalive_expiry=30
)

# The one place backoff sleeps; tests swap it to record delays instead of waiting them out.
_sleep = anyio.sleep

_RETRY_STATUSES = frozenset({408, 429})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Where send() leaves its replay verdict on a response (a private response extension).
_REPLAYED = "atlas_async.replayed"


@dataclass(frozen=True, slots=True)
class Call:
    """Everything one logical call needs on the wire; built per call, never stored on a client.

    ``rewindable`` is False when the body is a stream that cannot be re-read (a non-seekable file
    object): such a request is sent exactly once, whatever ``max_retries`` says.
    """

    timeout: float
    max_retries: int
    account: str | None = None
    envelope_id: str | None = None
    rewindable: bool = True
    stream: bool = False
    bearer: str | None = None  # a token used instead of the client's credentials (signer decline)
    credentials: bool = True  # False for a cross-host redirect target: send no secrets at all

    def with_(self, **changes: Any) -> Call:
        return replace(self, **changes)


class _BytesBody(httpx.AsyncByteStream, httpx.SyncByteStream):
    """An in-memory request body (JSON, or empty) iterated without a generator."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    def __aiter__(self) -> _OneChunk:
        return _OneChunk(self._data)

    def __iter__(self) -> Iterator[bytes]:
        return iter((self._data,))


class _OneChunk:
    """One pass over an in-memory body: a plain object, nothing to finalise if dropped."""

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


def backoff_delay(attempt: int) -> float:
    """Exponential backoff with jitter: 0.5 s, 1 s, 2 s... capped at 8 s, minus up to 25 %.

    The jitter spreads out clients that failed together so they do not come back together.
    """
    base: float = min(INITIAL_BACKOFF * (2.0**attempt), MAX_BACKOFF)
    return base * (1 - 0.25 * random.random())


@contextmanager
def map_transport_errors(method: str, path: str) -> Iterator[None]:
    """Turn httpx's connection and timeout errors into ours, so httpx stays private.

    The one mapping for every place that touches the network: the send and body read in
    :meth:`Transport.send`, and the chunks of a streamed download read after it returned.
    """
    try:
        yield
    except httpx.TimeoutException as exc:
        raise APITimeoutError(
            f"request timed out: {method} {path}", method=method, url=path
        ) from exc
    except httpx.TransportError as exc:
        raise APIConnectionError(
            f"connection error on {method} {path}: {type(exc).__name__}",
            method=method,
            url=path,
        ) from exc


def replayed(response: httpx.Response) -> bool:
    """Whether ``response`` replays work done before this call (see ``was_replayed``).

    ``Idempotency-Replayed: true`` on an answer to the first attempt, or to a retry after
    attempts that cannot have done the work (a 429, a 409 ``idempotency_key_in_use``).
    """
    return bool(response.extensions.get(_REPLAYED, False))


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port)


class Transport:
    """One per ``Atlas`` (shared by all its copies): the HTTP client, the credentials, the pool."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        auth: TokenProvider | None,
        http_client: httpx.AsyncClient | None,
        timeout: float,
        allow_insecure_http: bool = False,
    ) -> None:
        self.base_url = base_url
        self.allow_insecure_http = allow_insecure_http
        self._api_key = api_key
        self._auth = auth
        if http_client is None:
            self.http = httpx.AsyncClient(
                timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
                limits=DEFAULT_LIMITS,
                headers={"User-Agent": USER_AGENT},
                # Redirects are followed by hand (download only) so credentials never leave the host.
                follow_redirects=False,
            )
            self.owns_http = True
        else:
            self.http = http_client
            self.owns_http = False
        self.closed = False

    async def aclose(self) -> None:
        self.closed = True
        if self.owns_http:
            await self.http.aclose()

    def __repr__(self) -> str:  # never shows the key
        return f"<Transport base_url={self.base_url!r}>"

    # Building requests -------------------------------------------------------------------------

    def build(
        self,
        call: Call,
        method: str,
        url: str,
        **kwargs: Any,
    ) -> httpx.Request:
        """An httpx request for ``url`` (a path under base_url, or absolute) with per-call settings."""
        if url.startswith("/"):
            url = self.base_url + url
        seconds = call.timeout
        files = kwargs.pop("files", None)
        request = self.http.build_request(
            method,
            url,
            timeout=httpx.Timeout(seconds, connect=min(seconds, CONNECT_TIMEOUT)),
            **kwargs,
        )
        if files is not None:
            # Our own multipart body in place of httpx's generator-based one (see _multipart),
            # with a random boundary in place of the generated code's fixed "+++".
            if "data" in kwargs or "content" in kwargs or "json" in kwargs:
                raise TypeError("files= cannot be combined with data=, content= or json=")
            body = MultipartBody(files)
            headers = request.headers.copy()
            headers["Content-Type"] = body.content_type
            if body.content_length is not None:
                headers["Content-Length"] = str(body.content_length)
                headers.pop("Transfer-Encoding", None)
            else:
                headers.pop("Content-Length", None)
                headers["Transfer-Encoding"] = "chunked"
            # A new Request rather than a swapped stream: one built without a body believes
            # its content is b"" and would tell any hook reading it so.
            request = httpx.Request(
                request.method,
                request.url,
                headers=headers,
                stream=body,
                extensions=request.extensions,
            )
        request.headers["User-Agent"] = USER_AGENT
        # The generated functions put Atlas-Account on the request when asked; this covers the
        # hand-built ones. The account lives on the call, never on the shared client.
        if call.account and "Atlas-Account" not in request.headers:
            request.headers["Atlas-Account"] = call.account
        return request

    async def _credentials(self, call: Call) -> str | None:
        if not call.credentials:
            return None
        if call.bearer is not None:
            return call.bearer
        if self._auth is not None:
            return await self._auth.token()
        return self._api_key

    # Sending -----------------------------------------------------------------------------------

    async def send(self, request: httpx.Request, call: Call) -> httpx.Response:
        """Send with retries; return a 2xx response (body read unless ``call.stream``) or raise.

        Retried: connection errors, timeouts, 408, 429, 5xx and 409 ``idempotency_key_in_use``,
        and only when the request is safe to repeat (GET, or carrying an Idempotency-Key) and its
        body can be re-sent. Never retried: the other 4xx.
        """
        if self.closed:
            raise RuntimeError("this Atlas client is closed; create a new one")
        if isinstance(request.stream, httpx.ByteStream):
            # httpx iterates an in-memory body with an async generator: a request cancelled
            # while its body is written leaves it suspended, and trio reports it when it is
            # collected. The same bytes through a plain iterator leave nothing to finalise.
            request.stream = _BytesBody(request.content)
        rewindable = call.rewindable and not (
            isinstance(request.stream, MultipartBody) and not request.stream.rewindable
        )
        repeatable = rewindable and (
            request.method in _SAFE_METHODS or "Idempotency-Key" in request.headers
        )
        if call.credentials:
            # Keep whatever the caller's own httpx client would add from leaking in beside ours.
            request.headers.pop("Authorization", None)
        else:
            for name in ("Authorization", "Atlas-Account", "Idempotency-Key", "Cookie"):
                request.headers.pop(name, None)
        token = await self._credentials(call)
        refreshed = False
        attempt = 0
        # Set once an attempt may have reached the server and done the work (a connection lost,
        # a 5xx, a 408): a replay answering a later retry may then be this call's own work.
        uncertain = False
        path = request.url.path
        while True:
            if token is not None:
                request.headers["Authorization"] = f"Bearer {token}"
            started = time.monotonic()
            try:
                response = await self._exchange(request, call)
            except APIConnectionError as error:
                if not (repeatable and attempt < call.max_retries):
                    raise
                uncertain = True
                delay = backoff_delay(attempt)
                reason = type(error.__cause__ or error).__name__
                self._log_retry(request, call, attempt, delay, reason, None)
                attempt += 1
                await _sleep(delay)
                continue
            elapsed = time.monotonic() - started
            status = response.status_code
            request_id = response.headers.get("x-request-id")
            self._log_response(request, call, status, request_id, elapsed, attempt)
            if 200 <= status < 300 or (status in _REDIRECTS and call.stream):
                response.extensions[_REPLAYED] = (
                    response.headers.get("idempotency-replayed", "").lower() == "true"
                    and not uncertain
                )
                return response
            status_error = error_from_response(status, response.headers, response.content)
            if (
                status == 401
                and not refreshed
                and self._auth is not None
                and call.bearer is None
                and rewindable
                and token is not None
            ):
                # The server rejected the token before doing anything: one refresh, one resend.
                refreshed = True
                new_token = await self._auth.refresh(token)
                if new_token is not None:
                    logger.info("atlas_async: token rejected; retrying with a refreshed token")
                    token = new_token
                    continue
            retryable = (
                status in _RETRY_STATUSES
                or status >= 500
                or isinstance(status_error, IdempotencyKeyInUseError)
            )
            if not (retryable and repeatable and attempt < call.max_retries):
                raise status_error
            wait = parse_retry_after(response.headers)
            if wait is not None and wait > MAX_RETRY_AFTER:
                logger.info(
                    "atlas_async: not retrying %s %s: server asked to wait %.0f s (cap %.0f s)",
                    request.method,
                    path,
                    wait,
                    MAX_RETRY_AFTER,
                )
                raise status_error
            delay = wait if wait is not None else backoff_delay(attempt)
            self._log_retry(request, call, attempt, delay, f"HTTP {status}", request_id)
            uncertain = uncertain or status == 408 or status >= 500
            attempt += 1
            await _sleep(delay)

    async def _exchange(self, request: httpx.Request, call: Call) -> httpx.Response:
        """One attempt: send, and read the body unless the caller streams a success.

        The body is read inside the same guard as the send: a connection that drops (or a read
        that times out) while the body arrives is a connection error like one before the status
        line, and goes through the same retry decision. Raises APIConnectionError (or
        APITimeoutError), never an httpx exception.
        """
        with map_transport_errors(request.method, request.url.path):
            response = await self.http.send(request, stream=True, auth=None, follow_redirects=False)
            status = response.status_code
            if call.stream and (200 <= status < 300 or status in _REDIRECTS):
                return response
            try:
                await response.aread()
            finally:
                await response.aclose()
            return response

    async def send_following_redirects(self, request: httpx.Request, call: Call) -> httpx.Response:
        """Stream a GET that may answer 3xx (the signed-PDF download).

        A redirect to another origin (a storage bucket's signed URL) is followed with no
        Authorization, Atlas-Account or cookies: the API key never leaves the API host. A redirect
        to plain http on a public host is refused (APIStatusError with the 3xx status): the
        presigned URL is itself a credential for the signed contract, and the document would
        cross the network in clear text. Plain http is followed where the base URL would be
        allowed it: loopback, ``localhost``, ``*.test``, or with ``allow_insecure_http``.
        """
        call = call.with_(stream=True)
        for _ in range(MAX_REDIRECTS + 1):
            response = await self.send(request, call)
            if response.status_code not in _REDIRECTS:
                return response
            location = response.headers.get("location")
            await response.aclose()
            if not location:
                raise error_from_response(response.status_code, response.headers, b"")
            target = request.url.join(location)
            # Never keep Location on an error: a presigned URL's query string is a credential.
            kept = {k: v for k, v in response.headers.items() if k.lower() != "location"}
            if target.scheme not in ("http", "https"):
                raise APIStatusError(
                    f"refusing to follow a redirect to a {target.scheme!r} URL",
                    status_code=response.status_code,
                    request_id=response.headers.get("x-request-id"),
                    headers=kept,
                )
            if not (self.allow_insecure_http or allows_plain_http(str(target))):
                # Only scheme and host: the query string of a presigned URL is a credential.
                raise APIStatusError(
                    f"refusing to follow a redirect to plain http on {target.host!r}: the "
                    "document would cross the network unencrypted (allow_insecure_http=True "
                    "permits it for a test server)",
                    status_code=response.status_code,
                    request_id=response.headers.get("x-request-id"),
                    headers=kept,
                )
            if _origin(target) == _origin(request.url) and call.credentials:
                request = self.build(call, "GET", str(target))
            else:
                logger.debug("atlas_async: following redirect to another host without credentials")
                call = call.with_(credentials=False, account=None)
                request = httpx.Request(
                    "GET",
                    target,
                    headers={"User-Agent": USER_AGENT},
                    extensions={"timeout": request.extensions.get("timeout", {})},
                )
        raise APIStatusError(
            f"too many redirects (more than {MAX_REDIRECTS})", status_code=310, headers={}
        )

    # Logging -----------------------------------------------------------------------------------

    @staticmethod
    def _log_response(
        request: httpx.Request,
        call: Call,
        status: int,
        request_id: str | None,
        elapsed: float,
        attempt: int,
    ) -> None:
        if not logger.isEnabledFor(logging.DEBUG):
            return
        # Only the path: query strings and bodies may carry tokens; headers are never logged.
        logger.debug(
            "%s %s -> %s in %.0f ms (request_id=%s envelope=%s attempt=%d)",
            request.method,
            request.url.path if call.credentials else request.url.host,
            status,
            elapsed * 1000,
            request_id,
            call.envelope_id,
            attempt + 1,
        )

    @staticmethod
    def _log_retry(
        request: httpx.Request,
        call: Call,
        attempt: int,
        delay: float,
        reason: str,
        request_id: str | None,
    ) -> None:
        logger.info(
            "retrying %s %s in %.2f s after %s (retry %d of %d, request_id=%s envelope=%s)",
            request.method,
            request.url.path if call.credentials else request.url.host,
            delay,
            reason,
            attempt + 1,
            call.max_retries,
            request_id,
            call.envelope_id,
        )


class GeneratedSeam:
    """What the generated endpoint functions see as their ``httpx.AsyncClient``.

    They only ever call ``request(**kwargs)``; this routes that through :meth:`Transport.send`
    with the per-call settings, so nothing per-request is stored on a shared client (the
    generated ``with_headers`` would mutate the live client: codegen-notes section 3).
    """

    __slots__ = ("_call", "_transport", "last_response")

    def __init__(self, transport: Transport, call: Call) -> None:
        self._transport = transport
        self._call = call
        self.last_response: httpx.Response | None = None

    async def request(self, *, method: str, url: str, **kwargs: Any) -> httpx.Response:
        request = self._transport.build(self._call, method, url, **kwargs)
        try:
            response = await self._transport.send(request, self._call)
        finally:
            if isinstance(request.stream, MultipartBody):
                await request.stream.aclose()
        self.last_response = response
        return response

    def client(self, authenticated: bool = False) -> Any:
        """A generated client whose "httpx client" is this seam.

        ``authenticated`` gives an AuthenticatedClient for the endpoints typed to need one; its
        token is never used (the seam sends the credentials), so it is left empty.
        """
        from ._generated.client import AuthenticatedClient, Client

        generated: GeneratedClient | AuthenticatedClient
        if authenticated:
            generated = AuthenticatedClient(base_url=self._transport.base_url, token="")
        else:
            generated = Client(base_url=self._transport.base_url)
        generated.set_async_httpx_client(cast(httpx.AsyncClient, self))
        return generated
