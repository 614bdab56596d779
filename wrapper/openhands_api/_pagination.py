"""Lazy iteration over cursor-paginated endpoints (``items`` + ``next_page_id``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from . import _constants as C
from ._exceptions import InvalidArgumentError, UnexpectedContentError

T = TypeVar("T")

# fetch(page_id) -> (items of that page, next_page_id or None)
FetchPage = Callable[[str | None], tuple[Sequence[T], str | None]]


def check_limit(limit: int | None, maximum: int = C.MAX_PAGE_SIZE, *, name: str = "limit", hint: str | None = None) -> None:
    """Refuse a page size the servers reject (an integer 1..100), before any request is sent."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= maximum):
        raise InvalidArgumentError(f"{name} must be an integer between 1 and {maximum}, got {limit!r}", hint=hint)


def _remember(cursor: str, seen: set[str]) -> str:
    """Refuse a cursor seen before: the agent server answers an unknown page_id by restarting at page 1."""
    if cursor in seen:
        raise UnexpectedContentError(
            f"the server returned page cursor {cursor!r} twice; stopping instead of looping",
            hint="the listing changed while it was read, or the server ignores page_id",
        )
    seen.add(cursor)
    return cursor


class _Guard:
    """What every page walk refuses, shared by both twins: a cursor seen twice (the agent server
    answers an unknown page_id by restarting at page 1) and more than ``MAX_EMPTY_PAGES`` empty
    pages in a row that still name a next page (a server that would otherwise be paged forever)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.empty = 0

    def next_page(self, items: Sequence[object], cursor: str | None) -> str | None:
        if not cursor:
            return None
        if len(self.seen) >= C.MAX_PAGES:  # ... and after MAX_PAGES pages in all, so every listing ends
            raise UnexpectedContentError(
                f"the listing goes on past {C.MAX_PAGES} pages; stopping",
                hint="pass max_items=, or narrow the query",
            )
        self.empty = 0 if len(items) else self.empty + 1
        if self.empty > C.MAX_EMPTY_PAGES:
            raise UnexpectedContentError(
                f"the server sent {self.empty} empty pages in a row, each naming a next page; stopping",
                hint="the server's paging is broken; narrow the query or report it",
            )
        return _remember(cursor, self.seen)


def _check_max_items(max_items: int | None) -> None:
    if max_items is not None and (isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0):
        raise InvalidArgumentError(f"max_items must be a non-negative integer or None, got {max_items!r}")


def _needed(page_size: int, max_items: int | None) -> int:
    """The page size to ask for: no more than ``max_items`` (at least 1: servers refuse a limit of 0)."""
    return page_size if max_items is None else max(1, min(page_size, max_items))


def next_cursor(value: object) -> str | None:
    """A page's ``next_page_id`` as a cursor: a non-empty string, else None (null, absent, "")."""
    return value if isinstance(value, str) and value else None


class Pager(Generic[T]):
    """Iterate items across pages, fetching each page only when it is reached.

    ``for item in pager`` walks every item; ``pager.pages()`` yields whole pages. Iteration stops at
    ``next_page_id`` null/empty. A cursor seen twice raises instead of looping: the agent server
    answers an unknown ``page_id`` by silently restarting at page 1.
    """

    def __init__(self, fetch: FetchPage[T], *, first_page_id: str | None = None, max_items: int | None = None) -> None:
        _check_max_items(max_items)
        self._fetch = fetch
        self._first = first_page_id
        self._max_items = max_items

    @classmethod
    def over(
        cls, search: Callable[..., Any], *, page_size: int = C.DEFAULT_PAGE_SIZE, max_items: int | None = None, **filters: Any
    ) -> Pager[Any]:
        """Page through a ``search(limit=, page_id=, **filters)`` method that returns ``items`` + ``next_page_id``."""
        check_limit(page_size)
        page_size = _needed(page_size, max_items)  # `--limit 5`: one page of 5, not of 100

        def fetch(page_id: str | None) -> tuple[Sequence[Any], str | None]:
            page = search(limit=page_size, page_id=page_id, **filters)
            return page.items, next_cursor(page.next_page_id)

        return cls(fetch, max_items=max_items)

    def pages(self) -> Iterator[Sequence[T]]:
        page_id = self._first
        guard = _Guard()
        while True:
            items, next_page_id = self._fetch(page_id)
            yield items
            page_id = guard.next_page(items, next_page_id)
            if page_id is None:
                return

    def __iter__(self) -> Iterator[T]:
        count = 0
        if self._max_items == 0:
            return
        for page in self.pages():
            for item in page:
                count += 1
                yield item
                if self._max_items is not None and count >= self._max_items:
                    return  # not one request more than needed


class AsyncPager(Generic[T]):
    """The async twin of :class:`Pager`: ``async for item in pager`` / ``pager.pages()``."""

    def __init__(self, fetch: Callable[[str | None], Awaitable[tuple[Sequence[T], str | None]]], *, max_items: int | None = None) -> None:
        _check_max_items(max_items)
        self._fetch = fetch
        self._max_items = max_items

    @classmethod
    def over(
        cls, search: Callable[..., Awaitable[Any]], *, page_size: int = C.DEFAULT_PAGE_SIZE, max_items: int | None = None, **filters: Any
    ) -> AsyncPager[Any]:
        """Page through an async ``search(limit=, page_id=, **filters)``."""
        check_limit(page_size)
        page_size = _needed(page_size, max_items)  # `--limit 5`: one page of 5, not of 100

        async def fetch(page_id: str | None) -> tuple[Sequence[Any], str | None]:
            page = await search(limit=page_size, page_id=page_id, **filters)
            return page.items, next_cursor(page.next_page_id)

        return cls(fetch, max_items=max_items)

    async def pages(self) -> AsyncIterator[Sequence[T]]:
        page_id: str | None = None
        guard = _Guard()
        while True:
            items, next_page_id = await self._fetch(page_id)
            yield items
            page_id = guard.next_page(items, next_page_id)
            if page_id is None:
                return

    async def __aiter__(self) -> AsyncIterator[T]:
        count = 0
        if self._max_items == 0:
            return
        async for page in self.pages():
            for item in page:
                count += 1
                yield item
                if self._max_items is not None and count >= self._max_items:
                    return
