"""Contract tests against the real V0 app server (cassettes recorded from openhands-ai 1.6.0).

Every operation of ``specs/v0.yaml`` is exercised here. The fake LLM makes each run do the same two
steps (run ``echo hello``, then finish): 11 events, ids 0..10, the last one
``agent_state_changed(finished)``. Ids 4-6 (recall / agent_state_changed(running)) may come in either
order between runs, so no assertion depends on their order.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from openhands_api import (
    AuthenticationError,
    BadRequestError,
    InvalidArgumentError,
    NotFoundError,
    ServerError,
)
from openhands_api.v0 import (
    Conversation,
    ConversationNotRunningError,
    CreatedConversation,
    InvalidCursorError,
    PollProgress,
    PollResult,
    V0Client,
    agent_state_of,
)
from openhands_api_v0.models import ActionEvent, ObservationEvent, OtherEvent

from .conftest import V0Facts

pytestmark = pytest.mark.vcr

UNKNOWN_ID = "0" * 32
HELLO = "Please run echo hello"


def _run_hello(api: V0Client, **fields: object) -> tuple[CreatedConversation, PollResult]:
    created = api.create_conversation(initial_user_msg=HELLO, **fields)  # type: ignore[arg-type]
    final = api.poll_until_terminal(created.conversation_id, timeout_s=180, poll_interval_s=2)
    return created, final


def test_health_endpoints_answer_without_the_key(make_client: Callable[..., V0Client]) -> None:
    anonymous = make_client(api_key="not-the-session-key")
    assert anonymous.is_alive() is True
    assert anonymous.health() == "OK"
    assert anonymous.is_ready() is True


def test_options(api: V0Client) -> None:
    models = api.list_models()
    assert len(models) > 1000 and all(isinstance(m, str) for m in models)
    assert "CodeActAgent" in api.list_agents()
    assert set(api.list_security_analyzers()) >= {"invariant", "llm"}
    config = api.server_config()
    assert config["APP_MODE"] == "oss"
    assert config["FEATURE_FLAGS"]["ENABLE_BILLING"] is False


def test_settings_store_and_load(api: V0Client, v0_server: V0Facts) -> None:
    api.store_settings(v0_server.settings)  # the same values the launcher stored: no change
    stored = api.load_settings()
    assert stored["llm_model"] == "openai/fake-model"
    assert stored["llm_api_key_set"] is True
    assert stored["llm_api_key"] is None  # secrets never come back


def test_create_poll_read_rename_message_stop_start_delete(api: V0Client) -> None:
    created, final = _run_hello(
        api, conversation_instructions="be brief", selected_branch="main", git_provider="github",
        image_urls=["data:image/png;base64,iVBORw0KGgo="],
    )
    cid = created.conversation_id
    assert created["status"] == "ok" and created.conversation_status == "STARTING"
    assert len(cid) == 32

    # The seed's way of reading it still works; status stays RUNNING, the agent state says done.
    assert isinstance(final, PollResult) and isinstance(final, Conversation)
    assert final["conversation_id"] == cid
    assert final["status"] == "RUNNING" and final.status == "RUNNING"
    assert final.ended_by == "agent_state" and final.agent_state == "finished"
    assert final.get("url") == f"/api/conversations/{cid}"
    assert final.last_event_id == 10

    conv = api.get_conversation(cid)
    assert conv.selected_branch == "main" and conv["git_provider"] == "github"
    assert conv.runtime_status == "STATUS$RUNTIME_STARTED"
    assert conv.raw["conversation_version"] == "V0"

    # Events: a run is 11 events, ids 0..10; each is an action or an observation, never the catch-all.
    events = list(api.iter_events(cid, page_size=4))
    assert [e.raw["id"] for e in events] == list(range(11))
    assert not any(isinstance(e, OtherEvent) for e in events)
    actions = [e.action for e in events if isinstance(e, ActionEvent)]
    assert sorted(actions) == sorted(["system", "message", "change_agent_state", "recall", "run", "finish"])
    run_obs = next(e for e in events if isinstance(e, ObservationEvent) and e.observation == "run")
    assert run_obs.raw["extras"]["metadata"]["exit_code"] == 0 and run_obs.success is True
    assert [agent_state_of(e) for e in events if agent_state_of(e)][-1] == "finished"

    # Windows: end_id is inclusive, start_id is the low bound also in reverse.
    assert [e.raw["id"] for e in api.get_events(cid, start_id=2, end_id=5).events] == [2, 3, 4, 5]
    newest = api.get_events(cid, reverse=True, limit=3)
    assert [e.raw["id"] for e in newest.events] == [10, 9, 8] and newest.has_more is True
    assert api.get_events(cid, start_id=11).events == []
    assert api.last_event_id(cid) == 10

    trajectory = api.get_trajectory(cid)
    assert [e.raw["id"] for e in trajectory.trajectory] == list(range(11))
    assert trajectory["trajectory"][2]["args"]["content"] == HELLO

    assert api.update_conversation_title(cid, "renamed") is True
    assert api.get_conversation(cid).title == "renamed"

    # A second message to the running conversation: wait only for state changes after it.
    before = api.last_event_id(cid)
    assert api.add_message(cid, "and again") is True
    again = api.poll_until_terminal(cid, timeout_s=180, poll_interval_s=2, after_event_id=before)
    assert again.agent_state == "finished" and (again.last_event_id or 0) > 10

    stopped = api.stop_conversation(cid)
    assert stopped.message == "Conversation stopped successfully"
    assert stopped.conversation_status == "RUNNING"  # the status *before* stopping
    assert api.stop_conversation(cid).message == "Conversation was not running"
    assert api.get_conversation(cid).status == "STOPPED"

    with pytest.raises(ConversationNotRunningError) as not_running:
        api.add_message(cid, "are you there?")
    assert "not running" in str(not_running.value) and "start" in not_running.value.hint

    # A stopped conversation counts as ended by status.
    ended = api.poll_until_terminal(cid, timeout_s=60, poll_interval_s=1)
    assert ended.ended_by == "status" and ended.status == "STOPPED"

    restarted = api.start_conversation(cid)
    assert restarted.conversation_status == "STARTING"

    assert api.delete_conversation(cid) is True
    assert api.delete_conversation(cid) is False
    with pytest.raises(NotFoundError):
        api.get_conversation(cid)


def test_conversation_config(api: V0Client) -> None:
    cid = api.create_conversation().conversation_id
    config = api.get_conversation_config(cid)
    assert config["session_id"] == cid and config["runtime_id"] is None  # the cli runtime has no runtime id
    assert api.delete_conversation(cid) is True


def test_unknown_conversation(api: V0Client) -> None:
    with pytest.raises(NotFoundError) as not_found:
        api.get_conversation(UNKNOWN_ID)
    assert not_found.value.status_code == 200 and not_found.value.body is None  # the server's 200 null
    with pytest.raises(NotFoundError):
        api.get_events(UNKNOWN_ID)
    with pytest.raises(NotFoundError):
        api.get_trajectory(UNKNOWN_ID)
    with pytest.raises(NotFoundError):
        api.update_conversation_title(UNKNOWN_ID, "x")
    with pytest.raises(NotFoundError):
        api.start_conversation(UNKNOWN_ID)
    with pytest.raises(NotFoundError):
        api.add_message(UNKNOWN_ID, "hello?")
    with pytest.raises(NotFoundError):
        api.poll_until_terminal(UNKNOWN_ID, timeout_s=30)
    assert api.stop_conversation(UNKNOWN_ID).message == "Conversation was not running"
    assert api.delete_conversation(UNKNOWN_ID) is False
    with pytest.raises(BadRequestError):
        api.get_conversation("bad..id")


def test_list_pages_and_invalid_cursor(api: V0Client) -> None:
    ids = [api.create_conversation().conversation_id for _ in range(3)]  # no message: agent waits
    first = api.list_conversations(limit=2)
    assert len(first.results) == 2 and first.next_page_id
    assert first["next_page_id"] == first.next_page_id
    second = api.list_conversations(limit=2, page_id=first.next_page_id)
    assert {c.conversation_id for c in first.results}.isdisjoint(c.conversation_id for c in second.results)

    newest_first = [c.conversation_id for c in api.iter_conversations(page_size=2, max_items=3)]
    assert newest_first == list(reversed(ids))

    with pytest.raises(InvalidCursorError) as bad:
        api.list_conversations(page_id="garbage")
    assert "cursor" in str(bad.value) and bad.value.status_code == 500
    # The server closed the connection after its 500; the next call must still work.
    assert api.list_conversations(limit=1).results

    assert api.list_conversations(limit=5, selected_repository="nobody/nothing").results == []
    gui = api.list_conversations(limit=1, conversation_trigger="gui")
    assert gui.results[0]["trigger"] == "gui"
    for cid in ids:
        api.delete_conversation(cid)


def test_repository_without_git_token(api: V0Client) -> None:
    with pytest.raises(ServerError) as failed:
        api.create_conversation(initial_user_msg="hi", repository="octocat/Hello-World", selected_branch="main")
    assert "provider token" in failed.value.hint and "octocat/Hello-World" in str(failed.value)
    # The crash closed the connection; a following POST must not fail with "connection reset".
    created = api.create_conversation()
    assert api.delete_conversation(created.conversation_id) is True


def test_invalid_input_is_rejected(api: V0Client) -> None:
    # The server answers 422 (recorded); the generated request model now refuses it before sending,
    # naming the field (a ValueError: InvalidFieldError today, InvalidArgumentError once mapped).
    with pytest.raises(ValueError, match="git_provider"):
        api.create_conversation(initial_user_msg="hi", git_provider="not-a-provider")
    with pytest.raises(InvalidArgumentError):
        api.get_events(UNKNOWN_ID, limit=101)  # checked before any request
    with pytest.raises(InvalidArgumentError):
        api.list_conversations(limit=0)


def test_wrong_key_and_wrong_scheme_are_rejected(make_client: Callable[..., V0Client], v0_server: V0Facts) -> None:
    with pytest.raises(AuthenticationError):
        make_client(api_key="not-the-session-key").list_conversations(limit=1)
    # A self-hosted server accepts the key only as X-Session-API-Key, not as a Bearer token.
    with pytest.raises(AuthenticationError):
        make_client(auth_scheme="bearer").get_conversation(UNKNOWN_ID)


def test_agent_error_run_ends_with_agent_state_error(api: V0Client, v0_server: V0Facts) -> None:
    seen: list[PollProgress] = []
    with v0_server.llm_failing():
        created = api.create_conversation(initial_user_msg=HELLO)
        final = api.poll_until_terminal(created.conversation_id, timeout_s=180, poll_interval_s=2, on_progress=seen.append)
    assert final.ended_by == "agent_state" and final.agent_state == "error"
    assert final.status == "RUNNING"
    assert seen and seen[-1].agent_state == "error" and seen[-1].polls == final.polls
    last = api.get_events(created.conversation_id, reverse=True, limit=1).events[0]
    assert isinstance(last, ObservationEvent)
    assert last.raw["extras"]["reason"].startswith("STATUS$ERROR_LLM")
    api.delete_conversation(created.conversation_id)
