"""A newer server must not break reads: unknown event kinds, enum values and fields are kept."""

from __future__ import annotations

from openhands_api_agent.models import ActionEvent, ConversationInfo, EventPage, UnknownEvent


def test_unknown_event_kind_parses_into_the_catch_all_with_everything_kept() -> None:
    page = EventPage.from_dict({
        "items": [
            {"kind": "ActionEvent", "id": "a", "source": "agent", "action": {"kind": "TerminalAction", "command": "ls"}},
            {"kind": "HologramEvent", "id": "h", "source": "agent", "beam": {"x": 1}},
        ],
        "next_page_id": None,
    })
    action, unknown = page.items
    assert isinstance(action, ActionEvent) and action.action.command == "ls"
    assert isinstance(unknown, UnknownEvent)
    assert unknown.kind == "HologramEvent" and unknown.additional_properties["beam"] == {"x": 1}
    assert unknown.raw["beam"] == {"x": 1}
    assert unknown.to_dict()["beam"] == {"x": 1}  # round-trips


def test_unknown_enum_values_and_extra_fields_are_kept() -> None:
    conv = ConversationInfo.from_dict({"id": "c", "execution_status": "teleporting", "shiny_new_field": [1, 2]})
    assert conv.execution_status == "teleporting"
    assert conv.additional_properties["shiny_new_field"] == [1, 2]
    assert conv.raw["shiny_new_field"] == [1, 2]
    assert conv.to_dict()["execution_status"] == "teleporting"


def test_unknown_event_source_value_is_kept() -> None:
    event = EventPage.from_dict({"items": [{"kind": "PauseEvent", "id": "p", "source": "martian"}]}).items[0]
    assert type(event).__name__ == "PauseEvent" and event.source == "martian"


def test_raw_of_a_locally_built_model_is_its_dict() -> None:
    from openhands_api_agent.models import SendMessageRequest

    msg = SendMessageRequest.from_dict({"content": [{"type": "text", "text": "hi"}]})
    assert msg.raw == {"content": [{"type": "text", "text": "hi"}]}


def test_present_reads_absent_fields_of_every_generated_package() -> None:
    from openhands_api._models import present
    from openhands_api_agent.types import UNSET as AGENT_UNSET
    from openhands_api_v0.types import UNSET as V0_UNSET
    from openhands_api_v1.types import UNSET as V1_UNSET

    assert [present(u) for u in (AGENT_UNSET, V1_UNSET, V0_UNSET, None)] == [None, None, None, None]
    assert [present(v) for v in ("", 0, "x")] == ["", 0, "x"]  # falsy values are present
