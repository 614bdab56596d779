"""The one seam to generated code: requests are built by it, and what comes back is checked here.

The generated packages (``openhands_api_agent``, ``openhands_api_v1``, ``openhands_api_v0``) are used
for exactly two things, both through this module: an endpoint module's ``_get_kwargs`` builds method,
URL, query and body from the spec, and its ``_parse_response`` turns a 2xx body into the spec's model.
Their ``Client`` classes are never used (no default timeout, and their attrs repr shows the token).

This is also where a success is held to what the API promised (:func:`check_json`,
:func:`parse`, :func:`expect`): an HTML page, an empty body or a JSON shape the spec does not match is
an :class:`UnexpectedContentError` with the received payload in ``.raw``, never a wrong-typed value.
I/O-free, so the sync and async transports share it.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any, TypeVar

import httpx

from ._exceptions import InvalidArgumentError, OpenHandsAPIError, UnexpectedContentError
from ._ids import path_segment

T = TypeVar("T")


class _ParseContext:
    """Stands in for the generated client where generated parsers only read this flag."""

    raise_on_unexpected_status = True


_PARSE_CONTEXT = _ParseContext()
_PATH_PARAMS: dict[str, tuple[str, ...]] = {}


def _path_params(endpoint: ModuleType) -> tuple[str, ...]:
    """The path parameters of a generated endpoint: the positional parameters of its ``_get_kwargs``
    (query and body parameters are keyword-only in generated code)."""
    names = _PATH_PARAMS.get(endpoint.__name__)
    if names is None:
        names = tuple(
            p.name for p in inspect.signature(endpoint._get_kwargs).parameters.values()
            if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        )
        _PATH_PARAMS[endpoint.__name__] = names
    return names


def prepare(endpoint: ModuleType, kwargs: dict[str, Any], timeout: float | httpx.Timeout | None) -> tuple[str, str, dict[str, Any]]:
    """Method, URL and httpx keyword arguments for one generated endpoint call.

    Every path parameter must stand alone in one path segment (:func:`~openhands_api._ids.path_segment`),
    checked here once for every client. None means "not given": the generated functions default every
    optional parameter to their own UNSET sentinel, so dropping None spares callers each package's UNSET.
    """
    for name in _path_params(endpoint):
        if name in kwargs:
            path_segment(kwargs[name], what=name.replace("_", " "))
    request_kwargs: dict[str, Any] = endpoint._get_kwargs(**{k: v for k, v in kwargs.items() if v is not None})
    method = request_kwargs.pop("method")
    url = request_kwargs.pop("url")
    if timeout is not None:
        request_kwargs["timeout"] = timeout
    return method, url, request_kwargs


@contextmanager
def building_request() -> Iterator[None]:
    """Around the building of a request body (also a decorator): a value the generated request model
    refuses (its package's ``InvalidFieldError``: enum, pattern, range, unknown key of a closed
    object, as strict as the server) becomes :class:`InvalidArgumentError` naming the field, before
    anything is sent. Each generated package has its own class, hence the test by name."""
    try:
        yield
    except ValueError as exc:
        if type(exc).__name__ == "InvalidFieldError":
            raise InvalidArgumentError(f"invalid request field {exc}", hint="fix the argument; nothing was sent") from exc
        raise


def looks_like_html(response: httpx.Response) -> bool:
    if "html" in response.headers.get("content-type", ""):
        return True
    head = response.content[:64].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def check_json(response: httpx.Response) -> Any:
    """Decode a 2xx JSON body or raise :class:`UnexpectedContentError` saying what came instead."""
    if looks_like_html(response):
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


def parse(endpoint: ModuleType, response: httpx.Response) -> Any:
    """The generated parser's result for a 2xx response, or :class:`UnexpectedContentError`."""
    # File downloads are octet-stream: empty or HTML-looking bytes are legitimate file contents.
    # Anything else must be JSON; an HTML page or an empty body is named precisely here, while
    # well-formed bodies are decoded once, by the generated parser.
    if not response.headers.get("content-type", "").startswith("application/octet-stream") and (
        looks_like_html(response) or not response.content
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


def _type_name(expected: type | tuple[type, ...]) -> str:
    if isinstance(expected, tuple):
        return " | ".join(t.__name__ for t in expected)
    return expected.__name__


def _is_instance(value: Any, expected: type | tuple[type, ...]) -> bool:
    # bool is an int subclass, but `true` is never a count.
    if isinstance(value, bool) and not (expected is bool or (isinstance(expected, tuple) and bool in expected)):
        return False
    return isinstance(value, expected)


def expect(value: Any, expected: type[T], response: httpx.Response | None, what: str = "the response") -> T:
    """``value`` if it is an instance of ``expected``; else :class:`UnexpectedContentError` (raw kept).

    The generated parsers pass through what they cannot type (a count that is ``"12"``, a batch item
    that did not match its model comes back as a plain dict): this is the one place that notices.
    """
    if not _is_instance(value, expected):
        raise UnexpectedContentError(
            f"{what} is not a {_type_name(expected)} (got {type(value).__name__})",
            response=response,
            raw=value if response is None else _safe_json(response),
        )
    checked: T = value
    return checked


def expect_any(value: Any, expected: tuple[type, ...], response: httpx.Response | None, what: str = "the response") -> Any:
    """:func:`expect` for a union of classes (e.g. the event kinds): the caller names the union type."""
    if not _is_instance(value, expected):
        raise UnexpectedContentError(
            f"{what} is not one of {_type_name(expected)} (got {type(value).__name__})",
            response=response,
            raw=_safe_json(response) if response is not None else value,
        )
    return value


def expect_batch(value: Any, item: type[T], count: int, response: httpx.Response | None, what: str = "the batch") -> list[T | None]:
    """A batch answer: a list of exactly ``count`` items, each an ``item`` or None (unknown id)."""
    if not isinstance(value, list) or len(value) != count:
        raise UnexpectedContentError(
            f"{what} is not a list of {count} items (got {type(value).__name__}"
            + (f" of {len(value)}" if isinstance(value, list) else "") + ")",
            response=response,
            raw=_safe_json(response) if response is not None else value,
        )
    for element in value:
        if element is not None and not isinstance(element, item):
            raise UnexpectedContentError(
                f"an item of {what} does not match this client's {item.__name__} schema",
                response=response,
                raw=element if not isinstance(element, item) else None,
            )
    return value


def _safe_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]


__all__ = ["building_request", "check_json", "expect", "expect_any", "expect_batch", "looks_like_html", "parse", "prepare"]
