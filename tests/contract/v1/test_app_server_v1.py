"""Contract tests against the real V1 app server (cassettes recorded from openhands-ai 1.11.0).

Every conversation is the fake LLM's two steps (run `echo hello`, then finish) in a process
sandbox running agent server 1.34.0. Its agent server then holds 12 events; the app server stores
those plus two `full_state` state updates (14), and the trajectory zip holds the app server's 14:
the relation `app == zip == agent + 2` is pinned here on real recordings.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from openhands_api import (
    AuthenticationError,
    BadRequestError,
    InvalidArgumentError,
    NotFoundError,
    OpenHandsV1API,
    ServerError,
)
from openhands_api._ids import same_id
from openhands_api._models import present
from openhands_api._polling import poll_until
from openhands_api.v1 import (
    FULL_STATE_EVENTS,
    START_TASK_ACTIVE_STATUSES,
    EventCountError,
    OpenHandsV1,
    ResolverError,
    count_zip_events,
)
from openhands_api_v1.models import (
    ActionEvent,
    AppConversation,
    AppConversationStartTask,
    ConversationStateUpdateEvent,
    UnknownEvent,
)

from tests.conftest import REDACTED

from .conftest import FAKE_LLM_KEY, FAKE_MODEL, V1Facts

pytestmark = pytest.mark.vcr

UNKNOWN_ID = "00000000000040008000000000000000"
AGENT_EVENTS = 12  # the fake LLM's run on agent server 1.34.0 (see tests/contract/agent)
APP_KINDS = {  # what the app server stores for that run: the agent's 12 + 2 full_state updates
    "ConversationStateUpdateEvent": 8,
    "ActionEvent": 2,
    "ObservationEvent": 2,
    "SystemPromptEvent": 1,
    "MessageEvent": 1,
}


def _settled_app_count(v1: OpenHandsV1, conversation_id: str, expected: int) -> int:
    """Wait until the app server has stored every event (agent servers post them in batches)."""
    return poll_until(lambda: v1.count_events_app(conversation_id), lambda n: n >= expected, timeout_s=90,
                      initial_interval_s=1.0, max_interval_s=3.0, what="the app server's event count",
                      sleep=v1._sleep)


def test_health_user_and_settings(v1: OpenHandsV1, v1_server: V1Facts) -> None:
    assert v1.health() == "OK"
    me = v1.me()
    assert present(me.id) is None  # self-hosted: no accounts
    assert me.agent_settings.llm.model == FAKE_MODEL
    # Masked by the server ("**********"); cassettes hold the scrubber's placeholder instead.
    assert me.agent_settings.llm.api_key in ("**********", REDACTED)
    settings = v1.get_settings()
    assert settings.llm_api_key_set is True
    assert settings.agent_settings.llm.api_key is None  # write-only
    assert "conversation_settings" in settings.raw
    # Storing the same LLM again is accepted (the *_diff shape the server wants).
    v1.set_llm(FAKE_MODEL, base_url=v1_server.llm_base_url, api_key=FAKE_LLM_KEY)
    specs = v1.search_sandbox_specs(limit=5)
    assert specs.items and "agent-server" in specs.items[0].id


def test_conversation_lifecycle_resolver_and_counts(v1: OpenHandsV1, tmp_path: Path) -> None:
    # Start: the answer is a start task, not a conversation.
    task = v1.start_conversation("say hello")
    assert isinstance(task, AppConversationStartTask)
    assert task.status == "WORKING" and present(task.app_conversation_id) is None

    seen: list[str] = []
    ready = v1.wait_until_ready(task.id, on_progress=lambda t: seen.append(str(t.status)))
    assert ready.status == "READY" and seen[-1] == "READY"
    assert set(seen) <= {*START_TASK_ACTIVE_STATUSES, "READY"}
    conversation_id = str(ready.app_conversation_id)
    sandbox_id = str(ready.sandbox_id)
    assert present(ready.agent_server_url)

    # settle_s=0: the recording predates the settle window (the rule is tested in tests/unit/test_settle_waits.py)
    done = v1.wait_until_finished(conversation_id, settle_s=0)
    assert isinstance(done, AppConversation)
    assert done.execution_status == "finished" and done.sandbox_status == "RUNNING"
    assert same_id(done.id, conversation_id) and done.sandbox_id == sandbox_id

    # Reads: batch get, search, counts, start tasks.
    assert [same_id(c.id, conversation_id) if c else None for c in v1.get_conversations([conversation_id, UNKNOWN_ID])] == [True, None]
    assert any(same_id(c.id, conversation_id) for c in v1.iter_conversations(page_size=5))
    assert v1.count_conversations() >= 1
    assert v1.get_start_task(task.id).status == "READY"
    assert any(t.id == task.id for t in v1.search_start_tasks(limit=10).items)
    assert v1.count_start_tasks() >= 1

    # A start-task id where a conversation id belongs: not found, with a hint naming the conversation.
    with pytest.raises(NotFoundError) as wrong_id:
        v1.get_conversation(task.id)
    assert "start-task id" in wrong_id.value.hint and conversation_id in wrong_id.value.hint

    # Resolver: from the conversation (conversation_url + its key), run a command on the agent server.
    agent_server = v1.resolve_agent_server(conversation_id)
    assert agent_server.url_source == "conversation conversation_url"
    assert agent_server.key_source == "conversation session_api_key"
    assert agent_server.sandbox_id == sandbox_id and not agent_server.resumed
    assert "session_key='**********'" in repr(agent_server)
    with agent_server.client() as agent:
        result = agent.bash("echo from-contract-test")
        assert result.exit_code == 0 and "from-contract-test" in result.stdout
        agent_count = agent.count_events(conversation_id)
    assert agent_count == AGENT_EVENTS
    # ... from the start task (its agent_server_url) and from the sandbox (exposed_urls).
    by_task = v1.resolve_agent_server(task.id)
    assert by_task.url_source == "start task agent_server_url" and by_task.url == agent_server.url
    by_sandbox = v1.resolve_agent_server(sandbox_id)
    assert by_sandbox.url_source == "sandbox exposed_urls[AGENT_SERVER]" and by_sandbox.url == agent_server.url

    # Counting by every source, in the documented relation: app == zip == agent + 2.
    assert _settled_app_count(v1, conversation_id, agent_count + FULL_STATE_EVENTS) == agent_count + FULL_STATE_EVENTS
    default = v1.count_events(conversation_id)
    by_agent = v1.count_events(conversation_id, source="agent")
    by_zip = v1.count_events(conversation_id, source="zip")
    assert (default.source, by_agent.source, by_zip.source) == ("app", "agent", "zip")
    assert default.failures == {} and default.attempts[0].source == "app"
    assert default.count == by_zip.count == by_agent.count + FULL_STATE_EVENTS == 14

    # The stored events themselves: 14 in pages of 5, known kinds only, two full_state updates.
    pages = list(v1.iter_events(conversation_id, page_size=5).pages())
    assert [len(p) for p in pages] == [5, 5, 4]
    events = [e for page in pages for e in page]
    assert not any(isinstance(e, UnknownEvent) for e in events)
    assert dict(Counter(e.kind for e in events)) == APP_KINDS
    full_state = [e for e in events if isinstance(e, ConversationStateUpdateEvent) and e.key == "full_state"]
    assert len(full_state) == FULL_STATE_EVENTS
    assert sorted(str(e.action.kind) for e in events if isinstance(e, ActionEvent)) == ["FinishAction", "TerminalAction"]
    assert [e.kind for e in v1.search_events(conversation_id, kind="ActionEvent").items] == ["ActionEvent"] * 2

    # The trajectory zip: streamed to disk, meta.json + one event_*.json per stored event.
    target = tmp_path / "trajectory.zip"
    size = v1.download_trajectory(conversation_id, target)
    assert size == target.stat().st_size > 0
    assert count_zip_events(target) == 14
    assert "meta.json" in zipfile.ZipFile(target).namelist()

    # Sandboxes.
    sandbox = v1.get_sandbox(sandbox_id)
    assert sandbox.status == "RUNNING"
    assert [u.name for u in present(sandbox.exposed_urls) or []] == ["AGENT_SERVER"]
    assert any(s.id == sandbox_id for s in v1.iter_sandboxes())

    # Paused: no URL/key any more; the resolver refuses without resume, the agent source is skipped
    # (its agent server would hang), and resolving with resume brings it back.
    v1.pause_sandbox(sandbox_id)
    assert v1.get_sandbox(sandbox_id).status == "PAUSED"
    paused = v1.get_conversation(conversation_id)
    assert paused.sandbox_status == "PAUSED" and present(paused.conversation_url) is None and present(paused.execution_status) is None
    with pytest.raises(ResolverError) as refused:
        v1.resolve_agent_server(conversation_id, resume=False)
    assert refused.value.step == "sandbox" and "PAUSED" in str(refused.value)
    with pytest.raises(EventCountError) as no_agent:
        v1.count_events(conversation_id, source="agent")
    assert "PAUSED" in (no_agent.value.attempts[0].error or "")
    assert v1.count_events(conversation_id).count == 14  # the app server still answers while paused
    resumed = v1.resolve_agent_server(conversation_id)
    assert resumed.resumed is True and resumed.url == agent_server.url
    with resumed.client() as agent:
        assert agent.count_events(conversation_id) == AGENT_EVENTS

    # Delete: the conversation is gone (its stored events stay on the server, but are not counted).
    v1.delete_conversation(conversation_id)
    with pytest.raises(NotFoundError):
        v1.count_events(conversation_id)


def test_stream_start_then_deleted_sandbox_falls_back(v1: OpenHandsV1) -> None:
    snapshots = list(v1.stream_start_conversation("say hello"))
    statuses = [str(t.status) for t in snapshots]
    assert statuses[0] == "WORKING" and statuses[-1] == "READY"
    order = [*START_TASK_ACTIVE_STATUSES, "READY"]
    assert statuses == sorted(statuses, key=order.index)  # in start order, none unknown
    assert len(set(statuses)) >= 3  # it shows the intermediate steps that polling misses
    conversation_id = str(snapshots[-1].app_conversation_id)
    sandbox_id = str(snapshots[-1].sandbox_id)
    v1.wait_until_finished(conversation_id, settle_s=0)
    app_count = _settled_app_count(v1, conversation_id, AGENT_EVENTS + FULL_STATE_EVENTS)

    # Deleting the sandbox: the agent source is gone, the app server and the zip still answer.
    v1.delete_sandbox(sandbox_id)
    gone = v1.get_conversation(conversation_id)
    assert gone.sandbox_status == "MISSING"
    with pytest.raises(ResolverError) as missing:
        v1.resolve_agent_server(conversation_id)
    assert missing.value.step == "sandbox"
    with pytest.raises(EventCountError):
        v1.count_events(conversation_id, source="agent")
    assert v1.count_events(conversation_id, source="zip").count == app_count == 14
    v1.delete_conversation(conversation_id)


def test_bad_input_is_reported_precisely(v1: OpenHandsV1, v1_server: V1Facts, tmp_path: Path) -> None:
    # What the server itself answers for an unknown conversation: 0 events and an empty page ...
    assert v1.count_events_app(UNKNOWN_ID) == 0
    assert v1.search_events(UNKNOWN_ID).items == []
    # ... which the client turns into "not found", never 0.
    with pytest.raises(NotFoundError):
        v1.count_events(UNKNOWN_ID)
    with pytest.raises(NotFoundError):
        v1.iter_events(UNKNOWN_ID)
    with pytest.raises(NotFoundError) as unknown:
        v1.get_conversation(UNKNOWN_ID)
    assert "check the id" in unknown.value.hint
    with pytest.raises(NotFoundError):
        v1.get_start_task(UNKNOWN_ID)
    with pytest.raises(ResolverError) as unresolved:
        v1.resolve_agent_server(UNKNOWN_ID)
    assert unresolved.value.step == "identify"

    # A malformed id never reaches the server (it would answer a bare 500) ...
    for call in (v1.count_events, v1.get_conversation, v1.search_events, v1.count_events_app):
        with pytest.raises(InvalidArgumentError):
            call("not-a-uuid")  # type: ignore[operator]
    # ... which is what the raw routes do with one: 400 on the batch get, 500 text on events.
    with pytest.raises(BadRequestError):
        v1._transport.request("GET", "/api/v1/app-conversations", params={"ids": "not-a-uuid"})
    with pytest.raises(ServerError):
        v1._transport.request("GET", "/api/v1/conversation/not-a-uuid/events/count", retry=False)

    # Unknown sandbox / download.
    with pytest.raises(NotFoundError):
        v1.get_sandbox("nosuchsandbox")
    with pytest.raises(NotFoundError):
        v1.pause_sandbox("nosuchsandbox")
    with pytest.raises(NotFoundError):
        v1.delete_sandbox("nosuchsandbox")
    target = tmp_path / "missing.zip"
    with pytest.raises(NotFoundError):
        v1.download_trajectory(UNKNOWN_ID, target)
    assert list(tmp_path.iterdir()) == []  # no partial file left

    # Wrong key: 401 -> AuthenticationError; /health needs none.
    with OpenHandsV1(v1_server.url, api_key="wrong-key-for-test", auth_scheme="session-key") as wrong:
        assert wrong.health() == "OK"
        with pytest.raises(AuthenticationError):
            wrong.me()


# The V1 seed's "Quick start (Python)" (shared/seeds/000_f96b8839f4061bfc.txt), verbatim except the import.
SEED_QUICK_START = """
from openhands_api import OpenHandsV1API

api = OpenHandsV1API()  # uses OPENHANDS_API_KEY

me = api.users_me()
print(me)

recent = api.app_conversations_search(limit=5)
print(recent)

api.close()
"""


def test_seed_quick_start_and_facade(v1_server: V1Facts, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("OPENHANDS_API_KEY", v1_server.key)
    monkeypatch.setenv("OPENHANDS_BASE_URL", v1_server.url)
    monkeypatch.setenv("OPENHANDS_AUTH_SCHEME", "session-key")
    namespace: dict[str, Any] = {}
    exec(compile(SEED_QUICK_START, "seed-quick-start", "exec"), namespace)
    printed = capsys.readouterr().out
    assert FAKE_MODEL in printed and v1_server.key not in printed

    # The seed's dict reads work, json.dumps works, and the typed model is there too.
    me, recent = namespace["me"], namespace["recent"]
    assert me["agent_settings"]["llm"]["model"] == FAKE_MODEL == me.model.agent_settings.llm.model
    assert isinstance(recent["items"], list) and recent.get("next_page_id") is None and "items" in list(recent)
    assert json.loads(json.dumps(recent)) == dict(recent)
    assert me.agent_settings.llm.model == FAKE_MODEL  # attribute reads of the earlier facade still work

    with OpenHandsV1API(api_key=v1_server.key, base_url=v1_server.url, auth_scheme="session-key") as api:
        assert isinstance(api.app_conversations_count(), int)
        assert isinstance(api.sandboxes_search(limit=5)["items"], list)
        assert api.sandbox_specs_search(limit=5)["items"]
        assert api.app_conversation_get(UNKNOWN_ID) is None  # the seed's contract: None, not an error
        assert api.app_conversation_start_task_get(UNKNOWN_ID) is None
        with pytest.raises(NotFoundError):
            api.conversation_events_count(UNKNOWN_ID)  # the seed would have said 0
        assert api.api_v1_url.endswith("/api/v1")
