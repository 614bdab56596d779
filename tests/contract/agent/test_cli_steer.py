"""The steering, background-bash, git and trajectory CLI commands against the real agent server (recorded)."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import pytest
from openhands_api import AgentServerClient
from openhands_api.cli.main import main

from .conftest import FAKE_LLM_KEY

pytestmark = pytest.mark.vcr


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_confirm_rename_interrupt_final_response_and_trajectory(agent_server, agent: AgentServerClient,  # type: ignore[no-untyped-def]
                                                                capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base = ["agent", "--url", agent_server.url, "--session-key", agent_server.session_key]
    conv = agent.start_conversation(
        working_dir=f"{agent_server.workspace}/cli-confirm", llm_model="openai/fake", llm_api_key=FAKE_LLM_KEY,
        llm_base_url=agent_server.llm_base_url, prompt="say hello", terminal_type="subprocess",
        llm_extra={"num_retries": 0}, autotitle=False, confirm_actions=True,
    )
    assert agent.wait_until_finished(conv.id, timeout_s=120).execution_status == "waiting_for_confirmation"
    code, out, _ = run_cli(capsys, *base, "final-response", conv.id, "--json")
    assert code == 0 and json.loads(out) == {"conversation_id": conv.id, "response": ""}
    code, out, _ = run_cli(capsys, *base, "confirm", conv.id, "--reject", "--reason", "not now")
    assert code == 0 and out == f"rejected the pending actions of {conv.id}\n"
    stops = {"finished", "error", "stuck", "waiting_for_confirmation"}
    # A rejection ends the run (the agent is told why); running again, the fake LLM moves on to finish.
    assert agent.wait_until_finished(conv.id, timeout_s=120, stop_on=stops | {"idle"}).execution_status == "idle"
    agent.run(conv.id)
    status = agent.wait_until_finished(conv.id, timeout_s=120, stop_on=stops)
    for _ in range(5):  # accept until the fake LLM's run ends
        if status.execution_status == "finished":
            break
        assert run_cli(capsys, *base, "confirm", conv.id, "--accept")[0] == 0
        status = agent.wait_until_finished(conv.id, timeout_s=120, stop_on=stops)
    assert status.execution_status == "finished"
    code, out, _ = run_cli(capsys, *base, "final-response", conv.id)
    assert code == 0 and out == "done\n"
    code, out, _ = run_cli(capsys, *base, "rename", conv.id, "from the CLI")
    assert code == 0 and agent.get_conversation(conv.id).title == "from the CLI"
    code, out, _ = run_cli(capsys, *base, "interrupt", conv.id, "--json")
    assert code == 0 and json.loads(out) == {"conversation_id": conv.id, "interrupted": True}
    target = tmp_path / "out.zip"
    code, out, _ = run_cli(capsys, *base, "--json", "download-trajectory", conv.id, str(target))
    assert code == 0 and json.loads(out)["bytes"] == target.stat().st_size
    assert zipfile.is_zipfile(target)
    agent.delete_conversation(conv.id)
    code, _, err = run_cli(capsys, *base, "rename", conv.id, "gone")  # 1.34's 200 success=false is a NotFoundError too
    assert code == 1 and "NotFoundError" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(SystemExit) as usage:  # --accept or --reject is required
        main([*base, "confirm", conv.id])
    assert usage.value.code == 2


def test_background_bash_events_git_changes_and_diff(agent_server, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    base = ["agent", "--url", agent_server.url, "--session-key", agent_server.session_key]
    code, out, _ = run_cli(capsys, *base, "--json", "bash", "--background", "echo in the background")
    assert code == 0
    started = json.loads(out)
    assert started["kind"] == "BashCommand" and started["command"] == "echo in the background"
    for _ in range(60):  # until the command's output has its exit code (generous: a loaded machine)
        code, out, _ = run_cli(capsys, *base, "bash-events", "--command-id", started["id"])
        if "[exit code" in out:
            break
        time.sleep(0.5)  # instant when replaying
    # the command filter matches its output events; the command itself is listed without a filter
    assert code == 0 and out.splitlines() == [f"{started['id']}  output   in the background [exit code 0]"]
    code, out, _ = run_cli(capsys, *base, "bash-events")
    assert code == 0 and f"{started['id']}  command  echo in the background" in out.splitlines()

    repo = f"{agent_server.workspace}/cli-repo"
    git = "git -c user.email=t@example.invalid -c user.name=test"
    code, _, _ = run_cli(capsys, *base, "bash", f"mkdir -p {repo} && cd {repo} && git init -q && echo one > a.txt && "
                         f"git add a.txt && {git} commit -q -m a && echo two > a.txt")
    assert code == 0
    code, out, _ = run_cli(capsys, *base, "--json", "git-changes", repo)
    assert code == 0 and [c["path"] for c in json.loads(out)] == ["a.txt"]
    code, out, _ = run_cli(capsys, *base, "git-diff", f"{repo}/a.txt")
    assert code == 0 and out.endswith("+++ modified\ntwo\n")
    code, _, err = run_cli(capsys, *base, "git-diff", "relative/a.txt")
    assert code == 2 and "not absolute" in err
