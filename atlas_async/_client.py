"""``Atlas``: the client object users hold.

One ``Atlas`` owns one transport (one connection pool, one set of credentials). ``with_options`` and
``for_account`` return copies that share that transport and differ only in a small frozen options
record, so a web backend can make a tenant-scoped copy per request for free: nothing per-request
is ever written to a shared object (the generated client's ``with_headers`` does exactly that, and
opens a new pool as well).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, ParamSpec, TypeVar, overload

from ._admission import Admission
from ._config import (
    DEFAULT_TIMEOUT,
    account_from_env,
    check_base_url_security,
    resolve_allow_insecure_http,
    resolve_api_key,
    resolve_base_url,
    validate_account,
)
from ._frozen import Frozen, init
from ._middleware import Middleware, check_middleware
from ._retry import DEFAULT_RETRY, RetryPolicy

if TYPE_CHECKING:
    from ._auth import TokenProvider
    from ._http import AsyncHTTPClient, AsyncHTTPTransport
    from ._raw import RawResponse
    from ._resources._seam import GeneratedSeam
    from ._resources.envelopes import Envelopes
    from ._resources.platform import Platform
    from ._resources.templates import Templates
    from ._transport import Transport
    from ._waiters import WaiterBus

__all__ = ["Atlas"]

T = TypeVar("T")
P = ParamSpec("P")


class _NotGiven:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = _NotGiven()


class Options(Frozen):
    """What differs between copies of one client. Small and immutable on purpose."""

    __match_args__ = ("timeout", "retry", "account", "middleware")
    __slots__ = __match_args__

    timeout: float
    retry: RetryPolicy
    account: str | None
    middleware: tuple[Middleware, ...]

    def __init__(
        self,
        timeout: float,
        retry: RetryPolicy,
        account: str | None,
        middleware: tuple[Middleware, ...] = (),
    ) -> None:
        init(self, timeout=timeout, retry=retry, account=account, middleware=middleware)


def _check_max_bytes(value: int | None, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1024:
        raise ValueError(f"max_response_bytes must be an int >= 1024, got {value!r}")
    return value


def _check_timeout(timeout: float) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(f"timeout must be a number of seconds, got {type(timeout).__name__}")
    if not math.isfinite(timeout) or timeout <= 0:
        # An infinite timeout is how a stuck connection hangs a worker forever.
        raise ValueError(f"timeout must be a positive, finite number of seconds, got {timeout!r}")
    return float(timeout)


def _retry_policy(
    retry: RetryPolicy | None, max_retries: int | None, base: RetryPolicy
) -> RetryPolicy:
    if retry is not None and not isinstance(retry, RetryPolicy):
        raise TypeError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
    policy = retry or base
    if max_retries is not None:
        policy = policy.with_(max_retries=max_retries)  # validated by RetryPolicy
    return policy


class Atlas:
    """The asynchronous Atlas client.

    ``Atlas(api_key=None, *, base_url=None, account=None, timeout=60.0, max_retries=None,
    retry=None, middleware=None, auth=None, http_client=None, http_transport=None,
    waiter_bus=None, app_info=None, max_response_bytes=None, max_connections=None,
    allow_insecure_http=None)``. Unset values come from ``ATLAS_API_KEY``, ``ATLAS_BASE_URL``,
    ``ATLAS_ACCOUNT`` and ``ATLAS_ALLOW_INSECURE_HTTP``.

    * ``timeout``: seconds each attempt may take, status line, headers and body included (a
      server trickling bytes cannot stretch it), and per network read; connect is capped at
      10 s. Never infinite.
    * ``max_retries`` / ``retry``: how failed requests are retried (a :class:`RetryPolicy`;
      ``max_retries`` overrides the policy's count).
    * ``middleware``: async callables run around every HTTP attempt (see :class:`Middleware`).
    * ``auth``: a TokenProvider (e.g. from ``atlas_async.oauth``) instead of an API key.
    * ``http_client``: an ``httpx.AsyncClient`` or ``httpx2.AsyncClient`` you configured yourself
      (proxies, certificates); you own its lifetime, and its redirects are never followed
      automatically. Without one, the SDK makes its own, on httpx unless
      ``ATLAS_HTTP_LIBRARY=httpx2``, and sends its requests straight to its connection pool.
    * ``http_transport``: the transport of the SDK's own client in place of its pool (an
      ``httpx.MockTransport``, the emulator's ``FakeAtlas().transport()``, an aiohttp-backed
      transport): the SDK's own settings and request path, your transport, closed with the
      client. Not with ``http_client``.
    * ``waiter_bus``: where webhook news reaches ``wait_until_signed`` (default: this process).
    * ``app_info``: your integration's ``name/version``, put in front of the User-Agent.
    * ``max_response_bytes``: the largest answer body read into memory (16 MiB by default);
      a larger one is refused with ResponseTooLargeError as soon as it passes the cap.
    * ``max_connections``: requests in flight at once (100 by default), the size of the SDK's
      own connection pool, all kept alive. More calls than that wait their turn in arrival
      order, so 10,000 started together cost about what 100 do, per call. With your own
      ``http_client``, set it to that client's ``max_connections``.

    A plain ``http://`` base URL is refused (ValueError) unless its host is loopback,
    ``localhost``/``*.localhost`` or a ``*.test`` name, or ``allow_insecure_http=True`` is given:
    the credentials would otherwise cross the network in clear text.

    Use it as ``async with Atlas() as atlas: ...`` or call :meth:`aclose` when done.
    """

    __slots__ = ("_options", "_owner", "_shared")

    _shared: _Shared
    _options: Options
    _owner: bool

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        account: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        middleware: Sequence[Middleware] | None = None,
        auth: TokenProvider | None = None,
        http_client: AsyncHTTPClient | None = None,
        http_transport: AsyncHTTPTransport | None = None,
        waiter_bus: WaiterBus | None = None,
        app_info: str | None = None,
        max_response_bytes: int | None = None,
        max_connections: int | None = None,
        allow_insecure_http: bool | None = None,
    ) -> None:
        from . import _http
        from ._direct import transport_library
        from ._resources._seam import GeneratedSeam
        from ._transport import Transport

        if auth is not None:
            if api_key is not None:
                raise ValueError("pass api_key or auth, not both")
            from ._auth import TokenProvider  # here: a client on an API key never needs it

            if not isinstance(auth, TokenProvider):
                raise TypeError("auth must provide async token() and async refresh(rejected)")
            key = None
        else:
            key = resolve_api_key(api_key)
        http = _http.check_client(http_client) if http_client is not None else None
        if http_transport is not None:
            if http is not None:
                raise ValueError("pass http_client or http_transport, not both")
            transport_library(http_transport)  # a TypeError for what is no transport
        if waiter_bus is not None and not _is_waiter_bus(waiter_bus):
            raise TypeError("waiter_bus must provide subscribe(envelope_id) and async publish()")
        timeout = _check_timeout(timeout)
        policy = _retry_policy(retry, max_retries, DEFAULT_RETRY)
        url = resolve_base_url(base_url)
        insecure = resolve_allow_insecure_http(allow_insecure_http)
        check_base_url_security(url, insecure)
        transport = Transport(
            base_url=url,
            api_key=key,
            auth=auth,
            http_client=http,
            http_transport=http_transport,
            timeout=timeout,
            allow_insecure_http=insecure,
            app_info=_check_app_info(app_info),
            max_response_bytes=_check_max_bytes(
                max_response_bytes, _http.DEFAULT_MAX_RESPONSE_BYTES
            ),
            max_connections=max_connections,
        )
        account = validate_account(account) if account is not None else account_from_env()
        self._init(
            _Shared(transport, waiter_bus, GeneratedSeam(transport)),
            Options(timeout, policy, account, check_middleware(middleware)),
            owner=True,
        )

    def _init(self, shared: _Shared, options: Options, *, owner: bool) -> None:
        self._shared = shared
        self._options = options
        self._owner = owner

    # Copies --------------------------------------------------------------------------------------

    def with_options(
        self,
        *,
        timeout: float | _NotGiven = NOT_GIVEN,
        max_retries: int | _NotGiven = NOT_GIVEN,
        retry: RetryPolicy | _NotGiven = NOT_GIVEN,
        middleware: Sequence[Middleware] | _NotGiven = NOT_GIVEN,
        account: str | _NotGiven | None = NOT_GIVEN,
    ) -> Atlas:
        """A copy with other per-request settings; it shares this client's connection pool.

        ``account=None`` removes the account scope. ``middleware`` replaces the list (pass
        ``[*atlas.middleware, extra]`` to add one). Copies are cheap (one small object), never
        need closing, and never change the client they came from.
        """
        changes: dict[str, Any] = {}
        if not isinstance(timeout, _NotGiven):
            changes["timeout"] = _check_timeout(timeout)
        if not isinstance(retry, _NotGiven) or not isinstance(max_retries, _NotGiven):
            changes["retry"] = _retry_policy(
                None if isinstance(retry, _NotGiven) else retry,
                None if isinstance(max_retries, _NotGiven) else max_retries,
                self._options.retry,
            )
        if not isinstance(middleware, _NotGiven):
            changes["middleware"] = check_middleware(middleware)
        if not isinstance(account, _NotGiven):
            changes["account"] = validate_account(account)
        copy = object.__new__(Atlas)
        copy._init(self._shared, self._options.with_(**changes), owner=False)
        return copy

    def for_account(self, account: str) -> Atlas:
        """A copy scoped to a connected account (``ext_<external_id>`` or its UUID)."""
        if account is None:
            raise ValueError("for_account() needs an account id; use with_options(account=None)")
        return self.with_options(account=account)

    # Resources -----------------------------------------------------------------------------------
    # A resource is a one-slot view of its client, made on access rather than cached: caching it
    # would make every copy a reference cycle (copy -> resource -> copy) that only the garbage
    # collector can free, whereas a plain copy is freed the moment it goes out of scope. Its class
    # is imported on first access (see the functions below the class).

    @property
    def envelopes(self) -> Envelopes:
        return _envelopes()(self)

    @property
    def templates(self) -> Templates:
        return _templates()(self)

    @property
    def platform(self) -> Platform:
        return _platform()(self)

    @overload
    async def call(
        self,
        endpoint: object,
        /,
        *args: Any,
        cast_to: type[T],
        idempotency_key: str | None = None,
        **kwargs: Any,
    ) -> T: ...

    @overload
    async def call(
        self,
        endpoint: object,
        /,
        *args: Any,
        cast_to: None = None,
        idempotency_key: str | None = None,
        **kwargs: Any,
    ) -> Any: ...

    async def call(
        self,
        endpoint: object,
        /,
        *args: Any,
        cast_to: type[T] | None = None,
        idempotency_key: str | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call any generated operation through this client: credentials, account, timeouts,
        retries and typed errors included, e.g. one the contract gained after this SDK's methods
        were written.

        ``endpoint`` is a module of ``atlas_async._generated.api`` (or one of its functions);
        ``args`` and ``kwargs`` are its arguments (path parameters, ``body=``...). Returns what
        its generated parser made of the 2xx answer (a model), the JSON when it made nothing, or
        the answer parsed as ``cast_to`` when given (whatever 2xx it came with). A POST carries
        an Idempotency-Key made once for the call, unless you pass ``idempotency_key``.
        """
        from ._resources._call import Operations

        return await Operations(self).run(
            endpoint, args, kwargs, cast_to=cast_to, idempotency_key=idempotency_key
        )

    # Introspection -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._shared.transport.base_url

    @property
    def account(self) -> str | None:
        return self._options.account

    @property
    def max_connections(self) -> int:
        """Requests in flight at once; more wait their turn (shared by every copy)."""
        return self._shared.transport.admission.capacity

    @property
    def timeout(self) -> float:
        return self._options.timeout

    @property
    def max_retries(self) -> int:
        return self._options.retry.max_retries

    @property
    def retry(self) -> RetryPolicy:
        return self._options.retry

    @property
    def middleware(self) -> tuple[Middleware, ...]:
        return self._options.middleware

    @property
    def waiter_bus(self) -> WaiterBus:
        """Where webhook news reaches ``wait_until_signed``; shared by every copy."""
        return self._shared.bus

    async def with_raw_response(
        self, fn: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> RawResponse[T]:
        """Run ``fn(*args, **kwargs)`` (a method of this client's resources) and return the HTTP
        answer it ended on, with the result: ``raw.status_code``, ``raw.headers``,
        ``raw.request_id``, ``raw.replayed``, ``raw.elapsed``, ``raw.parse()``.

        ``raw = await atlas.with_raw_response(atlas.envelopes.get, envelope_id)`` is typed
        ``RawResponse[Envelope]``. Errors are raised as from the call itself.
        """
        from ._raw import with_raw_response

        return await with_raw_response(fn, *args, **kwargs)

    async def notify_envelope(self, envelope_id: str, status: str | None = None) -> None:
        """Tell every ``wait_until_signed`` on ``envelope_id`` what happened to it.

        ``status`` is the envelope status an event reported (``"signed"`` ends the wait with no
        further request; ``None`` makes the waiter poll now). The webhook dispatcher calls this
        for every verified event; call it yourself if webhooks reach you another way.
        """
        await self._shared.bus.publish(envelope_id, status)

    @property
    def _transport(self) -> Transport:
        return self._shared.transport

    def __repr__(self) -> str:
        account = f", account={self._options.account!r}" if self._options.account else ""
        return f"Atlas(base_url={self.base_url!r}{account})"

    # Lifecycle -----------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the connection pool (if this client created it). Copies do not own the pool:
        closing one is a no-op; close the client you constructed."""
        if self._owner:
            await self._shared.transport.aclose()

    async def __aenter__(self) -> Atlas:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class _Shared:
    """What all copies of one client share: the transport (pool, credentials), the waiter bus,
    and the bridge the generated endpoints are called through. Set once (the default bus on
    first use), never changed."""

    __slots__ = ("_bus", "polls", "seam", "transport")

    def __init__(self, transport: Transport, bus: WaiterBus | None, seam: GeneratedSeam) -> None:
        self.transport = transport
        self._bus = bus
        self.seam = seam
        # The turns of the ``wait_until_signed`` polls: half the pool at most (as ``wait_many``
        # takes), so the client's other calls keep their way to the server. A wait queues here
        # with no request built, and decides again when its turn comes (see _signing).
        self.polls = Admission(max(1, transport.admission.capacity // 2))

    @property
    def bus(self) -> WaiterBus:
        """The caller's waiter bus, or the default :class:`LocalWaiterBus`, made (and its module
        imported) on first use: a client that never waits never loads the waiting machinery."""
        bus = self._bus
        if bus is None:
            from ._waiters import LocalWaiterBus

            bus = self._bus = LocalWaiterBus()
        return bus


def _is_waiter_bus(bus: object) -> bool:
    from ._waiters import WaiterBus

    return isinstance(bus, WaiterBus)


# RFC 9110 product tokens (``name/version``), one or more separated by single spaces.
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
# A pattern, not a compiled regex: `re` compiles (and caches) it the first time an app_info is
# given, so clients without one never pay for it.
_APP_INFO = rf"{_TOKEN}(?:/{_TOKEN})?(?: {_TOKEN}(?:/{_TOKEN})?)*"


def _check_app_info(app_info: str | None) -> str | None:
    """An integration's ``name/version``, put in front of the SDK's User-Agent."""
    if app_info is None:
        return None
    if not isinstance(app_info, str) or not re.fullmatch(_APP_INFO, app_info):
        raise ValueError(f"app_info must be a product token such as 'my-app/1.2', got {app_info!r}")
    return app_info


# The resource classes, imported on first access (so ``import atlas_async`` stays light) and then
# kept: a ``from ... import`` inside a property runs the import machinery on every access (about
# 4 us a call on the 2-core benchmark machine, eight times the cost of making the view).


@functools.cache
def _envelopes() -> type[Envelopes]:
    from ._resources.envelopes import Envelopes

    return Envelopes


@functools.cache
def _templates() -> type[Templates]:
    from ._resources.templates import Templates

    return Templates


@functools.cache
def _platform() -> type[Platform]:
    from ._resources.platform import Platform

    return Platform
