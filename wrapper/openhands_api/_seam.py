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

import ast
import inspect
import json
import textwrap
import types
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
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
    if not request_kwargs.get("params", True):  # {} would make httpx parse and rebuild the URL: 14 us a call
        del request_kwargs["params"]
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
    except (ValueError, RecursionError) as exc:  # bad JSON or bytes, an int past Python's digit limit, deep nesting
        raise _not_json(response, exc) from exc


def _not_json(response: httpx.Response, exc: BaseException) -> UnexpectedContentError:
    why = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
    return UnexpectedContentError(
        f"expected JSON but got {response.headers.get('content-type', 'no content type')} that cannot be read: {why}",
        response=response,
        raw=_text(response),
    )


def _text(response: httpx.Response) -> str:
    try:
        return response.text[:500]
    except (ValueError, LookupError):  # a charset Python does not know, bytes it cannot decode
        return repr(response.content[:500])


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
    except (json.JSONDecodeError, RecursionError) as exc:
        raise _not_json(response, exc) from exc
    except Exception as exc:
        # The generated parser is pure data handling: whatever it raises (KeyError, TypeError,
        # ValueError of a 5000-digit int, generated errors.UnexpectedStatus for a 2xx the spec
        # does not list ...) means the answer does not fit the spec, never a bug to let through.
        if type(exc).__name__ == "UnexpectedStatus":
            message = f"HTTP {response.status_code} is not a status this client's spec expects here"
        else:
            message = f"the response does not match this client's spec ({type(exc).__name__}: {str(exc)[:200]})"
        raise UnexpectedContentError(message, response=response, raw=_safe_json(response)) from exc


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
    except (ValueError, RecursionError):
        return _text(response)


# --- what the spec declares, checked where the caller did not name a type -------------------------

_DECLARED: dict[str, tuple[tuple[Any, ...], bool]] = {}


def declared(endpoint: ModuleType) -> tuple[tuple[Any, ...], bool]:
    """The types a 2xx result of ``endpoint`` may have, and whether JSON null is one of them.

    Read from the generated parser's return annotation (``Page | ErrorBody | None``). The generator
    appends ``| None`` last for undocumented statuses (which raise here), so None counts as a
    declared result only where it comes earlier: a nullable 2xx body (V0 ``get_conversation``).
    ``tests/unit/test_seam_declared.py`` pins that reading for every endpoint.
    """
    found = _DECLARED.get(endpoint.__name__)
    if found is None:
        annotation = _evaluated(endpoint, getattr(endpoint._parse_response, "__annotations__", {}).get("return", Any))
        members = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, types.UnionType) else (annotation,)
        nullable = type(None) in members[:-1]
        only_errors = _error_only_types(endpoint)
        found = tuple(m for m in members if m is not type(None) and getattr(m, "__name__", None) not in only_errors), nullable
        _DECLARED[endpoint.__name__] = found
    return found


class _GeneratedNames(dict[str, Any]):
    """The names a generated endpoint imports only for type checkers (its models, ``File``): looked up
    in its package's lazy ``models``, then ``types``, when an annotation is evaluated."""

    def __init__(self, endpoint: ModuleType) -> None:
        super().__init__()
        self._package = endpoint.__name__.partition(".")[0]

    def __missing__(self, name: str) -> Any:
        for module in ("models", "types"):
            found = getattr(import_module(f"{self._package}.{module}"), name, None)
            if found is not None:
                return found
        raise KeyError(name)


def _evaluated(endpoint: ModuleType, annotation: Any) -> Any:
    """An annotation of generated code, which is a string (``from __future__ import annotations``: the
    endpoint modules import their models when a function runs, not on import), as the type it names."""
    if not isinstance(annotation, str):
        return annotation
    return eval(annotation, vars(endpoint), _GeneratedNames(endpoint))  # the generated module's own annotation


def _error_only_types(endpoint: ModuleType) -> set[str]:
    """Names of the types the parser builds only for error statuses (``ErrorBody``, the ``str`` of a
    text/plain 500): an error status is raised before parsing, so a 2xx result of that type is wrong.

    Read from the parser's source: each ``if response.status_code == N:`` branch starts (after the
    imports of what it builds) with ``response_N = X.from_dict(...)``, ``cast(X, response.json())`` or
    ``response.text``.
    """
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(endpoint._parse_response)))
    except (OSError, TypeError, SyntaxError):
        return set()
    by_status: dict[bool, set[str]] = {True: set(), False: set()}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
                and isinstance(node.test.comparators[0], ast.Constant) and "status_code" in ast.unparse(node.test.left)):
            continue
        status = node.test.comparators[0].value
        first = next((s for s in node.body if not isinstance(s, ast.ImportFrom)), None)  # past the branch's model import
        if isinstance(status, int) and isinstance(first, ast.Assign):
            by_status[200 <= status < 300].add(_built_type(first.value))
    return by_status[False] - by_status[True] - {""}


def _built_type(value: ast.expr) -> str:
    if isinstance(value, ast.Attribute) and value.attr == "text":
        return "str"
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "from_dict":
        return ast.unparse(value.func.value)
    if isinstance(value, ast.Call) and ast.unparse(value.func) == "cast" and value.args:
        return ast.unparse(value.args[0])
    return ""


def _conforms(value: Any, declared_type: Any) -> bool:
    origin = typing.get_origin(declared_type)
    if origin is list:
        (item_type,) = typing.get_args(declared_type) or (Any,)
        items = typing.get_args(item_type) if typing.get_origin(item_type) in (typing.Union, types.UnionType) else (item_type,)
        return isinstance(value, list) and all(any(_conforms(v, t) for t in items) for v in value)
    if declared_type is type(None):
        return value is None
    if isinstance(declared_type, type):
        return _is_instance(value, declared_type)
    return True  # Any, a string annotation: nothing to check against


def expect_declared(endpoint: ModuleType, value: Any, response: httpx.Response, kwargs: dict[str, Any]) -> Any:
    """``value`` if it has a type the spec declares for ``endpoint`` (and, for a batch read by a
    list of ids, one item per id); else :class:`UnexpectedContentError`. For calls that name no type."""
    types_, nullable = declared(endpoint)
    asked = next((v for k, v in kwargs.items() if k in BATCH_ID_PARAMS and isinstance(v, list)), None)
    wrong_length = isinstance(value, list) and asked is not None and len(value) != len(asked)
    if (value is None and nullable) or (value is not None and not wrong_length and any(_conforms(value, t) for t in types_)):
        return value
    names = " | ".join(getattr(t, "__name__", str(t)) for t in types_)
    counted = f" of {len(value)} items for {len(asked)} ids" if isinstance(value, list) and asked is not None else ""
    raise UnexpectedContentError(
        f"the response is not what the spec declares ({names}; got {type(value).__name__}{counted})",
        response=response,
        raw=_safe_json(response),
    )


# The query parameters of the batch reads (agent/V1 ``ids``, V1 sandboxes ``id``): one answer per id.
BATCH_ID_PARAMS = ("ids", "id")


__all__ = ["building_request", "check_json", "declared", "expect", "expect_any", "expect_batch", "expect_declared", "looks_like_html", "parse", "prepare"]
