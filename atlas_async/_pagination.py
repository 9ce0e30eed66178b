"""Cursor pagination: ``await`` a listing for its first page, ``async for`` it for every item.

The iterators are plain classes rather than async generators: an async generator abandoned
half-way (``break`` in an ``async for``) is finalised whenever the garbage collector gets to it,
which under trio and asyncio alike can mean "after the event loop closed".
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

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


class _Pages(Generic[T]):
    __slots__ = ("_cursor", "_done", "_fetch")

    def __init__(self, fetch: FetchPage[T], cursor: str | None) -> None:
        self._fetch = fetch
        self._cursor = cursor
        self._done = False

    def __aiter__(self) -> _Pages[T]:
        return self

    async def __anext__(self) -> Page[T]:
        if self._done:
            raise StopAsyncIteration
        page = await self._fetch(self._cursor)
        self._cursor = page.next_cursor
        self._done = page.next_cursor is None
        return page


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
