"""Event unions are parsed by ``kind`` (scripts/templates/property_templates/union_property.py.jinja):
a known kind becomes its class or fails loudly, an unknown kind is still an UnknownEvent."""

from __future__ import annotations

import httpx
import pytest
from openhands_api import AgentServerClient, UnexpectedContentError
from openhands_api_agent.models import ActionEvent, EventPage, MessageEvent, UnknownEvent

CONV = "c0ffee00c0ffee00c0ffee00c0ffee00"
MESSAGE = {"kind": "MessageEvent", "id": "e1", "timestamp": "2026-01-01T00:00:00", "source": "user",
           "llm_message": {"role": "user", "content": [{"type": "text", "text": "hi"}]}}


def page(*items: dict[str, object]) -> httpx.Response:
    return httpx.Response(200, json={"items": list(items), "next_page_id": None})


def test_known_and_unknown_kinds() -> None:
    parsed = EventPage.from_dict({"items": [MESSAGE, {"kind": "BrandNewEvent", "id": "e2", "x": 1}],
                                  "next_page_id": None})
    assert isinstance(parsed.items[0], MessageEvent)
    assert isinstance(parsed.items[1], UnknownEvent) and parsed.items[1].kind == "BrandNewEvent"


def test_a_known_kind_with_a_malformed_body_is_not_an_unknown_event() -> None:
    broken = {"kind": "ActionEvent", "timestamp": "2026-01-01T00:00:00", "source": "agent"}  # no id: malformed
    with pytest.raises((KeyError, TypeError, ValueError)):
        EventPage.from_dict({"items": [broken], "next_page_id": None})
    client = AgentServerClient("http://127.0.0.1:9", "k", http_transport=httpx.MockTransport(lambda r: page(broken)))
    with pytest.raises(UnexpectedContentError):
        client.search_events(CONV)
    assert ActionEvent.__name__ == "ActionEvent"  # the dispatch key is the class name
