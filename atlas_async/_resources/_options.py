"""Per-call options: ``timeout=``, ``max_retries=``, ``extra_headers=``, ``extra_query=`` on every
resource method, as a one-off for that call (``with_options`` makes a lasting copy instead).

A public method takes them as ``**options`` (typed by :class:`RequestOptions`); the
:func:`request_options` decorator checks them and holds them in a context variable for the
duration of the call, where ``Resource._call`` reads them. So they reach every request the call
makes: the GET a ``send`` reads ``fields_version`` with as well as the POST, each page of a
listing, each poll of a wait.
"""

from __future__ import annotations

import contextvars
import functools
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, ParamSpec, TypedDict, TypeVar

__all__ = [
    "Applied",
    "RequestOptions",
    "RetryOptions",
    "applying",
    "applying_to",
    "capture",
    "current",
    "request_options",
    "restore",
]

P = ParamSpec("P")
R = TypeVar("R")


class RetryOptions(TypedDict, total=False):
    """The per-call options of a method whose ``timeout`` is its own (an overall wait)."""

    #: Retries after a failed attempt, for this call's requests.
    max_retries: int
    #: Headers added to this call's requests (they cannot replace the credentials).
    extra_headers: Mapping[str, str]
    #: Query parameters added to this call's requests.
    extra_query: Mapping[str, str | int | float | bool]


class RequestOptions(RetryOptions, total=False):
    """The per-call options every resource method takes as keyword arguments."""

    #: Seconds each attempt may take, for this call's requests.
    timeout: float


@dataclass(frozen=True, slots=True)
class Applied:
    """Checked per-call options; None where the client's settings apply."""

    timeout: float | None = None
    max_retries: int | None = None
    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, Any] | None = None

    def under(self, outer: Applied | None) -> Applied:
        """These options, inside a call that had ``outer``'s (a flow's inner calls)."""
        if outer is None:
            return self
        return Applied(
            self.timeout if self.timeout is not None else outer.timeout,
            self.max_retries if self.max_retries is not None else outer.max_retries,
            {**(outer.extra_headers or {}), **(self.extra_headers or {})} or None,
            {**(outer.extra_query or {}), **(self.extra_query or {})} or None,
        )


_CURRENT: contextvars.ContextVar[Applied | None] = contextvars.ContextVar(
    "atlas_async_request_options", default=None
)


def current() -> Applied | None:
    """The per-call options of the call in flight in this task, if any."""
    return _CURRENT.get()


# Headers the SDK owns, and what to use instead: one way to set each, so no precedence to learn.
_OWNED_HEADERS = {
    "authorization": "the client's credentials always go (Atlas(api_key=...) or auth=)",
    "idempotency-key": "pass idempotency_key= to the call",
    "atlas-account": "use atlas.for_account(...)",
}


def _check(options: Mapping[str, Any]) -> Applied:
    unknown = set(options) - {"timeout", "max_retries", "extra_headers", "extra_query"}
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    timeout = _check_timeout(options.get("timeout"))
    retries = _check_retries(options.get("max_retries"))
    headers = _check_headers(options.get("extra_headers"))
    query = _check_query(options.get("extra_query"))
    return Applied(
        float(timeout) if timeout is not None else None,
        retries,
        dict(headers) if headers else None,
        dict(query) if query else None,
    )


def _check_timeout(timeout: Any) -> float | None:
    if timeout is not None and (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise ValueError(f"timeout must be a positive, finite number of seconds, got {timeout!r}")
    return timeout


def _check_retries(retries: Any) -> int | None:
    if retries is not None and (
        isinstance(retries, bool) or not isinstance(retries, int) or retries < 0
    ):
        raise ValueError(f"max_retries must be an int >= 0, got {retries!r}")
    return retries


def _check_headers(headers: Any) -> Mapping[str, str] | None:
    if headers is None:
        return None
    if not isinstance(headers, Mapping):
        raise TypeError("extra_headers must be a mapping of header names to values")
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError("extra_headers names and values must be strings")
        if not name.isascii() or not name.isprintable() or not name.strip() or ":" in name:
            raise ValueError(f"invalid header name in extra_headers: {name!r}")
        if any(ch in value for ch in "\r\n\x00"):
            raise ValueError(f"the value of extra header {name!r} contains a line break")
        owner = _OWNED_HEADERS.get(name.lower())
        if owner is not None:
            raise ValueError(f"{name} cannot be an extra header: {owner}")
    return headers


def _check_query(query: Any) -> Mapping[str, str | int | float | bool] | None:
    if query is None:
        return None
    if not isinstance(query, Mapping):
        raise TypeError("extra_query must be a mapping of parameter names to values")
    for name, value in query.items():
        if not isinstance(name, str) or not isinstance(value, str | int | float | bool):
            raise TypeError("extra_query names must be strings, values str/int/float/bool")
    return query


def request_options(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Decorate a resource coroutine taking ``**options``: checks them, applies them to every
    request of the call. Options a method names itself (a wait's ``timeout``) stay its own."""
    own = set(fn.__code__.co_varnames[: fn.__code__.co_argcount + fn.__code__.co_kwonlyargcount])

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        picked = {k: kwargs.pop(k) for k in list(kwargs) if k not in own}
        if not picked:
            # Nothing here is needed while the call runs, and a wait runs for minutes: ten
            # thousand of them would each keep their arguments here too (some 300 bytes).
            call = fn(*args, **kwargs)
            del args, kwargs, picked
            return await call
        token = _CURRENT.set(_check(picked).under(_CURRENT.get()))
        try:
            return await fn(*args, **kwargs)
        finally:
            _CURRENT.reset(token)

    return wrapper


def capture(options: Mapping[str, Any]) -> Applied | None:
    """Per-call options checked now, for work that runs later (a listing's pages)."""
    return _check(options).under(_CURRENT.get()) if options else _CURRENT.get()


async def applying_to(applied: Applied | None, call: Awaitable[R]) -> R:
    """Await ``call`` (a coroutine not yet started) with ``applied`` as its per-call options."""
    token = _CURRENT.set(applied)
    try:
        return await call
    finally:
        _CURRENT.reset(token)


def applying(applied: Applied | None) -> contextvars.Token[Applied | None]:
    return _CURRENT.set(applied)


def restore(token: contextvars.Token[Applied | None]) -> None:
    _CURRENT.reset(token)
