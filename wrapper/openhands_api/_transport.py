"""The one transport every client in this package uses.

It owns one ``httpx.Client`` (keep-alive, default timeouts, auth), and is the only place that

* retries (idempotent methods; 429 for every method, since the server did nothing), with jittered
  exponential backoff and ``Retry-After`` (seconds, HTTP date or ``retry-after-ms``), capped;
* turns transport failures and error statuses into the typed errors of ``_exceptions``;
* checks that a success is really what the API promised (JSON, not an HTML page or an empty body);
* calls the generated code: :meth:`Transport.call` takes a generated endpoint module, builds the
  request with its ``_get_kwargs`` and parses with its ``_parse_response``, so the request shape
  comes from the spec while errors, retries and auth stay here. The generated ``Client`` classes are
  never used (their default has no timeout and their attrs repr shows the token).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from . import _constants as C
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    OpenHandsAPIError,
    RateLimitError,
    UnexpectedContentError,
    error_from_response,
)
from ._secret import MASK

logger = logging.getLogger("openhands_api")


class FreshPoolAfterCrash(httpx.BaseTransport):
    """The default HTTP transport: a pooled ``httpx.HTTPTransport`` renewed after a server crash.

    When an OpenHands server (uvicorn) hits an unhandled exception it answers 500 ``text/plain``
    "Internal Server Error" and then closes the socket *without* ``Connection: close``, so httpx
    keeps the dead connection pooled and the next, unrelated request fails with "Connection reset
    by peer" (measured on the V0 server 1.6.0 after a bad page cursor and after a create with a
    repository but no git token). After such a response the pool is swapped for a fresh one before
    the next request; the old pool is closed then, once the crash response has been read.
    """

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self._stale = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._stale:
            old, self._inner, self._stale = self._inner, httpx.HTTPTransport(), False
            old.close()
        response = self._inner.handle_request(request)
        if response.status_code >= 500 and "json" not in response.headers.get("content-type", ""):
            self._stale = True
        return response

    def close(self) -> None:
        self._inner.close()


class AsyncFreshPoolAfterCrash(httpx.AsyncBaseTransport):
    """:class:`FreshPoolAfterCrash` for the async transport (same reason, same behaviour)."""

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


@contextmanager
def _atomic_target(path: str | os.PathLike[str]) -> Iterator[tuple[int, str]]:
    """A temporary file beside ``path`` (fd, name), renamed onto ``path`` only if the block succeeds:
    a failed download never leaves a partial file behind."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        yield fd, tmp_name
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _refuse_html(response: httpx.Response) -> None:
    if "html" in response.headers.get("content-type", ""):
        raise UnexpectedContentError(
            "expected a file but got an HTML page", response=response,
            hint="the base URL or the id is probably wrong (a web app answered)",
        )


class _ParseContext:
    """Stands in for the generated client where generated parsers only read this flag."""

    raise_on_unexpected_status = True


_PARSE_CONTEXT = _ParseContext()


def backoff_delay(attempt: int, *, rand: Callable[[], float] = random.random) -> float:
    """Delay before retry number ``attempt`` (0-based): 0.5 s, 1 s, 2 s ... capped, with jitter."""
    base = min(C.INITIAL_RETRY_DELAY_S * (2**attempt), C.MAX_RETRY_DELAY_S)
    return float(base * (0.75 + 0.25 * rand()))


def _transport_failure(exc: httpx.TransportError, method: str, url: str, may_retry: bool) -> tuple[APIConnectionError, bool]:
    """The typed error for a failed exchange, and whether repeating the request is safe."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        # The request never reached the server: safe to repeat whatever the method.
        return APIConnectionError(f"cannot connect: {exc or type(exc).__name__}", method=method, url=url), True
    if isinstance(exc, httpx.TimeoutException):
        # A write timeout may have left half a body on the server: never repeated.
        retryable = may_retry and not isinstance(exc, httpx.WriteTimeout)
        return APITimeoutError(f"no answer in time ({type(exc).__name__})", method=method, url=url), retryable
    return APIConnectionError(f"connection failed: {type(exc).__name__}: {exc}", method=method, url=url), may_retry


def _looks_like_html(response: httpx.Response) -> bool:
    if "html" in response.headers.get("content-type", ""):
        return True
    head = response.content[:64].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def check_json(response: httpx.Response) -> Any:
    """Decode a 2xx JSON body or raise :class:`UnexpectedContentError` saying what came instead."""
    if _looks_like_html(response):
        raise UnexpectedContentError(
            f"expected JSON but got an HTML page (HTTP {response.status_code})",
            response=response,
            raw=response.text[:500],
            hint="the base URL or path is probably wrong (a web app answered instead of the API); "
            "check the URL, including any /api prefix",
        )
    if not response.content:
        raise UnexpectedContentError(f"expected JSON but the body is empty (HTTP {response.status_code})", response=response)
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UnexpectedContentError(
            f"expected JSON but got {response.headers.get('content-type', 'no content type')}: {exc}",
            response=response,
            raw=response.text[:500],
        ) from exc


class _TransportCore:
    """What the sync and async transports share: settings, retry decisions, request building, parsing.

    The decisions are plain methods without I/O (``_after_failure`` / ``_after_status`` answer
    "raise this" or "wait this long and repeat"), so the two twins differ only in how they send
    and sleep.
    """

    def __init__(self, base_url: str, max_retries: int) -> None:
        if not base_url.startswith(("http://", "https://")):
            from ._exceptions import ConfigurationError

            raise ConfigurationError(f"URL {base_url!r} must start with http:// or https://")
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries

    @staticmethod
    def _client_args(auth: httpx.Auth | None, timeout: httpx.Timeout | float | None, headers: dict[str, str] | None) -> dict[str, Any]:
        return {
            "auth": auth,
            "timeout": C.DEFAULT_TIMEOUT if timeout is None else timeout,
            "headers": {"User-Agent": C.USER_AGENT, **(headers or {})},
            "follow_redirects": False,
        }

    def _describe(self, auth: httpx.Auth | None) -> str:
        name = type(self).__name__
        return f"{name}(base_url={self.base_url!r}, auth={type(auth).__name__}({MASK}))" if auth else f"{name}(base_url={self.base_url!r})"

    def _should_retry(self, method: str, retry: bool | None) -> bool:
        return retry if retry is not None else method.upper() in C.IDEMPOTENT_METHODS

    def _full_url(self, url: str) -> str:
        return url if url.startswith(("http://", "https://")) else f"{self.base_url}{url}"

    def _after_failure(self, exc: httpx.TransportError, method: str, url: str, attempt: int, may_retry: bool) -> tuple[APIConnectionError, float | None]:
        """The error for a failed exchange, and the delay before repeating it (None: raise)."""
        error, retryable = _transport_failure(exc, method, self._full_url(url), may_retry)
        if retryable and attempt < self.max_retries:
            return error, self._announce(attempt, None, f"{method} {error.url}: {error.message}")
        return error, None

    def _after_status(self, response: httpx.Response, attempt: int, may_retry: bool) -> tuple[APIStatusError, float | None]:
        """The error for an error status, and the delay before repeating the request (None: raise).

        Safe calls are repeated on 408/5xx; every call on 429 (rejected before any work), after its
        Retry-After unless that is longer than MAX_RETRY_AFTER_S.
        """
        error = error_from_response(response)
        status = response.status_code
        if status not in C.RETRYABLE_STATUSES or attempt >= self.max_retries or not (may_retry or status == 429):
            return error, None
        delay = error.retry_after if isinstance(error, RateLimitError) else None
        if delay is not None and delay > C.MAX_RETRY_AFTER_S:
            return error, None
        return error, self._announce(attempt, delay, f"{response.request.method} {response.request.url} answered {status}")

    def _announce(self, attempt: int, server_delay: float | None, why: str) -> float:
        delay = server_delay if server_delay is not None else backoff_delay(attempt)
        logger.info("%s; retry %d of %d in %.2f s", why, attempt + 1, self.max_retries, delay)
        return delay

    @staticmethod
    def _prepare(endpoint: ModuleType, kwargs: dict[str, Any], timeout: float | httpx.Timeout | None) -> tuple[str, str, dict[str, Any]]:
        # None means "not given": the generated functions default every optional parameter to their
        # own UNSET sentinel, so dropping None here spares callers from importing each package's UNSET.
        request_kwargs: dict[str, Any] = endpoint._get_kwargs(**{k: v for k, v in kwargs.items() if v is not None})
        method = request_kwargs.pop("method")
        url = request_kwargs.pop("url")
        if timeout is not None:
            request_kwargs["timeout"] = timeout
        return method, url, request_kwargs

    def parse(self, endpoint: ModuleType, response: httpx.Response) -> Any:
        # File downloads are octet-stream: empty or HTML-looking bytes are legitimate file contents.
        # Anything else must be JSON; an HTML page or an empty body is named precisely here, while
        # well-formed bodies are decoded once, by the generated parser.
        if not response.headers.get("content-type", "").startswith("application/octet-stream") and (
            _looks_like_html(response) or not response.content
        ):
            check_json(response)
        try:
            return endpoint._parse_response(client=_PARSE_CONTEXT, response=response)
        except OpenHandsAPIError:
            raise
        except json.JSONDecodeError as exc:
            raise UnexpectedContentError(
                f"expected JSON but got {response.headers.get('content-type', 'no content type')}: {exc}",
                response=response,
                raw=response.text[:500],
            ) from exc
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise UnexpectedContentError(
                f"the response does not match this client's spec ({type(exc).__name__}: {exc})",
                response=response,
                raw=_safe_json(response),
            ) from exc
        except Exception as exc:  # generated errors.UnexpectedStatus: a 2xx the spec does not list
            if type(exc).__name__ == "UnexpectedStatus":
                raise UnexpectedContentError(
                    f"HTTP {response.status_code} is not a status this client's spec expects here",
                    response=response,
                    raw=_safe_json(response),
                ) from exc
            raise

    def _stream_failure(self, exc: httpx.TransportError, method: str, url: str) -> APIConnectionError:
        return _transport_failure(exc, method.upper(), self._full_url(url), False)[0]


class Transport(_TransportCore):
    """HTTP for one server: ``base_url`` + auth + timeouts + retries + typed errors."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        timeout: httpx.Timeout | float | None = None,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        http_transport: httpx.BaseTransport | None = None,
        headers: dict[str, str] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__(base_url, max_retries)
        self._sleep = sleep
        self._client = httpx.Client(
            base_url=self.base_url,
            transport=http_transport if http_transport is not None else FreshPoolAfterCrash(),
            **self._client_args(auth, timeout, headers),
        )

    # --- lifecycle --------------------------------------------------------------------------------

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return self._describe(self._client.auth)

    # --- requests ---------------------------------------------------------------------------------

    def request(self, method: str, url: str, *, retry: bool | None = None, **kwargs: Any) -> httpx.Response:
        """Send a request; return the response for 2xx, raise a typed error otherwise.

        ``retry`` says whether the call is safe to repeat: None (default) decides by method
        (GET/PUT/DELETE... yes, POST/PATCH no), True/False override that. A safe call is retried on
        timeouts, broken connections and 408/5xx. Every call, safe or not, is retried on a refused
        connection and on 429, where the server did nothing. ``max_retries=0`` turns retries off.
        """
        method = method.upper()
        may_retry = self._should_retry(method, retry)
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                response = self._client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                failure, delay = self._after_failure(exc, method, url, attempt, may_retry)
                if delay is None:
                    raise failure from exc
            else:
                logger.debug("%s %s -> %s in %.3f s", method, response.request.url, response.status_code, time.monotonic() - started)
                if response.is_success:
                    return response
                error, delay = self._after_status(response, attempt, may_retry)
                if delay is None:
                    raise error
            (self._sleep or time.sleep)(delay)
            attempt += 1

    def get_json(self, url: str, **kwargs: Any) -> Any:
        return check_json(self.request("GET", url, **kwargs))

    @contextmanager
    def stream(self, method: str, url: str, **kwargs: Any) -> Iterator[httpx.Response]:
        """Stream a response body (downloads). Errors are raised before the body is read.

        Not retried: a retry after a partial body would hand the caller duplicated bytes.
        """
        try:
            with self._client.stream(method.upper(), url, **kwargs) as response:
                if not response.is_success:
                    response.read()
                    raise error_from_response(response)
                yield response
        except httpx.TransportError as exc:
            raise self._stream_failure(exc, method, url) from exc

    def download(self, url: str, path: str | os.PathLike[str], *, params: dict[str, Any] | None = None,
                 refuse_html: bool = False) -> int:
        """Stream a GET body into ``path`` (atomically: no partial file on error); return its size.

        ``refuse_html``: an HTML page instead of the file is an UnexpectedContentError (for servers
        whose web app answers unknown paths; the agent server sends files as octet-stream).
        """
        written = 0
        with _atomic_target(path) as (fd, _name), os.fdopen(fd, "wb") as out, self.stream("GET", url, params=params) as response:
            if refuse_html:
                _refuse_html(response)
            for chunk in response.iter_bytes(C.DOWNLOAD_CHUNK_BYTES):
                out.write(chunk)
                written += len(chunk)
        return written

    # --- generated code ---------------------------------------------------------------------------

    def call(self, endpoint: ModuleType, /, *, retry: bool | None = None, timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> Any:
        """Call one generated endpoint module and return its typed 2xx result.

        The generated ``_get_kwargs`` builds method, URL, query and body from the spec; the generated
        ``_parse_response`` turns a 2xx body into the spec's model (whose ``.raw`` keeps the JSON).
        Keyword arguments that are None are left out (the endpoint's default applies).
        """
        return self.call_with_response(endpoint, retry=retry, timeout=timeout, **kwargs)[0]

    def call_with_response(
        self, endpoint: ModuleType, /, *, retry: bool | None = None, timeout: float | httpx.Timeout | None = None, **kwargs: Any
    ) -> tuple[Any, httpx.Response]:
        """:meth:`call`, also handing back the response (for checks a server's 2xx quirks need)."""
        method, url, request_kwargs = self._prepare(endpoint, kwargs, timeout)
        response = self.request(method, url, retry=retry, **request_kwargs)
        return self.parse(endpoint, response), response


class AsyncTransport(_TransportCore):
    """The async twin of :class:`Transport`: same retries, errors and generated-code seam, on
    ``httpx.AsyncClient``. ``sleep`` is an async callable (default ``asyncio.sleep``)."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        timeout: httpx.Timeout | float | None = None,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        http_transport: httpx.AsyncBaseTransport | None = None,
        headers: dict[str, str] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(base_url, max_retries)
        self._sleep = sleep
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            transport=http_transport if http_transport is not None else AsyncFreshPoolAfterCrash(),
            **self._client_args(auth, timeout, headers),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> AsyncTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return self._describe(self._client.auth)

    async def request(self, method: str, url: str, *, retry: bool | None = None, **kwargs: Any) -> httpx.Response:
        """See :meth:`Transport.request`."""
        method = method.upper()
        may_retry = self._should_retry(method, retry)
        attempt = 0
        while True:
            try:
                response = await self._client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                failure, delay = self._after_failure(exc, method, url, attempt, may_retry)
                if delay is None:
                    raise failure from exc
            else:
                if response.is_success:
                    return response
                error, delay = self._after_status(response, attempt, may_retry)
                if delay is None:
                    raise error
            await (self._sleep or asyncio.sleep)(delay)
            attempt += 1

    @asynccontextmanager
    async def stream(self, method: str, url: str, **kwargs: Any) -> AsyncIterator[httpx.Response]:
        """See :meth:`Transport.stream` (not retried)."""
        try:
            async with self._client.stream(method.upper(), url, **kwargs) as response:
                if not response.is_success:
                    await response.aread()
                    raise error_from_response(response)
                yield response
        except httpx.TransportError as exc:
            raise self._stream_failure(exc, method, url) from exc

    async def download(self, url: str, path: str | os.PathLike[str], *, params: dict[str, Any] | None = None,
                       refuse_html: bool = False) -> int:
        """See :meth:`Transport.download` (the file is written in a worker thread)."""
        import anyio

        written = 0
        with _atomic_target(path) as (fd, name):
            os.close(fd)
            async with await anyio.open_file(name, "wb") as out, self.stream("GET", url, params=params) as response:
                if refuse_html:
                    _refuse_html(response)
                async for chunk in response.aiter_bytes(C.DOWNLOAD_CHUNK_BYTES):
                    await out.write(chunk)
                    written += len(chunk)
        return written

    async def call(self, endpoint: ModuleType, /, *, retry: bool | None = None, timeout: float | httpx.Timeout | None = None, **kwargs: Any) -> Any:
        """See :meth:`Transport.call`."""
        method, url, request_kwargs = self._prepare(endpoint, kwargs, timeout)
        response = await self.request(method, url, retry=retry, **request_kwargs)
        return self.parse(endpoint, response)


def _safe_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]


__all__ = ["AsyncTransport", "Transport", "backoff_delay", "check_json", "logger"]
