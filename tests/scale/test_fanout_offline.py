"""Fan-out against a local stdlib server: bounded, nothing lost, and one 429 holds every task.

No assertion depends on how fast this machine is: waits only get longer under load, so the checks
are lower bounds on gaps the server saw (a hold or the rate spacing), upper bounds on counts
(in-flight requests), and exact counts of outcomes.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from openhands_api import AsyncRateLimiter, InvalidArgumentError, NotFoundError, RateLimiter, fan_out
from openhands_api._async_transport import AsyncTransport
from openhands_api._fanout import collect
from openhands_api._transport import Transport

from tests.scale.server import Recorder, serving


def run_items(base: str, n: int, *, concurrency: int, limiter: AsyncRateLimiter | None) -> list[Any]:
    async def main() -> list[Any]:
        async with AsyncTransport(base, limiter=limiter, max_retries=3) as t:
            return await collect(fan_out(lambda i: t.get_json(f"/item/{i}"), range(n), concurrency=concurrency))

    return asyncio.run(main())


class RecordingLimiter(AsyncRateLimiter):
    """Records when it let each request go and when a hold began (same monotonic clock as the server)."""

    released: list[float]
    held_at: list[float]

    async def acquire(self) -> None:
        await super().acquire()
        self.released.append(time.monotonic())

    def hold(self, seconds: float) -> None:
        self.held_at.append(time.monotonic())
        super().hold(seconds)


def test_one_429_with_retry_after_holds_every_task() -> None:
    rec = Recorder(script={("/item/2", 0): (429, {"Retry-After": "1"})}, delay_s=0.01)
    limiter = RecordingLimiter(50)
    limiter.released, limiter.held_at = [], []
    with serving(rec) as base:
        outcomes = run_items(base, 12, concurrency=4, limiter=limiter)
    assert [o.ok for o in outcomes] == [True] * 12  # nothing lost, the 429 retried
    assert [o.value for o in outcomes] == [{"path": f"/item/{i}"} for i in range(12)]
    assert limiter.holds == 1 and rec.seen["/item/2"] == 2 and len(rec.log) == 13
    (held,) = limiter.held_at
    # Client side, exact: no request left during the hold (the limiter's rule, whatever the load).
    assert not [t for t in limiter.released if held < t < held + 1.0]
    # Server side: within 0.95 s after the 429 only requests already under way when the client saw
    # it arrived (sent before the hold); every other task waited for the Retry-After.
    (t429,) = rec.times(429)
    under_way = sum(t < held for t in limiter.released) - sum(t <= t429 for t in rec.times())
    assert len([t for t in rec.times(200) if t429 < t < t429 + 0.95]) <= under_way <= 3


def test_rate_spacing_and_concurrency_bound() -> None:
    rec = Recorder(delay_s=0.02)
    with serving(rec) as base:
        outcomes = run_items(base, 10, concurrency=3, limiter=AsyncRateLimiter(20))
    assert len(outcomes) == 10 and all(o.ok for o in outcomes)
    times = rec.times()
    assert times[-1] - times[0] >= 9 * 0.05 * 0.9  # 10 requests at 20/s span at least 9 intervals
    assert rec.max_in_flight <= 3


def test_partial_failure_is_reported_per_item_without_losing_others() -> None:
    rec = Recorder(script={("/item/3", 0): (404, {})})
    with serving(rec) as base:
        outcomes = run_items(base, 6, concurrency=2, limiter=None)
    assert [o.index for o in outcomes] == list(range(6))
    assert [o.ok for o in outcomes] == [True, True, True, False, True, True]
    assert isinstance(outcomes[3].error, NotFoundError) and outcomes[3].value is None


def test_results_are_yielded_as_they_complete() -> None:
    async def op(i: int) -> int:
        await asyncio.sleep(0.2 if i == 0 else 0)
        return i

    async def main() -> list[int]:
        return [o.item async for o in fan_out(op, range(4), concurrency=4)]

    assert asyncio.run(main())[-1] == 0  # the slow first item comes last


def test_a_bug_propagates_and_cancels_the_rest() -> None:
    cancelled: list[int] = []

    async def op(i: int) -> int:
        if i == 0:
            raise KeyError("bug")
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(i)
            raise
        return i

    async def main() -> None:
        async for _ in fan_out(op, range(3), concurrency=3):
            pass

    with pytest.raises(KeyError):
        asyncio.run(main())
    assert sorted(cancelled) == [1, 2]


def test_bad_arguments_are_typed() -> None:
    with pytest.raises(InvalidArgumentError):
        AsyncRateLimiter(0)

    async def main() -> None:
        async for _ in fan_out(asyncio.sleep, [0.0], concurrency=0):
            pass

    with pytest.raises(InvalidArgumentError):
        asyncio.run(main())


def test_sync_limiter_shared_by_threads_holds_them_all() -> None:
    released: list[float] = []

    class Recording(RateLimiter):
        def acquire(self) -> None:
            super().acquire()
            released.append(time.monotonic())

    rec = Recorder(script={("/item/0", 0): (429, {"Retry-After": "1"})})
    limiter = Recording(50)
    with serving(rec) as base, Transport(base, limiter=limiter, max_retries=3) as t, \
            ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda i: t.get_json(f"/item/{i}"), range(8)))
    assert len(results) == 8 and limiter.holds == 1 and rec.seen["/item/0"] == 2
    # No thread let a request go during the hold. (Between the limiter's check and the recording a
    # thread may be descheduled: half a second of slack for that, the rest of the hold is checked.)
    (t429,) = rec.times(429)
    assert not [t for t in released if t429 + 0.5 < t < t429 + 1.0]
    assert sum(t > t429 + 1.0 for t in released) >= 1


class FakeTime:
    """A clock that only moves when the limiter sleeps: exact, instant limiter arithmetic."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_limiter_arithmetic_with_injected_clock() -> None:
    ft = FakeTime()
    limiter = RateLimiter(4, clock=ft.clock, sleep=ft.sleep)
    for _ in range(3):
        limiter.acquire()
    assert ft.sleeps == [0.25, 0.25]  # spaced by 1/rate
    limiter.observe(429, httpx.Headers({"retry-after": "2"}))
    limiter.acquire()
    assert ft.sleeps[-1] == 2.0  # held for Retry-After, not just the spacing
    limiter.observe(429, httpx.Headers())  # the agent server's run-capacity 429: no header, backoff
    before = ft.now
    limiter.acquire()
    assert 0.375 <= ft.now - before <= 0.5
    limiter.observe(503, httpx.Headers({"retry-after-ms": "1500"}))
    before = ft.now
    limiter.acquire()
    assert ft.now - before == pytest.approx(1.5)
    limiter.observe(500, httpx.Headers())  # no Retry-After, not 429: no hold
    assert limiter.holds == 3 and limiter.sent == 6
    assert "sent=6" in repr(limiter)
