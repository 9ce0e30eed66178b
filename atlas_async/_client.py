"""``Atlas``: the client object users hold.

One ``Atlas`` owns one transport (one connection pool, one set of credentials). ``with_options`` and
``for_account`` return copies that share that transport and differ only in a small frozen options
record, so a web backend can make a tenant-scoped copy per request for free: nothing per-request
is ever written to a shared object (the generated client's ``with_headers`` does exactly that, and
opens a new pool too; codegen-notes section 3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

from ._auth import TokenProvider
from ._config import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    account_from_env,
    check_base_url_security,
    resolve_allow_insecure_http,
    resolve_api_key,
    resolve_base_url,
    validate_account,
)
from ._waiters import EnvelopeWaiters

if TYPE_CHECKING:
    from ._resources.envelopes import Envelopes
    from ._resources.platform import Platform
    from ._resources.templates import Templates
    from ._transport import Transport

__all__ = ["Atlas"]


class _NotGiven:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = _NotGiven()


@dataclass(frozen=True, slots=True)
class Options:
    """What differs between copies of one client. Small and immutable on purpose."""

    timeout: float
    max_retries: int
    account: str | None


def _check_timeout(timeout: float) -> float:
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(f"timeout must be a number of seconds, got {type(timeout).__name__}")
    if not math.isfinite(timeout) or timeout <= 0:
        # An infinite timeout is how a stuck connection hangs a worker forever.
        raise ValueError(f"timeout must be a positive, finite number of seconds, got {timeout!r}")
    return float(timeout)


def _check_retries(max_retries: int) -> int:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}")
    return max_retries


class Atlas:
    """The asynchronous Atlas client.

    ``Atlas(api_key=None, *, base_url=None, account=None, timeout=60.0, max_retries=2, auth=None,
    http_client=None, allow_insecure_http=None)``. Unset values come from ``ATLAS_API_KEY``,
    ``ATLAS_BASE_URL``, ``ATLAS_ACCOUNT`` and ``ATLAS_ALLOW_INSECURE_HTTP``.

    A plain ``http://`` base URL is refused (ValueError) unless its host is loopback,
    ``localhost``/``*.localhost`` or a ``*.test`` name, or ``allow_insecure_http=True`` is given:
    the credentials would otherwise cross the network in clear text. ``auth`` takes a TokenProvider (e.g. ``atlas_async.oauth``) instead of a
    key. ``http_client`` takes an ``httpx.AsyncClient`` you configured yourself (proxies,
    certificates, event hooks); you then own its lifetime, and its redirects are never followed
    automatically.

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
        max_retries: int = DEFAULT_MAX_RETRIES,
        auth: TokenProvider | None = None,
        http_client: object | None = None,
        allow_insecure_http: bool | None = None,
    ) -> None:
        from ._transport import Transport

        if auth is not None:
            if api_key is not None:
                raise ValueError("pass api_key or auth, not both")
            if not isinstance(auth, TokenProvider):
                raise TypeError("auth must provide async token() and async refresh(rejected)")
            key = None
        else:
            key = resolve_api_key(api_key)
        http = _check_http_client(http_client)
        timeout = _check_timeout(timeout)
        url = resolve_base_url(base_url)
        insecure = resolve_allow_insecure_http(allow_insecure_http)
        check_base_url_security(url, insecure)
        transport = Transport(
            base_url=url,
            api_key=key,
            auth=auth,
            http_client=http,
            timeout=timeout,
            allow_insecure_http=insecure,
        )
        account = validate_account(account) if account is not None else account_from_env()
        self._init(
            _Shared(transport, EnvelopeWaiters()),
            Options(timeout, _check_retries(max_retries), account),
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
        account: str | _NotGiven | None = NOT_GIVEN,
    ) -> Atlas:
        """A copy with other per-request settings; it shares this client's connection pool.

        ``account=None`` removes the account scope. Copies are cheap (one small object), never
        need closing, and never change the client they came from.
        """
        changes: dict[str, Any] = {}
        if not isinstance(timeout, _NotGiven):
            changes["timeout"] = _check_timeout(timeout)
        if not isinstance(max_retries, _NotGiven):
            changes["max_retries"] = _check_retries(max_retries)
        if not isinstance(account, _NotGiven):
            changes["account"] = validate_account(account)
        copy = object.__new__(Atlas)
        copy._init(self._shared, replace(self._options, **changes), owner=False)
        return copy

    def for_account(self, account: str) -> Atlas:
        """A copy scoped to a connected account (``ext_<external_id>`` or its UUID)."""
        if account is None:
            raise ValueError("for_account() needs an account id; use with_options(account=None)")
        return self.with_options(account=account)

    # Resources -----------------------------------------------------------------------------------
    # A resource is a one-slot view of its client, made on access rather than cached: caching it
    # would make every copy a reference cycle (copy -> resource -> copy) that only the garbage
    # collector can free, whereas a plain copy is freed the moment it goes out of scope.

    @property
    def envelopes(self) -> Envelopes:
        from ._resources.envelopes import Envelopes

        return Envelopes(self)

    @property
    def templates(self) -> Templates:
        from ._resources.templates import Templates

        return Templates(self)

    @property
    def platform(self) -> Platform:
        from ._resources.platform import Platform

        return Platform(self)

    # Introspection -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._shared.transport.base_url

    @property
    def account(self) -> str | None:
        return self._options.account

    @property
    def timeout(self) -> float:
        return self._options.timeout

    @property
    def max_retries(self) -> int:
        return self._options.max_retries

    @property
    def _waiters(self) -> EnvelopeWaiters:
        """Wake-ups for ``wait_until_signed``, shared by every copy (webhooks notify it)."""
        return self._shared.waiters

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


@dataclass(frozen=True, slots=True)
class _Shared:
    """What all copies of one client share: the transport (pool, credentials) and the waiters."""

    transport: Transport
    waiters: EnvelopeWaiters


def _check_http_client(http_client: object | None) -> Any:
    if http_client is None:
        return None
    import httpx

    if not isinstance(http_client, httpx.AsyncClient):
        raise TypeError(
            f"http_client must be an httpx.AsyncClient, got {type(http_client).__name__}"
        )
    return http_client
