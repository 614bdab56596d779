"""The overall deadline of one call: connect, every read and write, and every retry, together.

A per-read timeout alone does not end a call: a server that trickles one byte every half second
never lets a read time out. So each call sets a deadline (:func:`running`), and the network layer
(:mod:`openhands_api._network`) clamps every socket connect/read/write to the time left, failing at
once when none is left; the transport also checks it between body chunks and before each retry.

Kept in a context variable, not passed along, because the socket reads happen deep inside httpcore:
a context variable follows the call into them, per thread (sync) and per task (async). I/O-free.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpcore

_CURRENT: ContextVar[float | None] = ContextVar("openhands_api_deadline", default=None)


@contextmanager
def running(seconds: float) -> Iterator[float]:
    """Within the block, every socket operation of this thread/task ends ``seconds`` from now at the latest."""
    deadline = time.monotonic() + seconds
    token = _CURRENT.set(deadline)
    try:
        yield deadline
    finally:
        _CURRENT.reset(token)


def clamp(timeout: float | None, expired: type[Exception] = httpcore.ReadTimeout) -> float | None:
    """``timeout`` shortened to the time left before the current deadline; ``expired`` when none is left."""
    deadline = _CURRENT.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the call's overall deadline passed")
    return left if timeout is None else min(timeout, left)


__all__ = ["clamp", "running"]
