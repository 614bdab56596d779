"""Many operations at once: a bounded number at a time, results as they complete, failures per item.

    from openhands_api import AsyncRateLimiter, fan_out

    limiter = AsyncRateLimiter(8)                          # one per server, shared by every client
    async with AsyncOpenHandsV1(limiter=limiter) as oh:
        async for outcome in fan_out(oh.get_conversation, ids, concurrency=8):
            print(outcome.item, outcome.value if outcome.ok else outcome.error)

:func:`fan_out` never loses an item: each one ends as an :class:`Outcome` holding either its value
or the :class:`~openhands_api.OpenHandsAPIError` it raised; the others go on. Anything that is not
an API error is a bug, not a partial failure: it propagates and the running operations are
cancelled. Politeness (requests per second, the common hold after a 429) is the limiter's job
(:mod:`._async_limiter`), so it applies to every request an operation makes, polls included.

Async only, by design: concurrency in the sync client would mean threads, and one event loop does
the same with less. :func:`run_sync` is the thin wrapper sync callers use (``openhands_api.v1``'s
``start_many_sync`` / ``count_many_sync`` are built on it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from . import _constants as C
from ._exceptions import InvalidArgumentError, OpenHandsAPIError

I = TypeVar("I")  # noqa: E741 - the item type, as in the signatures' prose
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Outcome(Generic[I, T]):
    """One item's result: ``value`` when ``ok``, else ``error``. ``index`` is its place in the input."""

    index: int
    item: I
    value: T | None
    error: OpenHandsAPIError | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.error is None


async def fan_out(operation: Callable[[I], Awaitable[T]], items: Iterable[I], *,
                  concurrency: int = C.DEFAULT_FANOUT_CONCURRENCY,
                  clock: Callable[[], float] = time.monotonic) -> AsyncIterator[Outcome[I, T]]:
    """Run ``operation`` on every item, at most ``concurrency`` at a time; yield outcomes as they complete.

    Items are taken from ``items`` lazily (a long generator is fine). Leaving the loop early
    cancels what still runs (use ``contextlib.aclosing`` to make that immediate).
    """
    if not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidArgumentError(f"concurrency must be a positive integer, not {concurrency!r}")
    source = enumerate(items)

    async def one(index: int, item: I) -> Outcome[I, T]:
        started = clock()
        try:
            value = await operation(item)
        except OpenHandsAPIError as exc:
            return Outcome(index, item, None, exc, clock() - started)
        return Outcome(index, item, value, None, clock() - started)

    def launch() -> bool:
        nxt = next(source, None)
        if nxt is None:
            return False
        running.add(asyncio.ensure_future(one(*nxt)))
        return True

    running: set[asyncio.Future[Outcome[I, T]]] = set()
    try:
        for _ in range(concurrency):
            if not launch():
                break
        while running:
            done, _pending = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                running.discard(task)
                outcome = task.result()  # a non-API exception (a bug) propagates from here
                launch()
                yield outcome
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)


async def collect(outcomes: AsyncIterator[Outcome[I, T]]) -> list[Outcome[I, T]]:
    """All outcomes, in input order."""
    return sorted([o async for o in outcomes], key=lambda o: o.index)


def run_sync(work: Callable[[], Awaitable[list[Outcome[I, T]]]]) -> list[Outcome[I, T]]:
    """Run an async fan-out to the end from sync code (its own event loop); outcomes in input order."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_call(work))
    raise InvalidArgumentError("the *_sync fan-out helpers cannot run inside an event loop: use the async ones")


async def _call(work: Callable[[], Awaitable[list[Outcome[I, T]]]]) -> list[Outcome[I, T]]:
    return await work()


__all__ = ["Outcome", "collect", "fan_out", "run_sync"]
