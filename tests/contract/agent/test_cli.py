"""The CLI as a user runs it, against the real agent server (recorded): output, exit codes, no key printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openhands_api import AgentServerClient
from openhands_api.cli.main import main

pytestmark = pytest.mark.vcr


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_bash_upload_download_conversations_events(agent_server, agent: AgentServerClient, start_hello,  # type: ignore[no-untyped-def]
                                                   capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base = ["agent", "--url", agent_server.url, "--session-key", agent_server.session_key]
    code, out, _ = run_cli(capsys, *base, "bash", "echo hi; exit 4", "--json")
    assert code == 0 and json.loads(out) == {"command": "echo hi; exit 4", "exit_code": 4, "stdout": "hi\n", "stderr": "", "timed_out": False}
    code, out, _ = run_cli(capsys, *base, "bash", "sleep 3", "--timeout", "1")
    assert code == 0 and "[timed out after 1 s]" in out

    local = tmp_path / "up.bin"
    local.write_bytes(b"\x00\x01binary\xff")
    remote = f"{agent_server.workspace}/cli/up.bin"
    assert run_cli(capsys, *base, "upload", str(local), remote)[0] == 0
    code, out, _ = run_cli(capsys, *base, "--json", "download", remote, str(tmp_path / "down.bin"))
    assert code == 0 and json.loads(out)["bytes"] == 9
    assert (tmp_path / "down.bin").read_bytes() == local.read_bytes()

    conv = start_hello("cli")
    agent.wait_until_finished(conv.id, timeout_s=120)
    code, out, _ = run_cli(capsys, *base, "count-events", conv.id)
    assert code == 0 and out.startswith("12 events") and "ActionEvent: 2" in out
    code, out, _ = run_cli(capsys, *base, "--json", "count-events", conv.id)
    assert json.loads(out) == {"conversation_id": conv.id, "count": 12, "source": "agent"}
    code, out, _ = run_cli(capsys, *base, "--json", "events", conv.id, "--limit", "3")
    assert code == 0 and [e["kind"] for e in json.loads(out)][:1] == ["SystemPromptEvent"] and len(json.loads(out)) == 3
    code, out, _ = run_cli(capsys, *base, "--json", "conversations")
    listed = json.loads(out)
    assert conv.id in [c["id"] for c in listed]
    assert all(c["agent"]["llm"].get("api_key") in (None, "**********") for c in listed)
    agent.delete_conversation(conv.id)
    assert agent_server.session_key not in out


def test_errors_are_one_line_with_exit_1_and_never_show_the_key(agent_server, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    wrong = "cli-wrong-key-not-the-real-one"
    code, out, err = run_cli(capsys, "agent", "--url", agent_server.url, "--session-key", wrong, "conversations")
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and "AuthenticationError" in err and "Hint:" in err
    assert wrong not in err
    code, _, err = run_cli(capsys, "agent", "--url", agent_server.url, "--session-key", agent_server.session_key,
                           "count-events", "00000000-0000-4000-8000-000000000000")
    assert code == 1 and "NotFoundError" in err and len(err.strip().splitlines()) == 1


def test_usage_errors_exit_2_before_any_request(agent_server, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OH_SESSION_API_KEY", raising=False)
    code, _, err = run_cli(capsys, "agent", "--url", agent_server.url, "conversations")
    assert code == 2 and "--session-key" in err and "OH_SESSION_API_KEY" in err
    code, _, err = run_cli(capsys, "agent", "--url", agent_server.url, "--session-key", "k", "download", "relative/x", "/tmp/x")
    assert code == 2 and "not absolute" in err
    with pytest.raises(SystemExit) as exc:
        main(["agent", "--url", agent_server.url, "bash"])
    assert exc.value.code == 2
