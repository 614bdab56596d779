"""What every client shares: construction, lifecycle, repr, clock and sleep.

The async version of this file is the source of both twins; the sync one is derived from it by
``scripts/unasync.py``. A server's client subclasses it, builds its auth, and adds its methods; the
transport, the context-manager protocol, a repr that never shows a key, and the injectable
``sleep``/``clock`` (tests pass fakes, so waits take no real time) live here once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Self

import httpx

from . import _constants as C
from ._async_limiter import AsyncRateLimiter
from ._async_transport import AsyncTransport
from ._secret import MASK


class AsyncBaseClient:
    """Base of the clients: one :class:`AsyncTransport` to one server."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None,
        timeout: httpx.Timeout | float | None = None,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        limiter: AsyncRateLimiter | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
        headers: dict[str, str] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        deadline_s: float | None = None,
    ) -> None:
        # deadline_s: each call's overall deadline (see AsyncTransport; default $OPENHANDS_API_DEADLINE_S or 300 s).
        self._transport = AsyncTransport(base_url, auth=auth, timeout=timeout, max_retries=max_retries, limiter=limiter,
                                         http_transport=http_transport, headers=headers, sleep=sleep, deadline_s=deadline_s)
        self._sleep_override = sleep
        self._clock = clock

    async def _sleep(self, seconds: float) -> None:
        # Looked up per call (not bound at construction), so a test may also patch the module's sleep.
        await (self._sleep_override or asyncio.sleep)(seconds)

    async def aclose(self) -> None:
        """Close the connection pool (also done by ``async with``)."""
        await self._transport.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _repr_fields(self) -> dict[str, object]:
        """What the repr shows; a subclass adds its own fields. Keys show as the mask, never the value."""
        return {"url": self._transport.base_url, "key": MASK if self._transport._client.auth else None}

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in self._repr_fields().items())
        return f"{type(self).__name__}({fields})"


__all__ = ["AsyncBaseClient"]
