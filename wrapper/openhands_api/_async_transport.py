"""The one transport every client uses: one ``httpx`` client, retries, typed errors, the seam.

The async version of this file is the source of both twins; the sync one is derived from it by
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
from . import _deadline, _retry, _seam
from ._async_limiter import AsyncRateLimiter, limited
from ._async_network import pooled_transport
from ._exceptions import (
    APIConnectionError,
    APITimeoutError,
    ConfigurationError,
    InvalidArgumentError,
    UnexpectedContentError,
    connection_error,
    error_from_response,
)
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
        self._inner = pooled_transport()
        self._stale = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._stale:
            old, self._inner, self._stale = self._inner, pooled_transport(), False
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
    the network (``httpx.MockTransport`` in unit tests). ``deadline_s`` bounds each call as a whole
    (connect, reads, retries; default ``C.DEFAULT_CALL_DEADLINE_S`` or ``$OPENHANDS_API_DEADLINE_S``);
    ``max_body_bytes`` refuses larger answers while they arrive (default ``C.MAX_RESPONSE_BYTES``).
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
        deadline_s: float | None = None,
        max_body_bytes: int = C.MAX_RESPONSE_BYTES,
    ) -> None:
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"URL {base_url!r} must start with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.deadline_s = _default_deadline() if deadline_s is None else float(deadline_s)
        self.max_body_bytes = max_body_bytes
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

    async def _pause(self, delay: float, why: str, attempt: int, deadline: float, error: Exception) -> None:
        # A retry that could not finish before the deadline is not started: the error is raised now.
        if time.monotonic() + delay >= deadline:
            raise error
        logger.info("%s; retry %d of %d in %.2f s", why, attempt + 1, self.max_retries, delay)
        await (self._sleep or asyncio.sleep)(delay)

    def _deadline_for(self, timeout: Any) -> float:
        """The call's overall deadline: ``deadline_s``, or longer when the call asks for a longer read
        timeout (a bash command may run that long before the server answers)."""
        if isinstance(timeout, httpx.Timeout):
            return max(self.deadline_s, (timeout.read or 0.0) + (timeout.connect or 0.0))
        if isinstance(timeout, int | float):
            return max(self.deadline_s, float(timeout))
        return self.deadline_s

    def _failure(self, exc: Exception, method: str, url: str, deadline: float, seconds: float) -> APIConnectionError:
        if time.monotonic() >= deadline:
            return APITimeoutError(
                f"no complete answer within the call's deadline of {seconds:.0f} s", method=method, url=self._full_url(url),
                hint="the server is too slow or trickles its answer; pass deadline_s= (or set $OPENHANDS_API_DEADLINE_S) to wait longer",
            )
        return connection_error(exc, method, self._full_url(url))

    async def _read_body(self, response: httpx.Response, deadline: float) -> None:
        """Read a body while it arrives: at most ``max_body_bytes`` (error bodies: the first
        ``C.MAX_ERROR_BODY_BYTES``, the rest dropped), never past the deadline, decoded once."""
        success = response.is_success
        cap = self.max_body_bytes if success else C.MAX_ERROR_BODY_BYTES
        declared = response.headers.get("content-length", "")
        if success and declared.isdigit() and int(declared) > cap:
            raise _too_large(response, cap)
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in response.aiter_bytes():
                if time.monotonic() >= deadline:
                    raise httpx.ReadTimeout("the call's overall deadline passed", request=response.request)
                size += len(chunk)
                if size > cap:
                    if success:
                        raise _too_large(response, cap)
                    chunks.append(chunk[: cap - size + len(chunk)])
                    break
                chunks.append(chunk)
        except httpx.DecodingError as exc:
            raise _undecodable(response, exc) from exc
        response._content = b"".join(chunks)

    async def _send(self, method: str, url: str, kwargs: dict[str, Any], deadline: float) -> httpx.Response:
        try:
            request = self._client.build_request(method, url, **kwargs)
        except httpx.InvalidURL as exc:
            raise InvalidArgumentError(f"cannot build a URL from {url!r}: {exc}") from exc
        response = await self._client.send(request, stream=True)
        try:
            await self._read_body(response, deadline)
        finally:
            await response.aclose()
            # httpx's response and its (now closed) stream refer to each other: left so, every
            # response and its body wait for the cyclic GC instead of going with their last reference.
            response.stream = httpx.ByteStream(b"")
        return response

    # --- requests ---------------------------------------------------------------------------------

    async def request(self, method: str, url: str, *, retry: _retry.Retry = None, **kwargs: Any) -> httpx.Response:
        """Send a request; return the response for 2xx, raise a typed error otherwise.

        ``retry`` says whether the call is safe to repeat: None (default) decides by method
        (GET/PUT/DELETE... yes, POST/PATCH no), True/False override that. ``max_retries=0`` turns
        retries off. See :mod:`openhands_api._retry` for the rules. The whole call, retries
        included, ends by its deadline (:meth:`_deadline_for`).
        """
        method = method.upper()
        safe = _retry.is_safe_to_repeat(method, retry)
        seconds = self._deadline_for(kwargs.get("timeout"))
        with _deadline.running(seconds) as deadline:
            attempt = 0
            while True:
                started = time.monotonic()
                try:
                    response = await self._send(method, url, kwargs, deadline)
                except httpx.TransportError as exc:
                    error = self._failure(exc, method, url, deadline, seconds)
                    delay = _retry.after_failure(exc, safe, attempt, self.max_retries)
                    if delay is None:
                        raise error from exc
                    await self._pause(delay, f"{method} {error.url}: {error.message}", attempt, deadline, error)
                else:
                    logger.debug("%s %s -> %s in %.3f s", method, response.request.url, response.status_code, time.monotonic() - started)
                    if response.is_success:
                        return response
                    status_error = error_from_response(response)
                    delay = _retry.after_status(response.status_code, response.headers, safe, attempt, self.max_retries,
                                              rate_limit_repeatable=retry != "never")
                    if delay is None:
                        raise status_error
                    await self._pause(delay, f"{method} {response.request.url} answered {response.status_code}", attempt,
                                      deadline, status_error)
                attempt += 1

    async def get_json(self, url: str, **kwargs: Any) -> Any:
        return _seam.check_json(await self.request("GET", url, **kwargs))

    @asynccontextmanager
    async def stream(self, method: str, url: str, **kwargs: Any) -> AsyncIterator[httpx.Response]:
        """Stream a response body (downloads). Errors are raised before the body is read.

        Not retried: a retry after a partial body would hand the caller duplicated bytes. Bounded by
        its own, longer deadline (``C.STREAM_DEADLINE_S``): a large file may take a while.
        """
        method = method.upper()
        with _deadline.running(max(self.deadline_s, C.STREAM_DEADLINE_S)) as deadline:
            try:
                async with self._client.stream(method, url, **kwargs) as response:
                    if not response.is_success:
                        await self._read_body(response, deadline)
                        raise error_from_response(response)
                    yield response
            except httpx.TransportError as exc:
                raise self._failure(exc, method, url, deadline, max(self.deadline_s, C.STREAM_DEADLINE_S)) from exc
            except httpx.DecodingError as exc:
                raise _undecodable(None, exc) from exc

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

    async def _exchange(self, endpoint: ModuleType, retry: _retry.Retry, timeout: float | httpx.Timeout | None,
                        kwargs: dict[str, Any]) -> tuple[Any, httpx.Response]:
        method, url, request_kwargs = _seam.prepare(endpoint, kwargs, timeout)
        response = await self.request(method, url, retry=retry, **request_kwargs)
        return _seam.parse(endpoint, response), response

    @overload
    async def call(self, endpoint: ModuleType, /, *, expect: type[T], retry: _retry.Retry = None,
                   timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> T: ...

    @overload
    async def call(self, endpoint: ModuleType, /, *, expect: None = None, retry: _retry.Retry = None,
                   timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> Any: ...

    async def call(self, endpoint: ModuleType, /, *, expect: type[T] | None = None, retry: _retry.Retry = None,
                   timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> Any:
        """Call one generated endpoint module and return its 2xx result, checked to be an ``expect``.

        Keyword arguments are the endpoint's parameters (None: left out, the endpoint's default
        applies). A result of another type is an UnexpectedContentError holding the payload.
        Without ``expect`` the result is checked against the types the spec declares for the endpoint
        (:func:`~openhands_api._seam.expect_declared`: a count is an int, a batch one item per id).
        """
        value, response = await self._exchange(endpoint, retry, timeout, kwargs)
        if expect is None:
            return _seam.expect_declared(endpoint, value, response, kwargs)
        return _seam.expect(value, expect, response)

    @overload
    async def call_with_response(self, endpoint: ModuleType, /, *, expect: type[T], retry: _retry.Retry = None,
                                 timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> tuple[T, httpx.Response]: ...

    @overload
    async def call_with_response(self, endpoint: ModuleType, /, *, expect: None = None, retry: _retry.Retry = None,
                                 timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> tuple[Any, httpx.Response]: ...

    async def call_with_response(self, endpoint: ModuleType, /, *, expect: type[T] | None = None, retry: _retry.Retry = None,
                                 timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> tuple[Any, httpx.Response]:
        """:meth:`call`, also handing back the response (for checks a server's 2xx quirks need)."""
        value, response = await self._exchange(endpoint, retry, timeout, kwargs)
        if expect is None:
            return _seam.expect_declared(endpoint, value, response, kwargs), response
        return _seam.expect(value, expect, response), response

    async def call_union(self, endpoint: ModuleType, /, *, expect: tuple[type, ...], retry: _retry.Retry = None,
                         timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> Any:
        """:meth:`call` for a result that is one of several classes (an event of any kind)."""
        value, response = await self._exchange(endpoint, retry, timeout, kwargs)
        return _seam.expect_any(value, expect, response)

    async def call_batch(self, endpoint: ModuleType, /, *, item: type[T], ids: Sequence[str], id_param: str = "ids",
                         **kwargs: Any) -> list[T | None]:
        """A batch read: exactly one ``item`` or None (unknown id) per id, in order."""
        value, response = await self._exchange(endpoint, None, None, {id_param: list(ids), **kwargs})
        return _seam.expect_batch(value, item, len(ids), response)

    async def send(self, endpoint: ModuleType, /, *, retry: _retry.Retry = None,
                   timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> None:
        """Call an endpoint for its effect: a 2xx is success, whatever its body says."""
        await self._exchange(endpoint, retry, timeout, kwargs)


def _default_deadline() -> float:
    text = os.environ.get(C.ENV_DEADLINE)
    if text is None:
        return C.DEFAULT_CALL_DEADLINE_S
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise ConfigurationError(f"${C.ENV_DEADLINE} must be a positive number of seconds, not {text!r}")
    return value


def _too_large(response: httpx.Response, cap: int) -> UnexpectedContentError:
    return UnexpectedContentError(
        f"the answer is larger than {cap} bytes; refused while it arrived", response=response,
        hint="a server sending that much is probably wrong; pass a larger max_body_bytes= if it is not",
    )


def _undecodable(response: httpx.Response | None, exc: Exception) -> UnexpectedContentError:
    encoding = response.headers.get("content-encoding", "?") if response is not None else "?"
    return UnexpectedContentError(
        f"the body does not match its Content-Encoding ({encoding}): {exc}", response=response,
        hint="a proxy or the server mislabels its compression; look at the server's response headers",
    )


__all__ = ["AsyncFreshPoolAfterCrash", "AsyncTransport", "logger"]
