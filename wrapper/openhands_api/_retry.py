"""When to repeat a request, and how long to wait first: pure decisions, no I/O.

The transport's loop asks :func:`after_failure` (the exchange broke) or :func:`after_status` (the
server answered an error status); each returns the typed error and either ``None`` (raise it) or the
delay before the next attempt. Keeping the policy free of I/O lets the sync and async transports
share it and lets tests check it with a fixed clock and jitter.

The rules:

* a refused connection (the request never reached the server) and 429 (rejected before any work)
  are repeated for every method; a server certificate the client does not trust never (it stays so);
* timeouts, broken connections and 408/5xx are repeated only for calls that are safe to repeat
  (idempotent methods, or ``retry=True``); a write timeout never, since half a body may have arrived;
* the server's ``Retry-After`` (``retry-after-ms``, seconds or an HTTP date) is honoured on 429 and
  503 (and any other retryable status that sends it); one longer than ``MAX_RETRY_AFTER_S`` is not
  waited for: the error is raised at once. Otherwise the delay is jittered exponential backoff.
"""

from __future__ import annotations

import random
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

from . import _constants as C


def backoff_delay(attempt: int, *, rand: Callable[[], float] = random.random) -> float:
    """Delay before retry number ``attempt`` (0-based): 0.5 s, 1 s, 2 s ... capped, times a jitter in [0.75, 1]."""
    base = min(C.INITIAL_RETRY_DELAY_S * (2**attempt), C.MAX_RETRY_DELAY_S)
    return float(base * (0.75 + 0.25 * rand()))


def parse_retry_after(headers: httpx.Headers, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """Seconds to wait from ``retry-after-ms``, ``retry-after`` (seconds or HTTP date); None if absent or unreadable."""
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            value = float(ms) / 1000.0
            if value == value and value != float("inf"):  # not NaN, not infinite
                return max(0.0, value)
        except ValueError:
            pass
    text = headers.get("retry-after")
    if text is None:
        return None
    try:
        seconds = float(text)
        if seconds == seconds and seconds != float("inf"):
            return max(0.0, seconds)
        return None
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())


#: A call's retry choice: None decides by method; True/False say whether the call is safe to repeat
#: (a refused connection and 429 are repeated either way: the server did nothing); "never" also
#: refuses those 429 repeats, for the calls where a server answers 429 after acting (agent server
#: 1.58 stores a send-and-run message, then answers 429 when it is at its run capacity).
Retry = bool | Literal["never"] | None


def is_safe_to_repeat(method: str, retry: Retry) -> bool:
    """``retry`` when given, else whether the method is idempotent."""
    if retry is None:
        return method.upper() in C.IDEMPOTENT_METHODS
    return retry is True


def is_repeatable_failure(exc: Exception, safe: bool) -> bool:
    """Whether repeating a request whose exchange failed with ``exc`` is safe and could succeed."""
    if untrusted_certificate(exc):
        return False
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return True  # the request never reached the server, whatever the method
    if isinstance(exc, httpx.WriteTimeout):
        return False  # half a body may have arrived
    return safe


def untrusted_certificate(exc: BaseException) -> bool:
    """Whether ``exc`` (httpx's error, raised from httpcore's, raised from ssl's) is a failed
    certificate verification."""
    seen: BaseException | None = exc
    for _ in range(8):  # the chain is three long; a bound, not a walk of any cycle
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def after_failure(exc: Exception, safe: bool, attempt: int, max_retries: int,
                  *, rand: Callable[[], float] = random.random) -> float | None:
    """Delay before repeating an exchange that failed with ``exc``, or None to raise."""
    if is_repeatable_failure(exc, safe) and attempt < max_retries:
        return backoff_delay(attempt, rand=rand)
    return None


def after_status(status: int, headers: httpx.Headers, safe: bool, attempt: int, max_retries: int,
                 *, rand: Callable[[], float] = random.random, rate_limit_repeatable: bool = True) -> float | None:
    """Delay before repeating a request the server answered with an error ``status``, or None to raise."""
    if status not in C.RETRYABLE_STATUSES or attempt >= max_retries or not (safe or (status == 429 and rate_limit_repeatable)):
        return None
    server_delay = parse_retry_after(headers)
    if server_delay is not None:
        return server_delay if server_delay <= C.MAX_RETRY_AFTER_S else None
    return backoff_delay(attempt, rand=rand)


__all__ = ["Retry", "after_failure", "after_status", "backoff_delay", "is_repeatable_failure", "is_safe_to_repeat", "parse_retry_after", "untrusted_certificate"]
