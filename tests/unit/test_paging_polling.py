"""Pager and poll_until, with fake pages and a fake clock."""

from __future__ import annotations

import pytest
from openhands_api import Pager, UnexpectedContentError, WaitTimeoutError
from openhands_api._polling import poll_until


def test_pager_is_lazy_and_follows_cursors() -> None:
    pages = {None: ([1, 2], "b"), "b": ([3, 4], "c"), "c": ([5], None)}
    fetched: list[str | None] = []

    def fetch(page_id: str | None) -> tuple[list[int], str | None]:
        fetched.append(page_id)
        return pages[page_id]

    pager = Pager(fetch)
    assert fetched == []  # nothing fetched until iterated
    it = iter(pager)
    assert next(it) == 1 and fetched == [None]
    assert list(it) == [2, 3, 4, 5] and fetched == [None, "b", "c"]
    assert list(Pager(fetch, max_items=3)) == [1, 2, 3]


def test_pager_refuses_to_loop_on_a_repeated_cursor() -> None:
    # The agent server restarts at page 1 on an unknown page_id: without a guard this never ends.
    with pytest.raises(UnexpectedContentError, match="twice"):
        list(Pager(lambda page_id: ([1], "same")))


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_poll_backs_off_reports_progress_and_returns() -> None:
    clock = FakeClock()
    values = iter(["idle", "running", "running", "running", "finished"])
    progress: list[str] = []
    result = poll_until(lambda: next(values), lambda v: v == "finished", on_progress=progress.append,
                        sleep=clock.sleep, clock=lambda: clock.now, initial_interval_s=1, factor=2, max_interval_s=3)
    assert result == "finished"
    assert progress == ["idle", "running", "running", "running", "finished"]
    assert clock.sleeps == [1, 2, 3, 3]


def test_poll_timeout_names_the_last_status() -> None:
    clock = FakeClock()
    with pytest.raises(WaitTimeoutError) as err:
        poll_until(lambda: "running", lambda v: False, timeout_s=10, describe=lambda v: f"status={v}",
                   sleep=clock.sleep, clock=lambda: clock.now, what="conversation c1")
    assert "status=running" in str(err.value) and "conversation c1" in str(err.value)
    assert err.value.last_status == "running"
    assert sum(clock.sleeps) == pytest.approx(10)


def test_pager_over_a_search_method_passes_limit_cursor_and_filters() -> None:
    from types import SimpleNamespace

    from openhands_api import InvalidArgumentError

    calls: list[dict[str, object]] = []

    def search(**kwargs: object) -> SimpleNamespace:
        calls.append(kwargs)
        return SimpleNamespace(items=["a"], next_page_id=None if kwargs["page_id"] else "p2")

    assert list(Pager.over(search, page_size=7, kind="ActionEvent")) == ["a", "a"]
    assert calls == [{"limit": 7, "page_id": None, "kind": "ActionEvent"}, {"limit": 7, "page_id": "p2", "kind": "ActionEvent"}]
    with pytest.raises(InvalidArgumentError):
        Pager.over(search, page_size=0)
