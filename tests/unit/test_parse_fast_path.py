"""The generated ``from_dict`` fast path (issue 12; scripts/templates/README.md): response models are
filled slot by slot, nested models are imported once per module, list items are dispatched on
``kind`` inline and lenient enums skip their check for a str. Each shortcut must give what the
constructor and the built-in parsers gave: every field set, unknown keys kept, ``raw`` the very
object parsed, a malformed known kind still an error at the call."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import httpx
import pytest
from openhands_api import AgentServerClient, UnexpectedContentError
from openhands_api_agent.models import (
    ActionEvent,
    ContentItem,
    ConversationStateUpdateEvent,
    EventPage,
    LLMMessage,
    MessageEvent,
    ObservationEvent,
    Success,
    UnknownEvent,
)
from openhands_api_agent.types import UNSET

CONV = "c0ffee00c0ffee00c0ffee00c0ffee00"
MESSAGE: dict[str, Any] = {
    "kind": "MessageEvent", "id": "m1", "timestamp": "2026-01-01T00:00:00", "source": "user", "parent_id": "p0",
    "llm_message": {"role": "user", "content": [{"type": "text", "text": "hi", "cache_prompt": False}],
                    "thinking_blocks": []},
    "activated_skills": [],
}


def test_a_parsed_model_equals_the_one_the_constructor_builds() -> None:
    parsed = MessageEvent.from_dict(MESSAGE)
    item = ContentItem(type_="text", text="hi")
    item.additional_properties = {"cache_prompt": False}
    message = LLMMessage(role="user", content=[item])
    message.additional_properties = {"thinking_blocks": []}
    built = MessageEvent(kind="MessageEvent", id="m1", timestamp="2026-01-01T00:00:00", source="user", llm_message=message)
    built.additional_properties = {"parent_id": "p0", "activated_skills": []}
    assert parsed == built
    assert parsed.to_dict() == MESSAGE


def test_absent_fields_are_unset_and_unknown_keys_only_in_additional_properties() -> None:
    src = {"kind": "ConversationStateUpdateEvent", "id": "s1", "parent_id": "p", "brand_new": {"x": 1}}
    before = json.dumps(src)
    event = ConversationStateUpdateEvent.from_dict(src)
    assert (event.timestamp, event.source, event.key, event.value) == (UNSET, UNSET, UNSET, UNSET)
    assert event.additional_properties == {"parent_id": "p", "brand_new": {"x": 1}}
    assert event["brand_new"] == {"x": 1} and "kind" not in event
    assert event.raw is src and json.dumps(src) == before  # a reference, untouched
    assert "UNSET" not in repr(event) and "brand_new" in repr(event)
    event["later"] = 1  # additional_properties is the instance's own dict
    assert ConversationStateUpdateEvent.from_dict(src).additional_properties == {"parent_id": "p", "brand_new": {"x": 1}}



def test_additional_properties_are_read_from_the_payload_when_first_asked_for() -> None:
    # A response model with untyped extras keeps no copy of its payload's leftovers (scripts/templates/README.md).
    src = {"kind": "ConversationStateUpdateEvent", "id": "s1", "key": "k", "parent_id": "p"}
    a, b = ConversationStateUpdateEvent.from_dict(src), ConversationStateUpdateEvent.from_dict(dict(src))
    assert a == b
    other = ConversationStateUpdateEvent.from_dict({**src, "parent_id": "q"})
    assert a != other  # the extras take part in ==, as the attrs field did
    assert a != ConversationStateUpdateEvent.from_dict({**src, "key": "other"})
    assert a.to_dict() == src and {"kind", "id", "key"} <= a.KNOWN_KEYS and "parent_id" not in a.KNOWN_KEYS
    a.additional_properties["parent_id"] = "changed"  # the dict handed out is the one kept
    assert a["parent_id"] == "changed" and a.to_dict()["parent_id"] == "changed" and src["parent_id"] == "p"
    a.additional_properties = {"new": 1}
    assert a.additional_properties == {"new": 1} and "parent_id" not in a and a.to_dict()["new"] == 1
    with pytest.raises(TypeError):
        hash(b)  # mutable, so unhashable, as attrs made it
    built = ConversationStateUpdateEvent(kind="ConversationStateUpdateEvent", id="s1", key="k")
    assert built.additional_properties == {} and built != b
    built["parent_id"] = "p"
    assert built == b
    assert built.__eq__("s1") is NotImplemented

def test_a_property_named_like_its_model_module() -> None:
    # `success = object.__new__(cls)` would be overwritten by the property's own local variable.
    parsed = Success.from_dict({"success": True, "extra": 1})
    assert parsed.success is True and parsed.additional_properties == {"extra": 1}


def test_plain_unions_keep_the_value_as_is() -> None:
    base = {"kind": "ActionEvent", "id": "a"}
    assert ActionEvent.from_dict({**base, "summary": None}).summary is None
    assert ActionEvent.from_dict({**base, "summary": "ls"}).summary == "ls"
    assert ActionEvent.from_dict(base).summary is UNSET


def test_enum_values_unknown_kept_unhashable_refused() -> None:
    assert ConversationStateUpdateEvent.from_dict({"kind": "ConversationStateUpdateEvent", "id": "s", "source": "martian"}).source == "martian"
    assert ConversationStateUpdateEvent.from_dict({"kind": "ConversationStateUpdateEvent", "id": "s", "source": 7}).source == 7
    with pytest.raises(TypeError):
        ConversationStateUpdateEvent.from_dict({"kind": "ConversationStateUpdateEvent", "id": "s", "source": ["agent"]})
    with pytest.raises(TypeError):
        LLMMessage.from_dict({"role": {"not": "hashable"}})


def test_list_items_dispatched_inline_keep_the_built_in_results() -> None:
    observation = {"kind": "ObservationEvent", "id": "o", "observation": {"kind": "FinishObservation", "content": [{"text": "done"}]}}
    page = EventPage.from_dict({"items": [
        MESSAGE,
        observation,
        {"kind": "UnknownEvent", "id": "u"},
        {"kind": ["not", "a", "name"], "id": "weird"},  # unhashable kind: the catch-all, as before
        {"id": "h", "kind": "HologramEvent", "beam": 1},
    ], "next_page_id": "n"})
    kinds = [type(item).__name__ for item in page.items]
    assert kinds == ["MessageEvent", "ObservationEvent", "UnknownEvent", "UnknownEvent", "UnknownEvent"]
    parsed_observation = page.items[1]
    assert isinstance(parsed_observation, ObservationEvent)
    content = parsed_observation.observation.content  # type: ignore[union-attr]
    assert isinstance(content, list) and isinstance(content[0], ContentItem) and content[0].text == "done"
    assert page.items[3].kind == ["not", "a", "name"]
    assert page.next_page_id == "n" and page.raw["items"][0] is MESSAGE


@pytest.mark.parametrize("broken", [
    {**MESSAGE, "llm_message": "not an object"},  # a nested model that is not an object
    {**MESSAGE, "llm_message": {"content": []}},  # a nested model without its required field
    {"kind": "ConversationStateUpdateEvent"},  # no id
    "an event that is a string",
])
def test_a_known_kind_with_a_malformed_body_still_raises_at_the_call(broken: Any) -> None:
    with pytest.raises((KeyError, TypeError, ValueError, AttributeError)):
        EventPage.from_dict({"items": [broken], "next_page_id": None})
    client = AgentServerClient("http://127.0.0.1:9", "k", http_transport=httpx.MockTransport(
        lambda r: httpx.Response(200, json={"items": [broken], "next_page_id": None})))
    with pytest.raises(UnexpectedContentError):
        client.search_events(CONV)


def test_a_const_discriminator_still_refuses_another_value() -> None:
    with pytest.raises(ValueError, match="must match const"):
        MessageEvent.from_dict({**MESSAGE, "kind": "ActionEvent"})
    assert isinstance(UnknownEvent.from_dict({"kind": "Anything"}), UnknownEvent)


def test_nested_models_are_imported_at_the_first_parse_not_with_the_module() -> None:
    probe = (
        "import sys\n"
        "from openhands_api_agent.models.message_event import MessageEvent\n"
        "before = 'openhands_api_agent.models.llm_message' in sys.modules\n"
        "event = MessageEvent.from_dict({'kind': 'MessageEvent', 'id': 'm', 'llm_message': {'role': 'user'}})\n"
        "after = 'openhands_api_agent.models.llm_message' in sys.modules\n"
        "print(before, after, type(event.llm_message).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True", "LLMMessage"]
