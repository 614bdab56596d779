"""Lazy iteration over cursor-paginated endpoints (``items`` + ``next_page_id``).

The async version of this file is the source of both twins; the sync one is derived from it by
``scripts/unasync.py``. What every walk checks lives in :mod:`openhands_api._paging`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Generic, TypeAlias, TypeVar

from . import _constants as C
from ._paging import Guard, check_limit, check_max_items, needed_page_size, next_cursor

T = TypeVar("T")

#: One page: its items and the next page's cursor (None: the last page).
_Page: TypeAlias = tuple[Sequence[T], str | None]
#: fetch(page_id) -> that page
AsyncFetchPage: TypeAlias = Callable[[str | None], Awaitable[_Page[T]]]


class AsyncPager(Generic[T]):
    """Iterate items across pages, fetching each page only when it is reached.

    ``async for item in pager`` walks every item; ``pager.pages()`` yields whole pages. Iteration
    stops at ``next_page_id`` null/empty, and raises instead of looping on what :class:`Guard`
    refuses (a cursor seen twice: the agent server answers an unknown ``page_id`` by silently
    restarting at page 1; a run of empty pages). ``max_items`` always holds.
    """

    def __init__(self, fetch: AsyncFetchPage[T], *, first_page_id: str | None = None, max_items: int | None = None) -> None:
        check_max_items(max_items)
        self._fetch = fetch
        self._first = first_page_id
        self._max_items = max_items

    @classmethod
    def over(
        cls, search: Callable[..., Awaitable[Any]], *, page_size: int = C.DEFAULT_PAGE_SIZE, max_items: int | None = None, **filters: Any
    ) -> AsyncPager[Any]:
        """Page through a ``search(limit=, page_id=, **filters)`` method that returns ``items`` + ``next_page_id``."""
        check_limit(page_size)
        page_size = needed_page_size(page_size, max_items)  # `--limit 5`: one page of 5, not of 100

        async def fetch(page_id: str | None) -> tuple[Sequence[Any], str | None]:
            page = await search(limit=page_size, page_id=page_id, **filters)
            return page.items, next_cursor(page.next_page_id)

        return cls(fetch, max_items=max_items)

    async def pages(self) -> AsyncIterator[Sequence[T]]:
        page_id = self._first
        guard = Guard()
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
                    return  # not one request more than needed


__all__ = ["AsyncFetchPage", "AsyncPager"]
