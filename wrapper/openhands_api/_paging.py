"""What every walk over cursor-paginated endpoints (``items`` + ``next_page_id``) checks: page sizes,
cursors seen twice, runs of empty pages, ``max_items``. Shared by both twins of the pager
(``_async_pagination.py`` -> ``_pagination.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from . import _constants as C
from ._exceptions import InvalidArgumentError, UnexpectedContentError


def check_limit(limit: int | None, maximum: int = C.MAX_PAGE_SIZE, *, name: str = "limit", hint: str | None = None) -> None:
    """Refuse a page size the servers reject (an integer 1..100), before any request is sent."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= maximum):
        raise InvalidArgumentError(f"{name} must be an integer between 1 and {maximum}, got {limit!r}", hint=hint)


def remember(cursor: str, seen: set[str]) -> str:
    """Refuse a cursor seen before: the agent server answers an unknown page_id by restarting at page 1."""
    if cursor in seen:
        raise UnexpectedContentError(
            f"the server returned page cursor {cursor!r} twice; stopping instead of looping",
            hint="the listing changed while it was read, or the server ignores page_id",
        )
    seen.add(cursor)
    return cursor


class Guard:
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
        return remember(cursor, self.seen)


def check_max_items(max_items: int | None) -> None:
    if max_items is not None and (isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0):
        raise InvalidArgumentError(f"max_items must be a non-negative integer or None, got {max_items!r}")


def needed_page_size(page_size: int, max_items: int | None) -> int:
    """The page size to ask for: no more than ``max_items`` (at least 1: servers refuse a limit of 0)."""
    return page_size if max_items is None else max(1, min(page_size, max_items))


def next_cursor(value: object) -> str | None:
    """A page's ``next_page_id`` as a cursor: a non-empty string, else None (null, absent, "")."""
    return value if isinstance(value, str) and value else None


__all__ = ["Guard", "check_limit", "check_max_items", "needed_page_size", "next_cursor", "remember"]
