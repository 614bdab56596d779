"""Waiting with backoff: call ``fetch`` until ``done(value)``, or raise WaitTimeoutError.

The async version of this file is the source of both twins; the sync one is derived from it by
``scripts/unasync.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from . import _constants as C
from ._exceptions import WaitTimeoutError

T = TypeVar("T")


async def poll_until(
    fetch: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    timeout_s: float = C.DEFAULT_WAIT_TIMEOUT_S,
    describe: Callable[[T], str] = repr,
    on_progress: Callable[[T], None] | None = None,
    initial_interval_s: float = C.POLL_INITIAL_INTERVAL_S,
    max_interval_s: float = C.POLL_MAX_INTERVAL_S,
    factor: float = C.POLL_BACKOFF_FACTOR,
    what: str = "the operation",
    sleep: Callable[[float], Awaitable[None]] | None = None,
    clock: Callable[[], float] = time.monotonic,
    pace: Callable[[float], float] | None = None,
) -> T:
    """Poll with a growing interval (initial, x factor, capped) until ``done`` or ``timeout_s``.

    ``on_progress(value)`` is called after every fetch. The timeout error names the last status
    (``describe(value)``) and keeps the value in ``last_status``. ``pace(pause)`` may shorten each
    pause (a settle window that needs less: :class:`openhands_api._settle.PollSettle`).
    """
    sleep = sleep or asyncio.sleep  # looked up per call, so tests can patch the module's sleep
    waiter = _Waiter(timeout_s, initial_interval_s, max_interval_s, factor, describe, what, clock, pace)
    while True:
        value = await fetch()
        if on_progress is not None:
            on_progress(value)
        if done(value):
            return value
        await sleep(waiter.next_pause(value))


class _Waiter:
    """Deadline and growing interval, shared by the sync and async twins: the pause before the next poll, or the timeout error."""

    def __init__(self, timeout_s: float, initial_s: float, max_s: float, factor: float,
                 describe: Callable[[Any], str], what: str, clock: Callable[[], float],
                 pace: Callable[[float], float] | None) -> None:
        self.timeout_s, self.max_s, self.factor, self.pace = timeout_s, max_s, factor, pace
        self.describe, self.what, self.clock = describe, what, clock
        self.deadline = clock() + timeout_s
        self.interval = initial_s

    def next_pause(self, value: object) -> float:
        remaining = self.deadline - self.clock()
        if remaining <= 0:
            raise WaitTimeoutError(
                f"{self.what} did not finish within {self.timeout_s:.0f} s; last status: {self.describe(value)}",
                last_status=value,
            )
        pause = min(self.interval, remaining)
        self.interval = min(self.interval * self.factor, self.max_s)
        return pause if self.pace is None else self.pace(pause)
