"""The agent server's steering, background-bash, git and trajectory operations through the typed client.

Recorded from the real server (1.58.2 and 1.34.0, like every agent contract test); each test runs on
both twins (the async client behind tests/twins.py's SyncOverAsync), which replay one cassette.
"""

from __future__ import annotations

import asyncio
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from openhands_api import AgentServerClient, AsyncAgentServerClient, BadRequestError, NotFoundError
from openhands_api_agent.models import BashCommand, BashOutput, GitChange

from tests.twins import TWINS, twin

from .conftest import FAKE_LLM_KEY

pytestmark = pytest.mark.vcr

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(params=TWINS)
def client(request: pytest.FixtureRequest, agent_server, twin_runner: asyncio.Runner) -> Iterator[AgentServerClient]:  # type: ignore[no-untyped-def]
    with twin(request.param, AgentServerClient, AsyncAgentServerClient, twin_runner, agent_server.url, agent_server.session_key) as c:
        yield c


def test_a_confirmation_policy_conversation_runs_to_the_end(client: AgentServerClient, agent_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    conv = client.start_conversation(
        working_dir=f"{agent_server.workspace}/confirm", llm_model="openai/fake", llm_api_key=FAKE_LLM_KEY,
        llm_base_url=agent_server.llm_base_url, prompt="say hello", terminal_type="subprocess",
        llm_extra={"num_retries": 0}, autotitle=False, confirm_actions=True,
    )
    assert conv.raw["confirmation_policy"]["kind"] == "AlwaysConfirm"
    seen = client.wait_until_finished(conv.id, timeout_s=120)
    assert seen.execution_status == "waiting_for_confirmation"  # the terminal action waits for us
    assert client.final_response(conv.id) == ""
    # Accept every held action until the conversation ends (the fake LLM: echo hello, then finish).
    for _ in range(5):
        client.respond_to_confirmation(conv.id, accept=True)
        state = client.wait_until_finished(conv.id, timeout_s=120, stop_on={"finished", "error", "stuck", "waiting_for_confirmation"})
        if state.execution_status == "finished":
            break
    assert state.execution_status == "finished"
    assert client.final_response(conv.id) == "done"  # the FinishAction's message

    # rename, interrupt (also fine when nothing runs), trajectory
    client.rename(conv.id, "renamed by the client")
    assert client.get_conversation(conv.id).title == "renamed by the client"
    client.interrupt(conv.id)
    target = tmp_path / "trajectory.zip"
    size = client.download_trajectory(conv.id, target)
    assert size == target.stat().st_size > 0
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert any(n.endswith("base_state.json") for n in names)
        assert any("/events/" in n for n in names)
        content = b"".join(archive.read(n) for n in names)
    assert agent_server.session_key.encode() not in content  # nothing secret in what the cassette keeps
    client.delete_conversation(conv.id)


def test_unknown_conversation_for_each_new_operation(client: AgentServerClient, agent_version: str, tmp_path: Path) -> None:
    old = agent_version.startswith("1.34.")
    with pytest.raises(NotFoundError):
        client.final_response(UNKNOWN_ID)
    with pytest.raises(BadRequestError if old else NotFoundError) as interrupted:  # 1.34: 400, as for pause
        client.interrupt(UNKNOWN_ID)
    assert interrupted.value.status_code == (400 if old else 404)
    with pytest.raises(NotFoundError):
        client.respond_to_confirmation(UNKNOWN_ID, accept=False)
    # 1.34 answers 200 {"success": false}; the client raises NotFoundError on both versions.
    with pytest.raises(NotFoundError) as renamed:
        client.rename(UNKNOWN_ID, "x")
    assert renamed.value.status_code == (200 if old else 404)
    with pytest.raises(NotFoundError):
        client.download_trajectory(UNKNOWN_ID, tmp_path / "t.zip")
    assert not (tmp_path / "t.zip").exists()  # no partial file


def test_background_bash_and_its_events(client: AgentServerClient) -> None:
    started = client.start_bash("echo background; echo done")
    assert isinstance(started, BashCommand) and started.command == "echo background; echo done"
    outputs: list[BashOutput] = []
    for _ in range(60):  # poll until the command's output is there (generous: a loaded machine)
        page = client.search_bash_events(command_id=started.id, kind="BashOutput")
        outputs = [e for e in page.items if isinstance(e, BashOutput)]
        if outputs and outputs[-1].exit_code is not None:
            break
        time.sleep(0.5)  # instant when replaying (tests/conftest.py)
    assert outputs, "no BashOutput event for the background command"
    assert "".join(o.stdout or "" for o in outputs) == "background\ndone\n"
    assert outputs[-1].exit_code == 0
    commands = client.search_bash_events(kind="BashCommand", limit=100)
    assert started.id in {c.id for c in commands.items if isinstance(c, BashCommand)}


def test_git_changes_and_diff(client: AgentServerClient, agent_server, agent_version: str) -> None:  # type: ignore[no-untyped-def]
    repo = f"{agent_server.workspace}/repo"
    git = "git -c user.email=t@example.invalid -c user.name=test"
    setup = client.bash(f"rm -rf {repo} && mkdir -p {repo} && cd {repo} && git init -q && echo one > a.txt && git add a.txt && "
                        f"{git} commit -q -m a && echo two > a.txt && echo new > b.txt")
    assert setup.ok, setup.stderr
    changes = client.git_changes(repo)
    assert all(isinstance(c, GitChange) for c in changes)
    # 1.58 diffs against HEAD; 1.34 (no upstream branch) against the empty tree: every file is ADDED
    old = agent_version.startswith("1.34.")
    assert sorted((c.path, c.status) for c in changes) == [("a.txt", "ADDED" if old else "UPDATED"), ("b.txt", "ADDED")]
    diff = client.git_diff(f"{repo}/a.txt")
    assert diff.modified == "two"
    assert diff.original == ("" if old else "one")
    assert client.git_changes(f"{agent_server.workspace}/not-a-repo") == []
    with pytest.raises(BadRequestError):  # 400 "File does not exist: ..."
        client.git_diff(f"{repo}/missing.txt")
