"""The seam reads what each generated endpoint declares for a 2xx answer from its parser's return
annotation (``_seam.declared``). Pinned here for every endpoint of every package, so a generator
change that alters the annotations fails here instead of loosening or breaking the checks."""

from __future__ import annotations

import importlib
import pkgutil
import typing

import httpx
import pytest
from openhands_api import UnexpectedContentError, _seam

PACKAGES = ("openhands_api_agent", "openhands_api_v1", "openhands_api_v0")


def endpoints() -> list[str]:
    names = []
    for package in PACKAGES:
        api = importlib.import_module(f"{package}.api")
        names += [m.name for m in pkgutil.walk_packages(api.__path__, f"{package}.api.") if not m.ispkg]
    return sorted(names)


def test_only_v0_get_conversation_declares_a_null_success() -> None:
    nullable = [name for name in endpoints() if _seam.declared(importlib.import_module(name))[1]]
    assert nullable == ["openhands_api_v0.api.conversations.get_conversation"]


@pytest.mark.parametrize("name", endpoints())
def test_every_endpoint_declares_checkable_types(name: str) -> None:
    types_, _ = _seam.declared(importlib.import_module(name))
    assert types_, name
    assert not {getattr(t, "__name__", "") for t in types_} & {"ErrorBody", "ErrorDetail", "HTTPValidationError"}, name
    for declared in types_:
        assert isinstance(declared, type) or typing.get_origin(declared) is list, (name, declared)


def response(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body, request=httpx.Request("GET", "http://127.0.0.1:9/x"))


@pytest.mark.parametrize(("value", "ok"), [(3, True), (True, False), ("3", False), (None, False), ([3], False)])
def test_a_count_must_be_an_int(value: object, ok: bool) -> None:
    from openhands_api_v1.api.events import count_events

    if ok:
        assert _seam.expect_declared(count_events, value, response(b"3"), {}) == value
    else:
        with pytest.raises(UnexpectedContentError):
            _seam.expect_declared(count_events, value, response(b"x"), {})


def test_a_batch_must_answer_each_id() -> None:
    from openhands_api_v1.api.sandboxes import batch_get_sandboxes

    assert _seam.expect_declared(batch_get_sandboxes, [None, None], response(b"[null,null]"), {"id": ["a", "b"]}) == [None, None]
    for wrong in ([None], [None, None, None], ["x", None], {"items": []}):
        with pytest.raises(UnexpectedContentError):
            _seam.expect_declared(batch_get_sandboxes, wrong, response(b"[]"), {"id": ["a", "b"]})


def test_prepare_sends_query_parameters_only_when_there_are_some() -> None:
    from openhands_api_agent.api.events import count_events, search_events

    method, url, kwargs = _seam.prepare(count_events, {"conversation_id": "c1", "kind": None}, None)
    assert (method, url) == ("get", "/api/conversations/c1/events/count") and "params" not in kwargs
    _, _, kwargs = _seam.prepare(search_events, {"conversation_id": "c1", "limit": 5, "kind": None}, 3.0)
    assert kwargs["params"] == {"limit": 5} and kwargs["timeout"] == 3.0
