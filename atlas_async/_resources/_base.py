"""What every resource shares: the per-call settings, invoking a generated endpoint, paging."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from .._call import Call
from .._generated.types import UNSET, Unset
from .._pagination import AsyncPager, Page
from .._responses import get_request_id
from ._options import applying, capture, current, restore
from ._seam import parse_as

if TYPE_CHECKING:
    from .._client import Atlas

__all__ = ["Resource", "check_limit", "given", "path_id"]

T = TypeVar("T")
V = TypeVar("V")


def given(value: V | None) -> V | Unset:
    """``value``, or the generated layer's UNSET for None: leaves an optional field off the wire,
    so the server's defaults stay the server's."""
    return UNSET if value is None else value


def path_id(value: object, what: str) -> str:
    """Check an id that goes into a URL path: it must stay exactly one path segment.

    ``.``, ``..`` and the empty string would move the request to another path (``void("..")``
    would POST to ``/api/void`` with the caller's credentials); control characters could split
    the request line; leading or trailing spaces are a copy-and-paste slip. All are a ValueError
    before any request. Every other character is allowed: the request builder percent-encodes
    the whole segment (``/`` becomes ``%2F``), so an id never leaves its segment.
    """
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, got {type(value).__name__}")
    if value in ("", ".", ".."):
        raise ValueError(f"invalid {what}: {value!r} is not an id")
    if value != value.strip() or not value.isprintable():
        raise ValueError(f"invalid {what}: {value!r} (control characters, or spaces around the id)")
    return value


def check_limit(limit: int | None) -> None:
    """Page sizes are 1..100 in the contract: say so before any request."""
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100
    ):
        raise ValueError("limit must be an int between 1 and 100")


class _Listing(Protocol[T]):
    items: list[T]
    next_cursor: str | None


class Resource:
    __slots__ = ("_client",)

    #: Prefix of the operation names this resource's calls carry (``"envelopes"``).
    _name = ""

    def __init__(self, client: Atlas) -> None:
        self._client = client

    def _call(self, operation: str, **changes: Any) -> Call:
        """The settings of one request: the client's, then the per-call options of the call in
        flight (``timeout=``, ``max_retries=``, ``extra_headers=``, ``extra_query=``), then
        ``changes``."""
        options = self._client._options
        settings: dict[str, Any] = {
            "timeout": options.timeout,
            "retry": options.retry,
            "account": options.account,
            "middleware": options.middleware,
            "operation": f"{self._name}.{operation}",
        }
        applied = current()
        if applied is not None:
            if applied.timeout is not None:
                settings["timeout"] = applied.timeout
            if applied.max_retries is not None:
                settings["retry"] = options.retry.with_(max_retries=applied.max_retries)
            settings["extra_headers"] = applied.extra_headers
            settings["extra_query"] = applied.extra_query
        extra = changes.pop("extra_headers", None)
        if extra:  # the call's own headers (an Idempotency-Key) on top of the caller's
            settings["extra_headers"] = {**(settings.get("extra_headers") or {}), **extra}
        settings.update(changes)
        return Call(**settings)

    def _call_now(self, operation: str, options: Mapping[str, Any], **changes: Any) -> Call:
        """``_call`` with per-call options checked now, for work that runs later (the pages of a
        listing, the body of a stream)."""
        token = applying(capture(options))
        try:
            return self._call(operation, **changes)
        finally:
            restore(token)

    async def _invoke(
        self,
        endpoint: Callable[..., Awaitable[Any]],
        expected: type[T],
        call: Call,
        *args: Any,
        authenticated: bool = False,
        needs: tuple[str, ...] = (),
        known: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> T:
        """Run a generated ``asyncio_detailed`` through our transport and return its model.

        The transport has already raised for every non-2xx; a 2xx body the SDK cannot use raises
        APIResponseValidationError (``needs`` and ``known``: see ``parse_as``).
        """
        seam = self._client._shared.seam
        parsed, response = await seam.invoke(
            endpoint, call, args, kwargs, authenticated=authenticated
        )
        return parse_as(expected, parsed, response, needs=needs, known=known)

    def _paginate(
        self,
        call: Call,
        endpoint: Callable[..., Awaitable[Any]],
        listing: type[_Listing[T]],
        **params: Any,
    ) -> AsyncPager[T]:
        """A listing: ``await`` it for the first page, ``async for`` it for every item."""
        query: dict[str, Any] = {name: given(value) for name, value in params.items()}

        async def fetch(cursor: str | None) -> Page[T]:
            result = await self._invoke(endpoint, listing, call, cursor=given(cursor), **query)
            return Page(list(result.items), result.next_cursor, get_request_id(result))

        return AsyncPager(fetch)
