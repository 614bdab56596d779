"""Run the sync contract tests against the async clients too: one test source, both twins.

A contract test is written once, against the sync API. Its client fixture is parametrized over
``sync`` and ``async``; for ``async`` the test gets :class:`SyncOverAsync` around the async client,
which runs every coroutine the client returns to completion on one event loop (one per test, so
the client's connection pool stays on its loop) and iterates its async iterators and pagers. The
async client sends the same requests, so both twins replay the same cassette (see
``default_cassette_name`` in tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

TWINS = ("sync", "async")


async def _wait(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


class SyncOverAsync:
    """A blocking view of an async object: awaitables are awaited, async iterators iterated."""

    def __init__(self, target: Any, runner: asyncio.Runner) -> None:
        self._target = target
        self._runner = runner

    def _adapt(self, value: Any) -> Any:
        if inspect.isawaitable(value):
            value = self._runner.run(_wait(value))
        if hasattr(value, "__aiter__") or type(value).__name__.startswith("Async"):
            return SyncOverAsync(value, self._runner)
        return value

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if callable(value) and not isinstance(value, type):
            return lambda *args, **kwargs: self._adapt(value(*args, **kwargs))
        return self._adapt(value)

    def __iter__(self) -> Iterator[Any]:
        iterator = self._target.__aiter__()
        while True:
            try:
                yield self._adapt(self._runner.run(_wait(iterator.__anext__())))
            except StopAsyncIteration:
                return

    def __enter__(self) -> SyncOverAsync:
        self._runner.run(_wait(self._target.__aenter__()))
        return self

    def __exit__(self, *exc: object) -> None:
        self._runner.run(_wait(self._target.__aexit__(*exc)))

    def close(self) -> None:
        self._runner.run(_wait(self._target.aclose()))

    def __repr__(self) -> str:
        return repr(self._target)


@pytest.fixture
def twin_runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as runner:
        yield runner


def twin(kind: str, sync_factory: Any, async_factory: Any, runner: asyncio.Runner, /, *args: Any, **kwargs: Any) -> Any:
    """The ``kind`` twin of a client: the sync one as is, the async one behind :class:`SyncOverAsync`."""
    if kind == "sync":
        return sync_factory(*args, **kwargs)
    return SyncOverAsync(async_factory(*args, **kwargs), runner)


def sleeper(kind: str, on_sleep: Callable[[float], None] | None = None) -> Any:
    """A sleep for the ``kind`` twin that takes no time and tells ``on_sleep`` (a recorder, a fake clock)."""
    def sleep(seconds: float) -> None:
        if on_sleep is not None:
            on_sleep(seconds)

    async def async_sleep(seconds: float) -> None:
        sleep(seconds)

    return sleep if kind == "sync" else async_sleep


class Twin:
    """Which twin a unit-test module's helpers build now (set per test by ``both_twins``)."""

    kind = "sync"
    runner: asyncio.Runner | None = None

    @classmethod
    def build(cls, sync_factory: Any, async_factory: Any, /, *args: Any, **kwargs: Any) -> Any:
        return twin(cls.kind, sync_factory, async_factory, cls.runner, *args, **kwargs)


@pytest.fixture(params=TWINS)
def both_twins(request: pytest.FixtureRequest, twin_runner: asyncio.Runner, monkeypatch: pytest.MonkeyPatch) -> str:
    """Use as ``pytestmark = pytest.mark.usefixtures("both_twins")``: every test runs on both twins."""
    monkeypatch.setattr(Twin, "kind", request.param)
    monkeypatch.setattr(Twin, "runner", twin_runner)
    return str(request.param)
