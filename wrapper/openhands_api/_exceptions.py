"""One small error hierarchy for every server this client talks to.

    OpenHandsAPIError                      every error raised by this package
    ├── ConfigurationError                 missing/invalid key or URL (raised before any request)
    │   └── InvalidArgumentError           an argument the server would reject (also a ValueError)
    ├── APIConnectionError                 the server could not be reached
    │   └── APITimeoutError                no answer in time
    ├── APIStatusError                     the server answered with an error status
    │   ├── BadRequestError        400/422 the request was rejected as invalid
    │   ├── AuthenticationError    401/403 missing or wrong key
    │   ├── NotFoundError              404 unknown conversation, event, file ... (also a 200 `null`)
    │   ├── ConflictError              409 e.g. the conversation is already running
    │   ├── RateLimitError             429 carries ``retry_after`` seconds
    │   └── ServerError               5xx the server failed
    ├── UnexpectedContentError             a 2xx body that is not what the API promises (HTML, empty, wrong shape)
    ├── WaitTimeoutError                   a wait ran out of time; carries the last status seen (also a TimeoutError)
    │   └── StartTaskTimeout               V1: a start task did not reach READY in time
    ├── StartTaskFailedError               V1: a start task ended in ERROR
    ├── ResolverError                      V1: no usable agent server for an id (``step`` says where it failed)
    └── EventCountError                    V1: no source could count a conversation's events

    BadRequestError → InvalidCursorError   V0: a page cursor the server could not decode (it answers 500)
    ConflictError → ConversationNotRunningError   V0: a message to a conversation that is not running

Each error has a message naming the method and URL, and ``hint``: what to do about it. Messages are
scrubbed of every live secret value before they are built.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

import httpx

from ._retry import parse_retry_after, untrusted_certificate
from ._secret import scrub


class OpenHandsAPIError(Exception):
    """Base class of every error raised by openhands_api."""

    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None, method: str | None = None, url: str | None = None) -> None:
        self.method = method
        self.url = url
        if hint is not None:
            self.hint = hint
        self.message = scrub(message)
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method and self.url else (f" ({self.url})" if self.url else "")
        text = f"{self.message}{where}"
        return scrub(f"{text}. Hint: {self.hint}" if self.hint else text)


class ConfigurationError(OpenHandsAPIError):
    """Something the client needs (a key, a URL, a valid argument) is missing or wrong."""

    hint = "pass it as an argument or set the environment variable named in the message"


class InvalidArgumentError(ConfigurationError, ValueError):
    """An argument that cannot work (a relative remote path, a limit out of range ...); no request was sent."""

    hint = "fix the argument; nothing was sent to the server"


class APIConnectionError(OpenHandsAPIError):
    hint = "check that the server is running and that the URL (scheme, host, port) is right"


class APITimeoutError(APIConnectionError):
    hint = "the server did not answer in time; retry, or pass a larger timeout="


class APIStatusError(OpenHandsAPIError):
    """The server answered with an HTTP error status; ``body`` is the decoded JSON (or text)."""

    hint = "see the server's message"

    def __init__(self, message: str, *, response: httpx.Response, body: Any, hint: str | None = None) -> None:
        self.response = response
        self.status_code = response.status_code
        self.body = body
        super().__init__(message, hint=hint, method=response.request.method, url=str(response.request.url))


class BadRequestError(APIStatusError):
    hint = "the server rejected the request's parameters; check them against the API reference"


class AuthenticationError(APIStatusError):
    hint = "the key is missing or wrong: check the session key / API key you passed (it is never printed)"


class NotFoundError(APIStatusError):
    hint = "check the id (a conversation id, not a start-task or sandbox id) and that it still exists"


class ConflictError(APIStatusError):
    hint = "the resource is busy (e.g. already running): wait for it or pause it first"


class RateLimitError(APIStatusError):
    hint = "too many requests: slow down, or wait for retry_after seconds"

    def __init__(self, message: str, *, response: httpx.Response, body: Any, retry_after: float | None) -> None:
        self.retry_after = retry_after
        super().__init__(message, response=response, body=body)


class ServerError(APIStatusError):
    hint = "the server failed; retry later and look at the server's log"


class UnexpectedContentError(OpenHandsAPIError):
    """A successful status with a body that is not what the API promises.

    Typical causes: an HTML web page where JSON was expected (a wrong base URL or path: OpenHands
    Cloud answers unknown paths with its web app and status 200), an empty body, or a JSON shape this
    client's spec does not match (``raw`` holds what was received).
    """

    hint = "check the base URL and path; if the server is newer than this client, report the payload"

    def __init__(self, message: str, *, response: httpx.Response | None = None, raw: Any = None, hint: str | None = None) -> None:
        self.response = response
        self.raw = raw
        method = response.request.method if response is not None else None
        url = str(response.request.url) if response is not None else None
        super().__init__(message, hint=hint, method=method, url=url)


class WaitTimeoutError(OpenHandsAPIError, TimeoutError):
    """A wait ran out of time. ``last_status`` is the last status seen (None if none was).

    Also a ``TimeoutError``, as the seed scripts raised, so their ``except TimeoutError`` still works.
    """

    hint = "the work is still going on; wait longer (timeout=) or check it in the server's UI/logs"

    def __init__(self, message: str, *, last_status: Any = None, hint: str | None = None) -> None:
        self.last_status = last_status
        super().__init__(message, hint=hint)


def _decode_body(response: httpx.Response) -> Any:
    """The error body as JSON, else as text; whatever the bytes (deep nesting, a 5000-digit int,
    an unknown charset), never an exception: an error answer must become its typed error."""
    try:
        return response.json()
    except (ValueError, RecursionError):
        pass
    try:
        return response.text
    except (ValueError, LookupError):
        return repr(response.content[:200])


def _short(value: Any) -> str:
    try:
        return json.dumps(value)[:200]
    except (ValueError, TypeError, RecursionError):
        return repr(type(value))


def _validation_message(items: list[Any]) -> str:
    """FastAPI's ``detail: [{loc: [...], msg: ...}]``; ``loc`` may be missing, null or a string."""
    parts = []
    for item in items[:3]:
        if isinstance(item, dict):
            loc = item.get("loc")
            where = ".".join(str(x) for x in loc) if isinstance(loc, list) else (str(loc) if loc is not None else "")
            msg = item.get("msg")
            parts.append(f"{where}: {msg if isinstance(msg, str) else ''}".strip(": "))
    return "; ".join(p for p in parts if p) or _short(items)


def _server_message(body: Any) -> str:
    """The human part of an error body: FastAPI's `detail`, OpenHands' `error` / `message`."""
    if isinstance(body, dict):
        for key in ("detail", "error", "message"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:200]
            if isinstance(value, list) and value:  # FastAPI validation errors
                return _validation_message(value)
    if isinstance(body, str):
        text = body.strip()
        if text.lower().startswith(("<!doctype html", "<html")):
            return "an HTML page"
        return text[:200]
    return _short(body) if body is not None else ""


# Routes whose 404 means a missing file, not an unknown conversation id.
_FILE_ROUTES = ("/api/file/", "/file/download", "/file/upload")


def error_from_response(response: httpx.Response) -> APIStatusError:
    """Map an error response to the one class for its status (the only place this mapping lives)."""
    body = _decode_body(response)
    status = response.status_code
    detail = _server_message(body)
    message = f"HTTP {status}" + (f": {detail}" if detail else "")
    if status == 429:
        return RateLimitError(message, response=response, body=body, retry_after=parse_retry_after(response.headers))
    if 300 <= status < 400:
        location = response.headers.get("location", "")
        return APIStatusError(
            f"HTTP {status}: the server redirects to {location or '(no Location header)'}", response=response, body=body,
            hint="the base URL is probably wrong (this client does not follow redirects, so the key is never sent "
            "elsewhere): use the URL the server redirects to, e.g. https:// instead of http://, or without a trailing path",
        )
    hint: str | None = None
    cls: type[APIStatusError]
    if status in (400, 422):
        cls = BadRequestError
    elif status in (401, 403):
        cls = AuthenticationError
    elif status == 404:
        cls = NotFoundError
        if any(route in response.request.url.path for route in _FILE_ROUTES):
            hint = "no such file on the server: check the remote path (absolute, e.g. /workspace/file.txt) and that it exists"
    elif status == 409:
        cls = ConflictError
    elif status >= 500:
        cls = ServerError
    else:
        cls = APIStatusError
    return cls(message, response=response, body=body, hint=hint)


# The hint of a failed certificate verification, on HTTP calls and on the follow socket alike.
UNTRUSTED_CERTIFICATE_HINT = "the server's TLS certificate is not trusted: if it is yours, point SSL_CERT_FILE at the CA that signed it"


def connection_error(exc: Exception, method: str, url: str) -> APIConnectionError:
    """The typed error for an exchange that failed before a whole answer arrived."""
    if untrusted_certificate(exc):
        return APIConnectionError(f"cannot connect: {exc}", method=method, url=url, hint=UNTRUSTED_CERTIFICATE_HINT)
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return APIConnectionError(f"cannot connect: {exc or type(exc).__name__}", method=method, url=url)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"no answer in time ({type(exc).__name__})", method=method, url=url)
    return APIConnectionError(f"connection failed: {type(exc).__name__}: {exc}", method=method, url=url)


# --- errors of one server's workflow ------------------------------------------------------------------


class StartTaskTimeout(WaitTimeoutError):
    """V1: a start task did not finish in time (a ``TimeoutError`` too, as the seed raised)."""


class _StartTask(Protocol):
    @property
    def id(self) -> Any: ...
    @property
    def detail(self) -> Any: ...


class StartTaskFailedError(OpenHandsAPIError):
    """V1: the start task ended in ERROR. ``detail`` is the server's reason (may be empty); ``task`` the task."""

    hint = "read the detail; the sandbox may still be running (delete it with delete_sandbox) - retry the start"

    def __init__(self, task: _StartTask) -> None:
        self.task = task
        detail = task.detail
        self.detail = detail if isinstance(detail, str) else ""
        shown = self.detail or "(the server gave no detail; look at the app server's log)"
        super().__init__(f"start task {task.id} failed: {shown}")


class ResolverError(OpenHandsAPIError):
    """V1: the agent server could not be found or used. ``step`` names what failed:

    ``identify`` (no conversation, start task or sandbox has the id), ``start task`` (ERROR or not
    started far enough), ``sandbox`` (missing, ERROR, PAUSED with resume off, did not come back),
    ``url`` / ``key`` (the server named no agent server URL or key).
    """

    hint = "see the step in the message"

    def __init__(self, message: str, *, step: str, hint: str | None = None) -> None:
        self.step = step
        super().__init__(f"{step}: {message}", hint=hint)


class _Attempt(Protocol):
    @property
    def source(self) -> str: ...
    @property
    def error(self) -> str | None: ...


class EventCountError(OpenHandsAPIError):
    """V1: no source could count the events; ``attempts`` says why each failed."""

    hint = "the conversation exists but no source answered; see each source's reason"

    def __init__(self, conversation_id: str, attempts: Sequence[_Attempt]) -> None:
        self.attempts = tuple(attempts)
        reasons = "; ".join(f"{a.source}: {a.error}" for a in attempts)
        super().__init__(f"could not count the events of conversation {conversation_id} ({reasons})")


class InvalidCursorError(BadRequestError):
    """V0: the server could not decode ``page_id`` (it answers 500 for a malformed cursor)."""

    hint = "pass a next_page_id exactly as a previous page returned it, or leave page_id out to start at the first page"


class ConversationNotRunningError(ConflictError):
    """V0: a message was sent to a conversation whose agent loop is not running (stopped, or after a restart)."""

    hint = "start it again with start_conversation(conversation_id) (CLI: openhands-api v0 start ID), then send the message again"
