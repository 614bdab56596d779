"""Messages, pending messages, rename, git and secrets on the real V1 app server (openhands-ai 1.11.0, recorded).

Both twins replay one cassette (the `v1` fixture). The conversation is the fake LLM's (echo hello,
then finish) in a process sandbox running agent server 1.34.0.
"""

from __future__ import annotations

import pytest
from openhands_api import InvalidArgumentError, NotFoundError, Secret, ServerError
from openhands_api._models import present
from openhands_api.v1 import OpenHandsV1
from openhands_api_agent.models import MessageEvent as AgentMessageEvent
from openhands_api_v1.models import GitChange, MessageEvent

pytestmark = pytest.mark.vcr

UNKNOWN_ID = "00000000000040008000000000000000"


def user_texts(v1: OpenHandsV1, conversation_id: str) -> list[str]:
    texts = []
    for event in v1.iter_events(conversation_id):
        if isinstance(event, MessageEvent) and event.source == "user":
            texts += [str(present(part.text)) for part in event.llm_message.content]
    return texts


def test_pending_and_sent_messages_rename_and_git(v1: OpenHandsV1) -> None:
    task = v1.start_conversation("say hello")
    queued = v1.queue_message(task.id, "a pending message")
    assert (queued.queued, queued.position) == (True, 1)
    conversation_id = str(v1.wait_until_ready(task.id).app_conversation_id)
    assert v1.wait_until_finished(conversation_id).execution_status == "finished"
    # delivered at READY (the server renames the task's queue to the conversation and posts it with run)
    assert user_texts(v1, conversation_id)[:2] == ["say hello", "a pending message"]

    sent = v1.send_message(conversation_id, "one more thing", run=False)
    assert sent.success is True and sent.sandbox_status == "RUNNING"
    renamed = v1.rename(conversation_id, "renamed by the client")
    assert renamed.title == "renamed by the client" == v1.get_conversation(conversation_id).title

    with v1.resolve_agent_server(conversation_id).client() as agent:
        # the app server stores events when the agent server posts them (in batches): ask the agent server
        said = [part.text for e in agent.iter_events(conversation_id) if isinstance(e, AgentMessageEvent)
                and e.source == "user" for part in e.llm_message.content]
        assert said[-1] == "one more thing"
        home = agent.bash("pwd").stdout.strip()
        repo = f"{home}/repo"
        git = "git -c user.email=t@example.invalid -c user.name=test"
        assert agent.bash(f"mkdir -p {repo} && cd {repo} && git init -q && echo one > a.txt && git add a.txt && "
                          f"{git} commit -q -m a && echo two > a.txt && echo new > b.txt").ok
    changes = v1.git_changes(conversation_id, repo)
    assert all(isinstance(c, GitChange) for c in changes)
    # agent server 1.34 (no upstream branch) diffs against the empty tree: every file is ADDED
    assert sorted((c.path, c.status) for c in changes) == [("a.txt", "ADDED"), ("b.txt", "ADDED")]
    diff = v1.git_diff(conversation_id, f"{repo}/a.txt")
    assert (diff.original, diff.modified) == ("", "two")
    assert v1.git_changes(conversation_id, f"{home}/not-a-repo") == []
    with pytest.raises(ServerError) as missing:  # the agent server's 400, passed on as 502
        v1.git_diff(conversation_id, f"{repo}/missing.txt")
    assert missing.value.status_code == 502

    for call in (lambda: v1.send_message(UNKNOWN_ID, "hello?"), lambda: v1.rename(UNKNOWN_ID, "x"),
                 lambda: v1.git_changes(UNKNOWN_ID, repo)):
        with pytest.raises(NotFoundError):
            call()
    with pytest.raises(InvalidArgumentError):  # refused before sending: the server answers 422 too_short
        v1.queue_message("not-a-task-id", "x")
    v1.delete_conversation(conversation_id)


def test_secrets_are_listed_without_values(v1: OpenHandsV1) -> None:
    value = Secret("contract-test-secret-value")  # a Secret: masked in every recording
    v1.create_secret("OHAPI_CONTRACT_SECRET", value, description="made by the contract test")
    v1.create_secret("OHAPI_CONTRACT_OTHER", Secret("another-contract-value"))
    page = v1.search_secrets(name_contains="OHAPI_CONTRACT_SECRET")
    assert [(s.name, s.description) for s in page.items] == [("OHAPI_CONTRACT_SECRET", "made by the contract test")]
    assert "value" not in page.items[0].raw
    names = [s.name for s in v1.iter_secrets(name_contains="OHAPI_CONTRACT", page_size=1)]
    assert names == ["OHAPI_CONTRACT_OTHER", "OHAPI_CONTRACT_SECRET"]  # by name, one per page
    v1.delete_secret("OHAPI_CONTRACT_SECRET")
    v1.delete_secret("OHAPI_CONTRACT_OTHER")
    with pytest.raises(NotFoundError):
        v1.delete_secret("OHAPI_CONTRACT_SECRET")
    assert v1.search_secrets(name_contains="OHAPI_CONTRACT").items == []
    with pytest.raises(InvalidArgumentError) as bad:  # the server's rule, checked before sending
        v1.create_secret("not a name", "v")
    assert "name" in str(bad.value)
