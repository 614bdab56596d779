"""The one transport every client uses: one ``httpx`` client, retries, typed errors, the seam.

``AsyncTransport`` is the source; ``Transport`` (``_transport.py``) is derived from it by
``scripts/unasync.py``, so the two cannot drift. A transport owns one keep-alive ``httpx`` client
(default timeouts, auth, no redirects) and is the only place that

* repeats a request, as :mod:`openhands_api._retry` decides (that module has the rules);
* turns transport failures and error statuses into the typed errors of :mod:`openhands_api._exceptions`;
* calls generated code, through :mod:`openhands_api._seam`: :meth:`AsyncTransport.call` builds the
  request with an endpoint module's ``_get_kwargs``, parses with its ``_parse_response`` and checks
  that the result is the declared type.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any, TypeVar, overload

import httpx

from . import _constants as C
from . import _retry, _seam
from ._async_limiter import AsyncRateLimiter, limited
from ._exceptions import ConfigurationError, connection_error, error_from_response
from ._files import atomic_target, refuse_html
from ._secret import MASK

logger = logging.getLogger("openhands_api")
T = TypeVar("T")


class AsyncFreshPoolAfterCrash(httpx.AsyncBaseTransport):
    """The default HTTP transport: a pooled ``httpx`` transport renewed after a server crash.

    When an OpenHands server (uvicorn) hits an unhandled exception it answers 500 ``text/plain``
    "Internal Server Error" and then closes the socket *without* ``Connection: close``, so httpx
    keeps the dead connection pooled and the next, unrelated request fails with "Connection reset
    by peer" (measured on the V0 server 1.6.0 after a bad page cursor and after a create with a
    repository but no git token). After such a response the pool is swapped for a fresh one before
    the next request; the old pool is closed then, once the crash response has been read.
    """

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._stale = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._stale:
            old, self._inner, self._stale = self._inner, httpx.AsyncHTTPTransport(), False
            await old.aclose()
        response = await self._inner.handle_async_request(request)
        if response.status_code >= 500 and "json" not in response.headers.get("content-type", ""):
            self._stale = True
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class AsyncTransport:
    """HTTP for one server: ``base_url`` + auth + timeouts + retries + typed errors.

    ``sleep`` replaces the wait between retries (tests pass a recorder); ``http_transport`` replaces
    the network (``httpx.MockTransport`` in unit tests).
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        timeout: httpx.Timeout | float | None = None,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        limiter: AsyncRateLimiter | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
        headers: dict[str, str] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"URL {base_url!r} must start with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self._sleep = sleep
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            transport=limited(http_transport if http_transport is not None else AsyncFreshPoolAfterCrash(), limiter),
            auth=auth,
            timeout=C.DEFAULT_TIMEOUT if timeout is None else timeout,
            headers={"User-Agent": C.USER_AGENT, **(headers or {})},
            follow_redirects=False,
        )

    # --- lifecycle --------------------------------------------------------------------------------

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> AsyncTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        auth = self._client.auth
        shown = f", auth={type(auth).__name__}({MASK})" if auth else ""
        return f"{type(self).__name__}(base_url={self.base_url!r}{shown})"

    def _full_url(self, url: str) -> str:
        return url if url.startswith(("http://", "https://")) else f"{self.base_url}{url}"

    async def _pause(self, delay: float, why: str, attempt: int) -> None:
        logger.info("%s; retry %d of %d in %.2f s", why, attempt + 1, self.max_retries, delay)
        await (self._sleep or asyncio.sleep)(delay)

    # --- requests ---------------------------------------------------------------------------------

    async def request(self, method: str, url: str, *, retry: bool | None = None, **kwargs: Any) -> httpx.Response:
        """Send a request; return the response for 2xx, raise a typed error otherwise.

        ``retry`` says whether the call is safe to repeat: None (default) decides by method
        (GET/PUT/DELETE... yes, POST/PATCH no), True/False override that. ``max_retries=0`` turns
        retries off. See :mod:`openhands_api._retry` for the rules.
        """
        method = method.upper()
        safe = _retry.is_safe_to_repeat(method, retry)
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                response = await self._client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                error = connection_error(exc, method, self._full_url(url))
                delay = _retry.after_failure(exc, safe, attempt, self.max_retries)
                if delay is None:
                    raise error from exc
                await self._pause(delay, f"{method} {error.url}: {error.message}", attempt)
            else:
                logger.debug("%s %s -> %s in %.3f s", method, response.request.url, response.status_code, time.monotonic() - started)
                if response.is_success:
                    return response
                delay = _retry.after_status(response.status_code, response.headers, safe, attempt, self.max_retries)
                if delay is None:
                    raise error_from_response(response)
                await self._pause(delay, f"{method} {response.request.url} answered {response.status_code}", attempt)
            attempt += 1

    async def get_json(self, url: str, **kwargs: Any) -> Any:
        return _seam.check_json(await self.request("GET", url, **kwargs))

    @asynccontextmanager
    async def stream(self, method: str, url: str, **kwargs: Any) -> AsyncIterator[httpx.Response]:
        """Stream a response body (downloads). Errors are raised before the body is read.

        Not retried: a retry after a partial body would hand the caller duplicated bytes.
        """
        try:
            async with self._client.stream(method.upper(), url, **kwargs) as response:
                if not response.is_success:
                    await response.aread()
                    raise error_from_response(response)
                yield response
        except httpx.TransportError as exc:
            raise connection_error(exc, method.upper(), self._full_url(url)) from exc

    async def download(self, url: str, path: str | os.PathLike[str], *, params: dict[str, Any] | None = None,
                       html_is_error: bool = False) -> int:
        """Stream a GET body into ``path`` (atomically: no partial file on error); return its size.

        ``html_is_error``: an HTML page instead of the file is an UnexpectedContentError (for servers
        whose web app answers unknown paths; the agent server sends files as octet-stream). Chunks are
        written with plain blocking writes, also in the async twin: a local write of 64 KiB takes
        microseconds, and a worker-thread hop per chunk made async downloads 1.7x slower.
        """
        written = 0
        with atomic_target(path) as fd, os.fdopen(fd, "wb") as out:
            async with self.stream("GET", url, params=params) as response:
                if html_is_error:
                    refuse_html(response)
                async for chunk in response.aiter_bytes(C.DOWNLOAD_CHUNK_BYTES):
                    out.write(chunk)
                    written += len(chunk)
        return written

    # --- generated code ---------------------------------------------------------------------------

    async def _exchange(self, endpoint: ModuleType, retry: bool | None, timeout: float | httpx.Timeout | None,
                        kwargs: dict[str, Any]) -> tuple[Any, httpx.Response]:
        method, url, request_kwargs = _seam.prepare(endpoint, kwargs, timeout)
        response = await self.request(method, url, retry=retry, **request_kwargs)
        return _seam.parse(endpoint, response), response

    @overload
    async def call(self, endpoint: ModuleType, /, *, expect: type[T], retry: bool | None = None,
                   timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> T: ...

    @overload
    async def call(self, endpoint: ModuleType, /, *, expect: None = None, retry: bool | None = None,
                   timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> Any: ...

    async def call(self, endpoint: ModuleType, /, *, expect: type[T] | None = None, retry: bool | None = None,
                   timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> Any:
        """Call one generated endpoint module and return its 2xx result, checked to be an ``expect``.

        Keyword arguments are the endpoint's parameters (None: left out, the endpoint's default
        applies). A result of another type is an UnexpectedContentError holding the payload.
        ``expect=None`` (unchecked) is transitional, for call sites not yet converted.
        """
        value, response = await self._exchange(endpoint, retry, timeout, kwargs)
        return value if expect is None else _seam.expect(value, expect, response)

    @overload
    async def call_with_response(self, endpoint: ModuleType, /, *, expect: type[T], retry: bool | None = None,
                                 timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> tuple[T, httpx.Response]: ...

    @overload
    async def call_with_response(self, endpoint: ModuleType, /, *, expect: None = None, retry: bool | None = None,
                                 timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> tuple[Any, httpx.Response]: ...

    async def call_with_response(self, endpoint: ModuleType, /, *, expect: type[T] | None = None, retry: bool | None = None,
                                 timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> tuple[Any, httpx.Response]:
        """:meth:`call`, also handing back the response (for checks a server's 2xx quirks need)."""
        value, response = await self._exchange(endpoint, retry, timeout, kwargs)
        return (value if expect is None else _seam.expect(value, expect, response)), response

    async def call_union(self, endpoint: ModuleType, /, *, expect: tuple[type, ...], retry: bool | None = None,
                         timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> Any:
        """:meth:`call` for a result that is one of several classes (an event of any kind)."""
        value, response = await self._exchange(endpoint, retry, timeout, kwargs)
        return _seam.expect_any(value, expect, response)

    async def call_batch(self, endpoint: ModuleType, /, *, item: type[T], ids: Sequence[str], id_param: str = "ids",
                         **kwargs: Any) -> list[T | None]:
        """A batch read: exactly one ``item`` or None (unknown id) per id, in order."""
        value, response = await self._exchange(endpoint, None, None, {id_param: list(ids), **kwargs})
        return _seam.expect_batch(value, item, len(ids), response)

    async def send(self, endpoint: ModuleType, /, *, retry: bool | None = None,
                   timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> None:
        """Call an endpoint for its effect: a 2xx is success, whatever its body says."""
        await self._exchange(endpoint, retry, timeout, kwargs)


__all__ = ["AsyncFreshPoolAfterCrash", "AsyncTransport", "logger"]
