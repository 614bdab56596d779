"""Contract tests against the real agent server (cassettes recorded from openhands-agent-server 1.58.2 and 1.34.0).

The fake LLM makes every conversation do the same two steps (run `echo hello`, then finish), so the
event *counts by kind* are stable (12 events: 6 state updates, 2 actions, 2 observations, 1 system
prompt, 1 user message); the order of the state updates is not, and is never asserted.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from openhands_api import (
    FINISHED_STATUSES,
    AgentServerClient,
    AuthenticationError,
    BadRequestError,
    InvalidArgumentError,
    NotFoundError,
    ServerError,
)
from openhands_api_agent.models import (
    ActionEvent,
    ConversationInfo,
    ObservationEvent,
    SystemPromptEvent,
    UnknownEvent,
)

pytestmark = pytest.mark.vcr

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
# 1.34 filters `kind` on the event's qualified class name, though the body's `kind` is the short name
# (specs/agent_server.yaml, `# wire: 1.34`): kind="ActionEvent" matches nothing there.
QUALIFIED_KIND = {
    "ActionEvent": "openhands.sdk.event.llm_convertible.action.ActionEvent",
    "MessageEvent": "openhands.sdk.event.llm_convertible.message.MessageEvent",
}


def kind_filter(kind: str, version: str) -> str:
    """The `kind` query value that matches events of this kind on this server version."""
    return QUALIFIED_KIND[kind] if version.startswith("1.34.") else kind


HELLO_RUN_KINDS = {
    "ConversationStateUpdateEvent": 6,
    "ActionEvent": 2,
    "ObservationEvent": 2,
    "SystemPromptEvent": 1,
    "MessageEvent": 1,
}


def test_server_info_and_health(agent: AgentServerClient, agent_version: str) -> None:
    info = agent.server_info()
    assert info.version == agent_version
    assert info.uptime >= 0
    assert "version" in info.raw
    assert agent.is_alive() is True
    assert agent.is_ready() is True


def test_conversation_runs_to_finished_and_its_events_read_back(agent: AgentServerClient, start_hello, agent_version: str) -> None:  # type: ignore[no-untyped-def]
    started = start_hello("lifecycle")
    assert isinstance(started, ConversationInfo)
    seen: list[str] = []
    done = agent.wait_until_finished(started.id, timeout_s=120, on_progress=lambda c: seen.append(str(c.execution_status)))
    assert done.execution_status == "finished"
    assert seen[-1] == "finished"
    assert done.raw["id"] == started.id

    # Counting: the server's count and a full read agree, and the kinds are the stable ones.
    assert agent.count_events(started.id) == 12
    assert agent.count_events(started.id, kind=kind_filter("ActionEvent", agent_version)) == 2
    # the short name: 2 on 1.58; 0 on 1.34 (it compares the qualified class name)
    assert agent.count_events(started.id, kind="ActionEvent") == (0 if agent_version.startswith("1.34.") else 2)
    assert dict(agent.count_events_by_kind(started.id)) == HELLO_RUN_KINDS

    # Paging: 12 events by 5 → pages of 5, 5, 2, every event once, none as the catch-all.
    pages = list(agent.iter_events(started.id, page_size=5).pages())
    assert [len(p) for p in pages] == [5, 5, 2]
    events = [e for page in pages for e in page]
    assert len({e.id for e in events}) == 12
    assert not any(isinstance(e, UnknownEvent) for e in events)
    actions = [e for e in events if isinstance(e, ActionEvent)]
    assert sorted(str(a.action.kind) for a in actions) == ["FinishAction", "TerminalAction"]
    terminal = next(e for e in events if isinstance(e, ObservationEvent) and e.observation.kind == "TerminalObservation")
    assert terminal.observation.exit_code == 0
    assert "hello" in terminal.observation.content[0].text  # subprocess terminal: deterministic text

    # One event by id; filtered search.
    first = agent.get_event(started.id, events[0].id)
    assert isinstance(first, SystemPromptEvent)
    only_actions = agent.search_events(started.id, kind=kind_filter("ActionEvent", agent_version))
    assert [e.kind for e in only_actions.items] == ["ActionEvent", "ActionEvent"]
    assert only_actions.next_page_id is None

    # The conversation shows up in get-by-ids, search, iteration and count.
    batch = agent.get_conversations([started.id, UNKNOWN_ID])
    assert batch[0] is not None and batch[0].id == started.id and batch[1] is None
    assert started.id in {c.id for c in agent.search_conversations(limit=100).items}
    assert started.id in {c.id for c in agent.iter_conversations()}
    assert agent.count_conversations() >= 1
    assert agent.count_conversations(status="finished") >= 1

    agent.delete_conversation(started.id)
    with pytest.raises(NotFoundError):
        agent.get_conversation(started.id)


def test_send_message_pause_and_run(agent: AgentServerClient, start_hello, agent_version: str) -> None:  # type: ignore[no-untyped-def]
    conv = start_hello("messages")
    agent.wait_until_finished(conv.id, timeout_s=120)
    before = agent.count_events(conv.id)
    agent.send_message(conv.id, "one more thing", run=False)
    # run=False appends the message (plus state updates: last_user_message_id, execution_status
    # back to idle) and starts nothing.
    assert agent.count_events(conv.id) > before
    assert agent.count_events(conv.id, kind=kind_filter("MessageEvent", agent_version)) == 2
    assert agent.get_conversation(conv.id).execution_status == "idle"
    agent.pause(conv.id)
    assert agent.wait_until_finished(conv.id, timeout_s=60, stop_on={"paused"}).execution_status == "paused"
    # run resumes the loop; the fake LLM answers the new message and finishes again.
    agent.run(conv.id)
    resumed = agent.wait_until_finished(conv.id, timeout_s=120, stop_on=FINISHED_STATUSES)
    assert resumed.execution_status == "finished"
    assert agent.count_events(conv.id, kind=kind_filter("ActionEvent", agent_version)) == 4  # two more steps: echo hello, finish
    agent.delete_conversation(conv.id)


def test_bash_reports_exit_codes_and_timeouts(agent: AgentServerClient) -> None:
    failed = agent.bash("echo out; echo err >&2; exit 3")
    assert (failed.exit_code, failed.stdout, failed.stderr, failed.timed_out, failed.ok) == (3, "out\n", "err\n", False, False)
    timed = agent.bash("echo before; sleep 5; echo after", timeout_s=1)
    assert timed.timed_out is True
    assert timed.exit_code == -1
    assert timed.stdout == "before\n"
    ok = agent.bash("pwd", cwd="/")
    assert ok.ok and ok.stdout == "/\n"


def test_file_round_trip_and_missing_file(agent: AgentServerClient, agent_server, agent_version: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    payload = bytes(range(256)) * 4
    remote = f"{agent_server.workspace}/files/blob.bin"
    uploaded = agent.upload_file(payload, remote)
    assert uploaded.success is True
    # 1.34 answers {"success": true} without file_size
    assert uploaded.raw.get("file_size") == (None if agent_version.startswith("1.34.") else len(payload))
    local = tmp_path / "copy.bin"
    assert agent.download_file(remote, local) == len(payload)
    assert local.read_bytes() == payload
    assert agent.read_file(remote) == payload

    target = tmp_path / "missing.bin"
    with pytest.raises(NotFoundError):
        agent.download_file(f"{agent_server.workspace}/files/nope.bin", target)
    assert list(tmp_path.iterdir()) == [local]  # no partial or temporary file left behind


def test_bad_input_is_reported_precisely(agent: AgentServerClient, agent_server) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFoundError):
        agent.get_conversation(UNKNOWN_ID)
    with pytest.raises(NotFoundError) as counted:
        agent.count_events(UNKNOWN_ID)
    assert "Conversation not found" in str(counted.value)
    with pytest.raises(BadRequestError):  # 422: not a UUID
        agent.get_conversation("not-a-uuid")
    with AgentServerClient(agent_server.url, "wrong-key-for-this-test", max_retries=0) as wrong:
        with pytest.raises(AuthenticationError) as denied:
            wrong.count_conversations()
    assert denied.value.status_code == 401
    assert "wrong-key-for-this-test" not in str(denied.value)
    # Relative remote paths are refused before any request (no cassette entry exists for them).
    with pytest.raises(InvalidArgumentError):
        agent.upload_file(b"x", "relative/path.txt")
    with pytest.raises(InvalidArgumentError):
        agent.bash("true", cwd="relative")


def test_event_counts_are_stable_across_runs(agent: AgentServerClient, start_hello) -> None:  # type: ignore[no-untyped-def]
    """Two identical runs: same counts by kind (the interleaving of state updates may differ)."""
    counts = []
    for name in ("stable-a", "stable-b"):
        conv = start_hello(name)
        agent.wait_until_finished(conv.id, timeout_s=120)
        counts.append(Counter(str(e.kind) for e in agent.iter_events(conv.id)))
        agent.delete_conversation(conv.id)
    assert counts[0] == counts[1] == Counter(HELLO_RUN_KINDS)


def test_unknown_ids_get_each_versions_answer_as_a_typed_error(agent: AgentServerClient, agent_server, start_hello, agent_version: str) -> None:  # type: ignore[no-untyped-def]
    """Unknown conversation and event ids: 1.58 answers 404; 1.34 (V1 sandboxes) answers 400 / 500.

    Either way the client raises a typed error carrying the real status (specs/agent_server.yaml
    documents both under `# wire: 1.34`).
    """
    old = agent_version.startswith("1.34.")
    # pause / delete of an unknown conversation: 1.58 → 404; 1.34 → 400 {"detail": "Bad Request"}
    for call in (agent.pause, agent.delete_conversation):
        with pytest.raises(BadRequestError if old else NotFoundError) as err:
            call(UNKNOWN_ID)
        assert err.value.status_code == (400 if old else 404)
    # run / get of an unknown conversation: 404 in both
    with pytest.raises(NotFoundError):
        agent.run(UNKNOWN_ID)
    # an unknown event id in a known conversation: 1.58 → 404; 1.34 → 500 "Unknown event_id"
    conv = start_hello("unknown-event")
    agent.wait_until_finished(conv.id, timeout_s=120)
    # One attempt (a retried 500 is not replayable: 1.34 also drops the connection after a 500).
    with AgentServerClient(agent_server.url, agent_server.session_key, max_retries=0) as once, \
            pytest.raises(ServerError if old else NotFoundError) as event_err:
        once.get_event(conv.id, UNKNOWN_ID)
    assert event_err.value.status_code == (500 if old else 404)
    agent.delete_conversation(conv.id)


def test_page_size_over_100_is_refused_by_each_version(agent: AgentServerClient, agent_version: str) -> None:
    """limit=101: 1.58 → 422, 1.34 → 500. The client refuses it before sending; the raw endpoint shows the wire."""
    from openhands_api_agent.api.conversations import search_conversations

    with pytest.raises(InvalidArgumentError):
        agent.search_conversations(limit=101)
    old = agent_version.startswith("1.34.")
    with pytest.raises(ServerError if old else BadRequestError) as err:
        agent._transport.call(search_conversations, limit=101, retry=False)
    assert err.value.status_code == (500 if old else 422)
