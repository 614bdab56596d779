"""One request-rate limiter per server, shared by every task and client that talks to it.

Without it, a hundred concurrent tasks each discover a 429 on their own and each retry on their
own schedule: the server sees a storm. With it, requests leave at most ``rate`` per second, and when
any answer is a 429 or carries ``Retry-After`` (the app server's rate limit, the agent server's
run-capacity 429, a 503 under load) *every* task holds until that time has passed.

It hooks into the transport at one point, below retries: :class:`AsyncLimitedTransport` wraps the
HTTP transport, waits for a slot before each attempt and shows the limiter each answer. The
transport's own retry rules (:mod:`._retry`) are unchanged; the limiter only adds the shared wait.

The async version of this file is the source of both twins; the sync one is derived by
``scripts/unasync.py``. Both reserve slots under a ``threading.Lock`` held only while the numbers
change (never across a wait), so one limiter is safe across threads (sync) or tasks (async).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable

import httpx

from . import _constants as C
from . import _retry
from ._exceptions import InvalidArgumentError

logger = logging.getLogger("openhands_api")


class AsyncRateLimiter:
    """At most ``rate`` requests per second, and a common hold after a 429 or ``Retry-After``.

    Share one instance between every client of the same server (``limiter=`` on the client).
    ``clock``/``sleep`` are injectable so tests need no real time. ``holds`` counts the answers
    that made everyone wait; ``sent`` the requests let through.
    """

    def __init__(self, rate: float = C.DEFAULT_RATE_PER_S, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] | None = None) -> None:
        if not rate > 0:
            raise InvalidArgumentError(f"rate must be a positive number of requests per second, not {rate!r}")
        self.rate = float(rate)
        self._interval = 1.0 / self.rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0  # earliest time the next request may leave
        self._hold_until = 0.0  # no request before this (set by a 429 / Retry-After)
        self._strikes = 0  # 429s without a delay in a row: backoff grows like a single call's
        self.sent = 0
        self.holds = 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rate={self.rate:g}, sent={self.sent}, holds={self.holds})"

    async def acquire(self) -> None:
        """Wait for this request's slot: spaced by ``1/rate``, and never inside a hold."""
        while True:
            with self._lock:
                now = self._clock()
                start = max(now, self._next, self._hold_until)
                self._next = start + self._interval
            if start > now:
                await (self._sleep or asyncio.sleep)(start - now)
            # A hold may have begun while this task slept on its slot: then it takes a new one after.
            if self._clock() >= self._hold_until:
                with self._lock:
                    self.sent += 1
                return

    def hold(self, seconds: float) -> None:
        """Make every request wait until ``seconds`` from now (a later hold wins; never shortened)."""
        with self._lock:
            self._hold_until = max(self._hold_until, self._clock() + max(0.0, seconds))
            self.holds += 1
        logger.info("rate limit: every request holds for %.2f s", seconds)

    def observe(self, status: int, headers: httpx.Headers) -> None:
        """Learn from an answer: a 429, or any answer with ``Retry-After``, holds everyone."""
        delay = _retry.parse_retry_after(headers)
        if status == 429 or (delay is not None and status in C.RETRYABLE_STATUSES):
            if delay is None:
                with self._lock:
                    delay = _retry.backoff_delay(self._strikes)
                    self._strikes += 1
            self.hold(min(delay, C.MAX_RETRY_AFTER_S))
        elif status < 400:
            self._strikes = 0


class AsyncLimitedTransport(httpx.AsyncBaseTransport):
    """An HTTP transport that asks ``limiter`` before every attempt and shows it every answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limiter: AsyncRateLimiter) -> None:
        self._inner = inner
        self.limiter = limiter

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self.limiter.acquire()
        response = await self._inner.handle_async_request(request)
        self.limiter.observe(response.status_code, response.headers)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


def limited(inner: httpx.AsyncBaseTransport, limiter: AsyncRateLimiter | None) -> httpx.AsyncBaseTransport:
    """The transport's one hook (``limiter=`` on a client): ``inner`` wrapped when there is a limiter.
    Below the retry loop, so every attempt (retries too) takes a slot and shows it its answer."""
    return inner if limiter is None else AsyncLimitedTransport(inner, limiter)


__all__ = ["AsyncLimitedTransport", "AsyncRateLimiter", "limited"]
