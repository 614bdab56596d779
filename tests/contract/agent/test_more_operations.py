"""Agent-server operations the spec covers but the typed client does not wrap yet (issue 10 item 5).

Each is called through the wrapper's transport with its generated endpoint module, so the request
shape, the status and the parsed body all come from specs/agent_server.yaml, recorded from the real
server (1.58.2 and 1.34.0, like every agent contract test). Typed client methods come later.
"""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from openhands_api import AgentServerClient, BadRequestError, NotFoundError
from openhands_api.agent._requests import start_request
from openhands_api_agent.api.bash import search_bash_events, start_bash_command
from openhands_api_agent.api.conversations import (
    get_agent_final_response,
    interrupt_conversation,
    respond_to_confirmation,
    update_conversation,
)
from openhands_api_agent.api.conversations import start_conversation as start_conversation_op
from openhands_api_agent.api.files import download_trajectory
from openhands_api_agent.api.git import git_changes, git_diff
from openhands_api_agent.models import (
    AgentResponseResult,
    BashCommand,
    BashEventPage,
    BashOutput,
    ConfirmationResponseRequest,
    ConversationInfo,
    ExecuteBashRequest,
    GitChange,
    GitDiff,
    Success,
    UpdateConversationRequest,
)
from openhands_api_agent.types import File

from .conftest import FAKE_LLM_KEY

pytestmark = pytest.mark.vcr

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def start_with_confirmation(agent: AgentServerClient, agent_server, name: str) -> ConversationInfo:  # type: ignore[no-untyped-def]
    body = start_request(
        working_dir=f"{agent_server.workspace}/{name}", llm_model="openai/fake", llm_api_key=FAKE_LLM_KEY,
        llm_base_url=agent_server.llm_base_url, prompt="say hello", tools=["terminal"], terminal_type="subprocess",
        max_iterations=None, conversation_id=None, autotitle=False, tags=None, llm_extra={"num_retries": 0},
    )
    body.additional_properties["confirmation_policy"] = {"kind": "AlwaysConfirm"}
    return agent._transport.call(start_conversation_op, expect=ConversationInfo, body=body, retry=False)


def test_a_confirmation_policy_conversation_runs_to_the_end(agent: AgentServerClient, agent_server) -> None:  # type: ignore[no-untyped-def]
    conv = start_with_confirmation(agent, agent_server, "confirm")
    assert conv.raw["confirmation_policy"]["kind"] == "AlwaysConfirm"
    seen = agent.wait_until_finished(conv.id, timeout_s=120)
    assert seen.execution_status == "waiting_for_confirmation"  # the terminal action waits for us
    final = agent._transport.call(get_agent_final_response, expect=AgentResponseResult, conversation_id=conv.id)
    assert final.response == ""
    # Accept every held action until the conversation ends (the fake LLM: echo hello, then finish).
    for _ in range(5):
        accepted = agent._transport.call(respond_to_confirmation, expect=Success, conversation_id=conv.id,
                                         body=ConfirmationResponseRequest(accept=True), retry=False)
        assert accepted.success is True
        state = agent.wait_until_finished(conv.id, timeout_s=120, stop_on={"finished", "error", "stuck", "waiting_for_confirmation"})
        if state.execution_status == "finished":
            break
    assert state.execution_status == "finished"
    final = agent._transport.call(get_agent_final_response, expect=AgentResponseResult, conversation_id=conv.id)
    assert final.response == "done"  # the FinishAction's message

    # rename, interrupt (also fine when nothing runs), trajectory
    renamed = agent._transport.call(update_conversation, expect=Success, conversation_id=conv.id,
                                    body=UpdateConversationRequest(title="renamed by the client"), retry=False)
    assert renamed.success is True
    assert agent.get_conversation(conv.id).title == "renamed by the client"
    interrupted = agent._transport.call(interrupt_conversation, expect=Success, conversation_id=conv.id, retry=False)
    assert interrupted.success is True
    zipped = agent._transport.call(download_trajectory, expect=File, conversation_id=conv.id).payload.read()
    with zipfile.ZipFile(io.BytesIO(zipped)) as archive:
        names = archive.namelist()
        assert any(n.endswith("base_state.json") for n in names)
        assert any("/events/" in n for n in names)
        content = b"".join(archive.read(n) for n in names)
    assert agent_server.session_key.encode() not in content  # nothing secret in what the cassette keeps
    agent.delete_conversation(conv.id)


def test_unknown_conversation_for_each_new_operation(agent: AgentServerClient, agent_version: str) -> None:
    old = agent_version.startswith("1.34.")
    with pytest.raises(NotFoundError):
        agent._transport.call(get_agent_final_response, expect=AgentResponseResult, conversation_id=UNKNOWN_ID)
    with pytest.raises(BadRequestError if old else NotFoundError) as interrupted:  # 1.34: 400, as for pause
        agent._transport.call(interrupt_conversation, expect=Success, conversation_id=UNKNOWN_ID, retry=False)
    assert interrupted.value.status_code == (400 if old else 404)
    with pytest.raises(NotFoundError):
        agent._transport.call(respond_to_confirmation, expect=Success, conversation_id=UNKNOWN_ID,
                              body=ConfirmationResponseRequest(accept=False), retry=False)
    if old:  # 1.34 answers a rename of an unknown conversation 200 {"success": false}
        unchanged = agent._transport.call(update_conversation, expect=Success, conversation_id=UNKNOWN_ID,
                                          body=UpdateConversationRequest(title="x"), retry=False)
        assert unchanged.success is False
    else:
        with pytest.raises(NotFoundError):
            agent._transport.call(update_conversation, expect=Success, conversation_id=UNKNOWN_ID,
                                  body=UpdateConversationRequest(title="x"), retry=False)
    with pytest.raises(NotFoundError):
        agent._transport.call(download_trajectory, expect=File, conversation_id=UNKNOWN_ID)


def test_background_bash_and_its_events(agent: AgentServerClient) -> None:
    started = agent._transport.call(start_bash_command, expect=BashCommand, retry=False,
                                    body=ExecuteBashRequest(command="echo background; echo done"))
    assert started.kind == "BashCommand" and started.command == "echo background; echo done"
    outputs: list[BashOutput] = []
    for _ in range(60):  # poll until the command's output is there (generous: a loaded machine)
        page = agent._transport.call(search_bash_events, expect=BashEventPage, command_id_eq=started.id, kind_eq="BashOutput")
        outputs = [e for e in page.items if isinstance(e, BashOutput)]
        if outputs and outputs[-1].exit_code is not None:
            break
        time.sleep(0.5)  # instant when replaying (tests/conftest.py)
    assert outputs, "no BashOutput event for the background command"
    assert "".join(o.stdout or "" for o in outputs) == "background\ndone\n"
    assert outputs[-1].exit_code == 0
    commands = agent._transport.call(search_bash_events, expect=BashEventPage, kind_eq="BashCommand", limit=100)
    assert started.id in {c.id for c in commands.items if isinstance(c, BashCommand)}


def test_git_changes_and_diff(agent: AgentServerClient, agent_server, agent_version: str) -> None:  # type: ignore[no-untyped-def]
    repo = f"{agent_server.workspace}/repo"
    git = "git -c user.email=t@example.invalid -c user.name=test"
    setup = agent.bash(f"mkdir -p {repo} && cd {repo} && git init -q && echo one > a.txt && git add a.txt && "
                       f"{git} commit -q -m a && echo two > a.txt && echo new > b.txt")
    assert setup.ok, setup.stderr
    changes = agent._transport.call(git_changes, expect=list, path=repo)
    assert all(isinstance(c, GitChange) for c in changes)
    # 1.58 diffs against HEAD; 1.34 (no upstream branch) against the empty tree: every file is ADDED
    old = agent_version.startswith("1.34.")
    assert sorted((c.path, c.status) for c in changes) == [("a.txt", "ADDED" if old else "UPDATED"), ("b.txt", "ADDED")]
    diff = agent._transport.call(git_diff, expect=GitDiff, path=f"{repo}/a.txt")
    assert diff.modified == "two"
    assert diff.original == ("" if old else "one")
    assert agent._transport.call(git_changes, expect=list, path=f"{agent_server.workspace}/not-a-repo") == []
    with pytest.raises(BadRequestError):  # 400 "File does not exist: ..."
        agent._transport.call(git_diff, expect=GitDiff, path=f"{repo}/missing.txt")
