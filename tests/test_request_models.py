"""Request models refuse at construction what the real servers refuse (issue 10 item 2).

Every constraint here was measured against a real server (docs/agent-server.md,
docs/v1-app-server.md): the server answers 422 or 500, or silently ignores a misspelled key.
Response models stay lenient: a value a newer server sends never fails a read.
"""

from __future__ import annotations

from typing import Any

import pytest
from openhands_api_agent.errors import InvalidFieldError as AgentFieldError
from openhands_api_agent.models import (
    ConversationInfo,
    ExecuteBashRequest,
    SendMessageRequest,
    StartConversationRequest,
    TextContent,
    WorkspaceSpec,
)

WORKSPACE = {"working_dir": "/workspace/a"}
MESSAGE = {"role": "user", "content": [{"type": "text", "text": "hi"}], "run": False}


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        # 500 "Only user messages are allowed to be sent to the agent" / a dropped connection
        (SendMessageRequest, {**MESSAGE, "role": "assistant"}, "role"),
        # 422 literal_error / extra_forbidden
        (TextContent, {"type": "image", "text": "x"}, "type"),
        (TextContent, {"type": "text", "text": "x", "txt": "y"}, "txt"),
        # 422 uuid_parsing, greater_than_equal
        (StartConversationRequest, {"workspace": WORKSPACE, "conversation_id": "abc"}, "conversation_id"),
        (StartConversationRequest, {"workspace": WORKSPACE, "max_iterations": 0}, "max_iterations"),
        # 422 "keys must be lowercase alphanumeric only"; a non-string value is a 500
        (StartConversationRequest, {"workspace": WORKSPACE, "tags": {"Bad Key": "x"}}, "tags"),
        (StartConversationRequest, {"workspace": WORKSPACE, "tags": {"team": 1}}, "tags['team']"),
        # 422 (assertion error on kind); unknown keys the server would silently ignore
        (WorkspaceSpec, {"working_dir": "/w", "kind": "DockerWorkspace"}, "kind"),
        (WorkspaceSpec, {"working_dir": "/w", "workdir": "/x"}, "workdir"),
        (SendMessageRequest, {**MESSAGE, "runn": True}, "runn"),
        (ExecuteBashRequest, {"command": "ls", "time_out": 5}, "time_out"),
    ],
)
def test_agent_request_models_refuse_what_the_server_refuses(model: Any, body: dict[str, Any], field: str) -> None:
    with pytest.raises(AgentFieldError) as refused:
        model.from_dict(body)
    assert refused.value.field == field
    assert field in str(refused.value) and isinstance(refused.value, ValueError)


def test_the_constructor_refuses_too_and_a_nested_refusal_surfaces() -> None:
    with pytest.raises(AgentFieldError, match=r"SendMessageRequest\.role"):
        SendMessageRequest(content=[], role="system")
    with pytest.raises(AgentFieldError, match=r"TextContent\.type"):
        StartConversationRequest.from_dict({"workspace": WORKSPACE, "initial_message": {"content": [{"type": "x", "text": "t"}]}})


def test_what_the_servers_accept_still_builds() -> None:
    dashed = "6f1c2a1e-0b4e-4c55-9d3e-2f6f6d0b8a11"
    for conversation_id in (dashed, dashed.replace("-", ""), None):
        StartConversationRequest.from_dict({"workspace": {**WORKSPACE, "kind": "LocalWorkspace"}, "conversation_id": conversation_id,
                                            "tags": {"team": "infra", "run2": ""}, "max_iterations": 1,
                                            "initial_message": MESSAGE, "extra_server_field": {"kept": True}})
    assert ExecuteBashRequest.from_dict({"command": "ls", "cwd": None, "timeout": 0}).to_dict()["timeout"] == 0


def test_the_error_never_carries_the_value() -> None:
    secret = "sk-this-must-not-appear-1234"
    with pytest.raises(AgentFieldError) as refused:
        StartConversationRequest.from_dict({"workspace": WORKSPACE, "conversation_id": secret})
    assert secret not in str(refused.value) and secret not in repr(refused.value.args)


def test_response_models_stay_lenient() -> None:
    conv = ConversationInfo.from_dict({"id": "c", "execution_status": "idle",
                                       "workspace": {"working_dir": "w", "kind": "RemoteWorkspace", "new": 1}})
    assert conv.workspace.kind == "RemoteWorkspace" and conv.workspace.additional_properties == {"new": 1}


def test_v1_and_v0_request_models_refuse_values_the_server_refuses() -> None:
    from openhands_api_v0.errors import InvalidFieldError as V0FieldError
    from openhands_api_v0.models import InitSessionRequest
    from openhands_api_v1.errors import InvalidFieldError as V1FieldError
    from openhands_api_v1.models import AppConversation, AppConversationStartRequest, SettingsUpdate

    for body, field in [({"git_provider": "nope"}, "git_provider"), ({"agent_type": "nope"}, "agent_type"),
                        ({"conversation_id": "not-a-uuid"}, "conversation_id"),
                        ({"parent_conversation_id": "x"}, "parent_conversation_id"),
                        ({"initial_message": {**MESSAGE, "role": "tool"}}, "role")]:
        with pytest.raises(V1FieldError) as refused:
            AppConversationStartRequest.from_dict(body)
        assert refused.value.field == field
    # stored with 200, after which GET /settings and /users/me answer 500 until overwritten
    with pytest.raises(V1FieldError, match="sandbox_grouping_strategy"):
        SettingsUpdate.from_dict({"sandbox_grouping_strategy": "nope"})
    SettingsUpdate.from_dict({"sandbox_grouping_strategy": "NO_GROUPING", "agent_settings_diff": {"llm": {"model": "m"}}})
    # the same enum in a response stays lenient
    assert AppConversation.from_dict({"id": "c", "git_provider": "newforge"}).git_provider == "newforge"
    with pytest.raises(V0FieldError) as refused:  # 422 on a real 1.6.0 server (cassette)
        InitSessionRequest.from_dict({"git_provider": "not-a-provider"})
    assert refused.value.field == "git_provider"
    with pytest.raises(V0FieldError, match="initial_user_message"):  # 422 extra_forbidden
        InitSessionRequest.from_dict({"initial_user_message": "hi"})
