"""Event shapes the real servers send parse to the same class whichever endpoint returned them."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

# What agent server 1.58.0 stores when the model calls a tool the agent does not have (measured,
# docs/agent-server.md): `action` is null. events/search omits null fields, a single GET keeps them.
UNKNOWN_TOOL_ACTION: dict[str, Any] = {
    "kind": "ActionEvent", "id": "8b0c", "timestamp": "2026-12-01T12:00:00.000001", "source": "agent",
    "tool_name": "no_such_tool", "tool_call_id": "call_x1", "action": None, "security_risk": "UNKNOWN",
    "thought": [], "llm_response_id": "chatcmpl-fake",
}


def _parse(endpoint: Any, body: Any) -> Any:
    response = httpx.Response(200, content=json.dumps(body).encode(), headers={"content-type": "application/json"})
    return endpoint._parse_response(client=None, response=response)


@pytest.mark.parametrize("package", ["openhands_api_agent", "openhands_api_v1"])
def test_an_action_event_with_a_null_action_is_an_action_event_from_search_and_from_get(package: str) -> None:
    import importlib

    models = importlib.import_module(f"{package}.models")
    page_model, action_event = models.EventPage, models.ActionEvent
    searched = {k: v for k, v in UNKNOWN_TOOL_ACTION.items() if v is not None}  # search omits nulls
    (from_search,) = page_model.from_dict({"items": [searched], "next_page_id": None}).items
    assert isinstance(from_search, action_event)
    if package == "openhands_api_agent":
        from openhands_api_agent.api.events import get_event

        from_get = _parse(get_event, UNKNOWN_TOOL_ACTION)
    else:
        (from_get,) = page_model.from_dict({"items": [UNKNOWN_TOOL_ACTION]}).items
    assert type(from_get) is type(from_search) is action_event
    assert from_get.action is None and from_get.tool_name == "no_such_tool"


def test_hook_is_a_known_event_source() -> None:
    from openhands_api_agent.models.event_source import EVENT_SOURCE_VALUES

    assert "hook" in EVENT_SOURCE_VALUES


def test_the_client_reads_a_null_action_event_as_the_same_class_from_iter_events_and_get_event() -> None:
    from openhands_api import AgentServerClient
    from openhands_api_agent.models import ActionEvent

    conv = "6f1c2a1e-0b4e-4c55-9d3e-2f6f6d0b8a11"
    searched = {k: v for k, v in UNKNOWN_TOOL_ACTION.items() if v is not None}

    def server(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events/search"):
            return httpx.Response(200, json={"items": [searched], "next_page_id": None})
        return httpx.Response(200, json=UNKNOWN_TOOL_ACTION)

    with AgentServerClient("http://agent.test", "k", http_transport=httpx.MockTransport(server)) as agent:  # type: ignore[arg-type]
        (listed,) = list(agent.iter_events(conv))
        single = agent.get_event(conv, UNKNOWN_TOOL_ACTION["id"])
    assert type(listed) is type(single) is ActionEvent
    assert single.action is None
