"""The one transport: every request the SDK makes goes through :meth:`Transport.send`.

That function owns what the generated client does not: credentials (an API key or a
TokenProvider, refreshed once on a 401), the Atlas-Account header per call, explicit timeouts,
retries under the one :class:`~atlas_async._retry.RetryPolicy`, the per-attempt middleware chain,
typed errors on every non-2xx, and redacted logging. It is written as three steps per attempt:

* :meth:`Transport._prepare`: once per call, make the body re-sendable (or note that it is not)
  and decide whether the request may be repeated at all;
* :meth:`Transport._attempt`: one attempt through the middleware chain, ``Authorization`` set
  innermost so no middleware sees it;
* :meth:`Transport._decide`: return the answer, refresh a rejected token, retry after a pause, or
  raise the typed error.

The HTTP library itself is reached only through :mod:`._http`.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import anyio

from . import _http
from ._admission import Admission, PoolEntry, ReleasingStream
from ._body import ACCEPT_ENCODING, DocumentBody
from ._call import Call
from ._direct import Direct, own_client
from ._errors import APIConnectionError, APIStatusError
from ._log import logger as get_logger
from ._middleware import Attempt, AttemptResponse, chain
from ._recording import record
from ._retry import (
    may_have_committed,
    parse_retry_after,
    retryable_status,
)
from ._secrets import register
from ._version import __version__

if TYPE_CHECKING:
    from ._auth import TokenProvider

__all__ = ["DEFAULT_MAX_CONNECTIONS", "USER_AGENT", "Transport", "replayed", "user_agent"]

logger = get_logger("atlas_async")

# The Python version from sys, not `platform.python_version()`: `platform` takes about 4 ms to
# import on this project's machine, and nothing else on the way to the first client needs it.
_PYTHON = "{}.{}.{}".format(*sys.version_info[:3])
USER_AGENT = f"atlas-async/{__version__} python/{_PYTHON} {_http.LIBRARY}"
#: Requests in flight on one client's connection pool at once (``Atlas(max_connections=...)``);
#: more wait their turn at the admission gate (see _admission). The SDK's own client keeps every
#: connection it opens alive (httpx's default keeps 20: with more in flight, a burst of requests
#: reconnects for each one beyond them; on httpx 0.28 nearly every request did, see _pool).
DEFAULT_MAX_CONNECTIONS = 100


async def _sleep(seconds: float) -> None:
    """The one place a retry pause sleeps (tests swap it to record delays). Not ``anyio.sleep``
    itself: reading that at import loads two anyio modules on the way to the first Atlas()."""
    await anyio.sleep(seconds)


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Where send() leaves its replay verdict on a response (a private response extension).
_REPLAYED = "atlas_async.replayed"
# Headers never sent to another host than the API's.
_CREDENTIAL_HEADERS = ("Authorization", "Atlas-Account", "Idempotency-Key", "Cookie")


def user_agent(app_info: str | None = None) -> str:
    """The SDK's User-Agent, with an integrator's ``name/version`` in front when given."""
    return f"{app_info} {USER_AGENT}" if app_info else USER_AGENT


class _Progress:
    """What one call has learnt across its attempts."""

    __slots__ = (
        "attempt",
        "deadline",
        "refreshed",
        "repeatable",
        "rewindable",
        "state",
        "token",
        "uncertain",
    )

    def __init__(
        self, *, token: str | None, deadline: float, repeatable: bool, rewindable: bool
    ) -> None:
        self.token = token
        self.deadline = deadline
        self.repeatable = repeatable
        self.rewindable = rewindable
        self.attempt = 0
        self.refreshed = False
        # Set once an attempt may have reached the server and done the work (a connection
        # lost, a 5xx, a 408): a replay answering a later retry may then be this call's own work.
        self.uncertain = False
        self.state: dict[str, Any] = {}


def _kept() -> None:
    """The gate place went along with a streamed body, which gives it back when closed."""


def replayed(response: _http.Response) -> bool:
    """Whether ``response`` replays work done before this call (see ``was_replayed``).

    ``Idempotency-Replayed: true`` on an answer to the first attempt, or to a retry after
    attempts that cannot have done the work (a 429, a 409 ``idempotency_key_in_use``).
    """
    return bool(response.extensions.get(_REPLAYED, False))


class Transport:
    """One per ``Atlas`` (shared by all its copies): the HTTP client, the credentials, the pool."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        auth: TokenProvider | None,
        http_client: _http.Client | None,
        timeout: float,
        http_transport: Any = None,
        allow_insecure_http: bool = False,
        app_info: str | None = None,
        max_response_bytes: int = _http.DEFAULT_MAX_RESPONSE_BYTES,
        max_connections: int | None = None,
    ) -> None:
        self.base_url = base_url
        self.admission = Admission(
            DEFAULT_MAX_CONNECTIONS if max_connections is None else max_connections
        )
        self.max_response_bytes = max_response_bytes
        self.allow_insecure_http = allow_insecure_http
        self.user_agent = user_agent(app_info)
        register(api_key)
        self._api_key = api_key
        self._auth = auth
        #: The SDK's own client's transport (see _pool): shards on httpx 0.28, one pool on
        #: httpx2; a caller's ``http_transport``; None with a caller's client.
        self.pool: Any = None
        #: Requests built and sent without the library's client (see _direct), or None.
        self.direct: Direct | None = None
        self.entry: PoolEntry | None = None
        if http_client is None:
            self.http, self.pool, self.direct = own_client(
                seconds=timeout,
                capacity=self.admission.capacity,
                headers={"User-Agent": self.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
                transport=http_transport,
            )
            self.owns_http = True
            # Only on our own pool on httpx 0.28: it reports through ``trace`` (a caller's
            # transport might not, and would get one request at a time).
            if http_transport is None and _http.library_of(self.http).httpcore1:
                self.entry = PoolEntry()
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

    def build(self, call: Call, method: str, url: str, **kwargs: Any) -> _http.Request:
        """A request for ``url`` (a path under base_url, or absolute) with per-call settings."""
        if url.startswith("/"):
            url = self.base_url + url
        files = kwargs.pop("files", None)
        if call.extra_query:
            kwargs["params"] = {**(kwargs.get("params") or {}), **call.extra_query}
        if self.direct is not None:
            request = self.direct.build(method, url, seconds=call.timeout, **kwargs)
        else:
            request = self.http.build_request(
                method, url, timeout=_http.timeout(call.timeout), **kwargs
            )
        if files is not None:
            request = self._with_multipart(request, files, kwargs)
        headers = request.headers
        if call.extra_headers:
            headers.update(call.extra_headers)
        if call.extra_headers or not self.owns_http:
            # (The SDK's own client starts with both right, and only a call's extra headers
            # could change them: two header lookups less on most calls.)
            self._settle_client_headers(headers)
        # The generated functions put Atlas-Account on the request when asked; this covers the
        # hand-built ones. The account lives on the call, never on the shared client.
        if call.account and "Atlas-Account" not in headers:
            headers["Atlas-Account"] = call.account
        if call.post_key and method.upper() == "POST" and "Idempotency-Key" not in headers:
            headers["Idempotency-Key"] = call.post_key
        return request

    def _settle_client_headers(self, headers: _http.Headers) -> None:
        # A User-Agent the caller set (on their own client, or for this call) is kept, with
        # ours after it.
        given = headers.get("User-Agent")
        if given != self.user_agent:
            if given and not given.startswith(("atlas-async/", *_http.LIBRARY_USER_AGENTS)):
                if self.user_agent not in given:
                    headers["User-Agent"] = f"{given} {self.user_agent}"
            else:
                headers["User-Agent"] = self.user_agent
        # Only the encodings the SDK decodes itself (see _body): never br or zstd by accident.
        if headers.get("Accept-Encoding") != ACCEPT_ENCODING:
            headers["Accept-Encoding"] = ACCEPT_ENCODING

    @staticmethod
    def _with_multipart(
        request: _http.Request, files: Any, kwargs: Mapping[str, Any]
    ) -> _http.Request:
        # Our own multipart body in place of the library's generator-based one (see
        # _multipart), with a random boundary in place of the generated code's fixed "+++".
        from ._multipart import MultipartBody  # here: a client that never uploads never loads it

        if "data" in kwargs or "content" in kwargs or "json" in kwargs:
            raise TypeError("files= cannot be combined with data=, content= or json=")
        body = _http.streaming(request, MultipartBody)(files)
        headers = request.headers.copy()
        headers["Content-Type"] = body.content_type
        if body.content_length is not None:
            headers["Content-Length"] = str(body.content_length)
            headers.pop("Transfer-Encoding", None)
        else:
            headers.pop("Content-Length", None)
            headers["Transfer-Encoding"] = "chunked"
        # A new request rather than a swapped stream: one built without a body believes its
        # content is b"" and would tell any hook reading it so.
        return _http.rebuild(request, headers=headers, stream=body)

    async def _credentials(self, call: Call) -> str | None:
        if not call.credentials:
            return None
        if call.bearer is not None:
            token: str | None = call.bearer
        elif self._auth is not None:
            token = await self._auth.token()
        else:
            return self._api_key
        # A token from a provider (or a signer's) is a secret the scrubber must know, whatever
        # its shape: a server that echoes it must not put it into an error or a log line.
        register(token)
        return token

    # Sending -----------------------------------------------------------------------------------

    async def send(self, request: _http.Request, call: Call) -> _http.Response:
        """Send with retries; return a 2xx response (body read unless ``call.stream``) or raise.

        With ``call.stream`` a 3xx is returned too (the redirect follower decides). Retried:
        connection errors, timeouts, 408, 429, 5xx and 409 ``idempotency_key_in_use``, and only
        when the request is safe to repeat (GET, or carrying an Idempotency-Key) and its body
        can be re-sent, within the policy's ``max_retries`` and ``budget``.
        """
        if self.closed:
            raise RuntimeError("this Atlas client is closed; create a new one")
        progress = await self._prepare(request, call)
        while True:
            try:
                answer = await self._attempt(request, call, progress)
            except APIConnectionError as error:
                delay = self._retry_delay(request, call, progress, None, None)
                if delay is None:
                    raise
                progress.uncertain = True
                await self._pause(
                    request, call, progress, delay, type(error.__cause__ or error).__name__
                )
                continue
            response = answer._response
            outcome = await self._decide(request, call, progress, response)
            if outcome is None:
                return response
            if isinstance(outcome, APIStatusError):
                raise outcome

    async def _prepare(self, request: _http.Request, call: Call) -> _Progress:
        if _http.is_in_memory(request.stream):
            request.stream = _http.bytes_body(request)
        rewindable = call.rewindable and not (
            isinstance(request.stream, DocumentBody) and not request.stream.rewindable
        )
        if not call.credentials:
            for name in _CREDENTIAL_HEADERS:
                request.headers.pop(name, None)
        elif not self.owns_http or call.extra_headers:
            # Keep whatever the caller's own client (or headers) would add from leaking in
            # beside ours, and from the middleware's sight. (The SDK's own client adds none.)
            request.headers.pop("Authorization", None)
        return _Progress(
            token=await self._credentials(call),
            deadline=anyio.current_time() + call.retry.budget,
            rewindable=rewindable,
            repeatable=rewindable
            and (request.method in _SAFE_METHODS or "Idempotency-Key" in request.headers),
        )

    async def _attempt(
        self, request: _http.Request, call: Call, progress: _Progress
    ) -> AttemptResponse:
        if not call.middleware:
            return await self._exchange(request, call, progress)

        async def innermost(_: Attempt) -> AttemptResponse:
            return await self._exchange(request, call, progress)

        attempt = Attempt(
            request,
            number=progress.attempt,
            max_retries=call.retry.max_retries,
            operation=call.operation,
            envelope_id=call.envelope_id,
            account=call.account,
            deadline=progress.deadline,
            state=progress.state,
        )
        return await chain(call.middleware, innermost)(attempt)

    async def _exchange(
        self, request: _http.Request, call: Call, progress: _Progress
    ) -> AttemptResponse:
        """The attempt itself, innermost in the chain: credentials go on here, after every
        middleware ran, so none of them ever sees a token."""
        if progress.token is not None:
            request.headers["Authorization"] = f"Bearer {progress.token}"
        release = await self.admission.enter()
        leave: Callable[[], None] | None = None
        started = time.monotonic()
        try:
            if self.entry is not None:
                leave = await self.entry.enter(request.extensions)
            response = await _http.exchange(
                self.http,
                request,
                stream=call.stream,
                deadline=call.timeout,
                max_bytes=self.max_response_bytes,
                direct=self.direct,
            )
            if not response.is_closed:  # a streamed body keeps its connection, and its place
                wrapper: Any = _http.streaming(request, ReleasingStream)
                response.stream = wrapper(response.stream, release)
                release = _kept
        finally:
            if leave is not None:
                leave()
            release()
            # A document refused while it streamed (over the size limit) is the caller's error,
            # whatever the server made of the cut body, or the HTTP library of the abort.
            if isinstance(request.stream, DocumentBody) and request.stream.failure is not None:
                raise request.stream.failure
        elapsed = time.monotonic() - started
        self._log_response(request, call, response, elapsed, progress.attempt)
        return AttemptResponse(response, elapsed)

    async def _decide(
        self, request: _http.Request, call: Call, progress: _Progress, response: _http.Response
    ) -> APIStatusError | bool | None:
        """None: return ``response``. True: try again (already paused). An error: raise it."""
        status = response.status_code
        if 200 <= status < 300 or (call.stream and status in _REDIRECTS):
            was_replay = (
                response.headers.get("idempotency-replayed", "").lower() == "true"
                and not progress.uncertain
            )
            response.extensions[_REPLAYED] = was_replay
            record(response, retries=progress.attempt, replayed=was_replay)
            return None
        from ._error_mapping import error_from_response  # here: only an error answer needs it

        error = error_from_response(status, response.headers, response.content)
        if status == 401 and await self._refresh(call, progress):
            return True
        delay = self._retry_delay(request, call, progress, status, error)
        if delay is None:
            return error
        progress.uncertain = progress.uncertain or may_have_committed(status)
        await self._pause(request, call, progress, delay, f"HTTP {status}", error.request_id)
        return True

    async def _refresh(self, call: Call, progress: _Progress) -> bool:
        """After a 401: one refresh of the TokenProvider's token, when that can help."""
        if (
            progress.refreshed
            or self._auth is None
            or call.bearer is not None
            or not progress.rewindable
            or progress.token is None
        ):
            return False
        # The server rejected the token before doing anything: one refresh, one resend.
        progress.refreshed = True
        token = await self._auth.refresh(progress.token)
        if token is None:
            return False
        register(token)
        logger.info("token rejected; retrying with a refreshed token")
        progress.token = token
        return True

    def _retry_delay(
        self,
        request: _http.Request,
        call: Call,
        progress: _Progress,
        status: int | None,
        error: APIStatusError | None,
    ) -> float | None:
        """Seconds to pause before the next attempt, or None: no retry (raise the error)."""
        policy = call.retry
        if not progress.repeatable or progress.attempt >= policy.max_retries:
            return None
        if status is not None and not retryable_status(status, error.code if error else None):
            return None
        retry_after = parse_retry_after(error.headers) if error is not None else None
        delay = policy.delay(progress.attempt, retry_after)
        if delay is None:
            logger.info(
                "not retrying %s %s: server asked to wait %.0f s (cap %.0f s)",
                request.method,
                request.url.path,
                retry_after,
                policy.max_retry_after,
            )
            return None
        if anyio.current_time() + delay > progress.deadline:
            logger.info(
                "not retrying %s %s: the retry budget of %.0f s would be exceeded",
                request.method,
                request.url.path,
                policy.budget,
            )
            return None
        return delay

    async def _pause(
        self,
        request: _http.Request,
        call: Call,
        progress: _Progress,
        delay: float,
        reason: str,
        request_id: str | None = None,
    ) -> None:
        logger.info(
            "retrying %s %s in %.2f s after %s (retry %d of %d, request_id=%s envelope=%s)",
            request.method,
            request.url.path if call.credentials else request.url.host,
            delay,
            reason,
            progress.attempt + 1,
            call.retry.max_retries,
            request_id,
            call.envelope_id,
        )
        progress.attempt += 1
        await _sleep(delay)

    @staticmethod
    def _log_response(
        request: _http.Request,
        call: Call,
        response: _http.Response,
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
            response.status_code,
            elapsed * 1000,
            response.headers.get("x-request-id"),
            call.envelope_id,
            attempt + 1,
        )
