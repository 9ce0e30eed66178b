"""Cursor pagination: ``await`` a listing for its first page, ``async for`` it for every item.

The iterators are plain classes rather than async generators: an async generator abandoned
half-way (``break`` in an ``async for``) is finalised whenever the garbage collector gets to it,
which under trio and asyncio alike can mean "after the event loop closed".
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ._errors import APIResponseValidationError

__all__ = ["AsyncPager", "Page"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing; ``next_cursor`` is None on the last page."""

    items: list[T]
    next_cursor: str | None
    request_id: str | None = field(default=None, compare=False)

    @property
    def has_next_page(self) -> bool:
        return self.next_cursor is not None


FetchPage = Callable[[str | None], Awaitable[Page[T]]]


class AsyncPager(Generic[T]):
    """A listing: awaitable (first page) and async-iterable (every item, page after page)."""

    __slots__ = ("_cursor", "_fetch")

    def __init__(self, fetch: FetchPage[T], cursor: str | None = None) -> None:
        self._fetch = fetch
        self._cursor = cursor

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._fetch(self._cursor).__await__()

    def __aiter__(self) -> AsyncIterator[T]:
        return _Items(self._fetch, self._cursor)

    def pages(self) -> AsyncIterator[Page[T]]:
        """Every page in turn (``async for page in atlas.envelopes.list().pages()``)."""
        return _Pages(self._fetch, self._cursor)


#: Empty pages in a row, each pointing to a next one, after which a listing is called stuck.
MAX_EMPTY_PAGES = 20


class _Pages(Generic[T]):
    """Pages in turn; a server that would make this loop forever is a typed error instead.

    A cursor the server already handed out would start the same walk again (a page answering
    with its own cursor, or a cycle), and a long run of empty pages that keep pointing onwards
    makes no progress either: both raise APIResponseValidationError naming ``next_cursor``.
    """

    __slots__ = ("_cursor", "_done", "_empty", "_fetch", "_seen")

    def __init__(self, fetch: FetchPage[T], cursor: str | None) -> None:
        self._fetch = fetch
        self._cursor = cursor
        self._done = False
        self._seen: set[str] = set() if cursor is None else {cursor}
        self._empty = 0

    def __aiter__(self) -> _Pages[T]:
        return self

    async def __anext__(self) -> Page[T]:
        if self._done:
            raise StopAsyncIteration
        page = await self._fetch(self._cursor)
        cursor = page.next_cursor
        if cursor is not None:
            self._empty = 0 if page.items else self._empty + 1
            if cursor in self._seen:
                raise _stuck(page, "returned a cursor it had already returned")
            if self._empty >= MAX_EMPTY_PAGES:
                raise _stuck(page, f"returned {self._empty} empty pages in a row")
            self._seen.add(cursor)
        self._cursor = cursor
        self._done = cursor is None
        return page


def _stuck(page: Page[Any], what: str) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"the listing {what}: paging on would never end",
        status_code=200,
        field="next_cursor",
        request_id=page.request_id,
    )


class _Items(Generic[T]):
    __slots__ = ("_buffer", "_pages")

    def __init__(self, fetch: FetchPage[T], cursor: str | None) -> None:
        self._pages = _Pages(fetch, cursor)
        self._buffer: list[T] = []

    def __aiter__(self) -> _Items[T]:
        return self

    async def __anext__(self) -> T:
        while not self._buffer:
            page = await self._pages.__anext__()  # StopAsyncIteration ends the items too
            self._buffer = list(reversed(page.items))
        return self._buffer.pop()
