"""Waiting with backoff: call ``fetch`` until ``done(value)``, or raise WaitTimeoutError."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from . import _constants as C
from ._exceptions import WaitTimeoutError

T = TypeVar("T")


def poll_until(
    fetch: Callable[[], T],
    done: Callable[[T], bool],
    *,
    timeout_s: float = C.DEFAULT_WAIT_TIMEOUT_S,
    describe: Callable[[T], str] = repr,
    on_progress: Callable[[T], None] | None = None,
    initial_interval_s: float = C.POLL_INITIAL_INTERVAL_S,
    max_interval_s: float = C.POLL_MAX_INTERVAL_S,
    factor: float = C.POLL_BACKOFF_FACTOR,
    what: str = "the operation",
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Poll with a growing interval (initial, x factor, capped) until ``done`` or ``timeout_s``.

    ``on_progress(value)`` is called after every fetch. The timeout error names the last status
    (``describe(value)``) and keeps the value in ``last_status``.
    """
    sleep = sleep or time.sleep  # looked up per call, so tests can patch time.sleep
    deadline = clock() + timeout_s
    interval = initial_interval_s
    while True:
        value = fetch()
        if on_progress is not None:
            on_progress(value)
        if done(value):
            return value
        remaining = deadline - clock()
        if remaining <= 0:
            raise WaitTimeoutError(
                f"{what} did not finish within {timeout_s:.0f} s; last status: {describe(value)}", last_status=value
            )
        sleep(min(interval, remaining))
        interval = min(interval * factor, max_interval_s)
