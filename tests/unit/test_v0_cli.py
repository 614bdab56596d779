"""``openhands-api v0 ...``: output, exit codes and key hygiene, against a scripted V0 server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from openhands_api.cli import main as cli_main
from openhands_api.cli import v0 as cli_v0
from openhands_api.v0 import V0Client

CID = "c" * 32
KEY = "cli-secret-key-0123456789"
EVENTS = [
    {"id": 0, "source": "environment", "message": "", "observation": "agent_state_changed", "extras": {"agent_state": "running"}},
    {"id": 1, "source": "agent", "message": "Running command: echo hello", "action": "run", "args": {}},
    {"id": 2, "source": "environment", "message": "", "observation": "agent_state_changed", "extras": {"agent_state": "finished"}},
]


def fake_server(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/api/conversations" and request.method == "POST":
        return httpx.Response(200, json={"status": "ok", "conversation_id": CID, "message": None, "conversation_status": "STARTING"})
    if path == "/api/conversations":
        return httpx.Response(200, json={"results": [{"conversation_id": CID, "title": "hello", "status": "RUNNING",
                                                      "session_api_key": KEY}], "next_page_id": None})
    if path == f"/api/conversations/{CID}":
        return httpx.Response(200, json={"conversation_id": CID, "title": "hello", "status": "RUNNING", "session_api_key": KEY})
    if path == f"/api/conversations/{CID}/events":
        start = int(request.url.params.get("start_id", "0"))
        return httpx.Response(200, json={"events": [e for e in EVENTS if e["id"] >= start], "has_more": False})
    if path == f"/api/conversations/{CID}/trajectory":
        return httpx.Response(200, json={"trajectory": EVENTS})
    if path.endswith("/stop"):
        return httpx.Response(200, json={"status": "ok", "conversation_id": CID, "message": "Conversation stopped successfully",
                                         "conversation_status": "RUNNING"})
    return httpx.Response(200, content=b"null", headers={"content-type": "application/json"})


@pytest.fixture(autouse=True)
def scripted(monkeypatch: pytest.MonkeyPatch) -> None:
    def make(ctx: cli_main.CLIContext) -> V0Client:
        return V0Client(api_key=ctx.api_key, base_url=ctx.base_url or "http://127.0.0.1:3000",
                        http_transport=httpx.MockTransport(fake_server), sleep=lambda _s: None)

    monkeypatch.setattr(cli_v0, "_client", make)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli_main.main(["--api-key", KEY, *argv])
    out, err = capsys.readouterr()
    assert KEY not in out and KEY not in err  # never printed, not even inside server JSON
    return code, out, err


def test_new_conversation_prints_id_and_url(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "v0", "new-conversation", "--prompt", "say hello")
    assert code == 0
    assert out.splitlines() == [CID, f"http://127.0.0.1:3000/conversations/{CID}"]


def test_new_conversation_poll_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    prompt = tmp_path / "task.md"
    prompt.write_text("say hello")
    code, out, err = run(capsys, "--json", "v0", "new-conversation", "--prompt-file", str(prompt), "--poll",
                         "--timeout-s", "60", "--poll-interval-s", "1")
    assert code == 0
    data = json.loads(out)
    assert data["conversation_id"] == CID and data["ended_by"] == "agent_state" and data["agent_state"] == "finished"
    assert data["conversation"]["session_api_key"] == "**********"
    assert f"created {CID}" in err and "agent_state=finished" in err


def test_prompt_and_prompt_file_are_exclusive_and_one_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as usage:
        cli_main.main(["v0", "new-conversation"])
    assert usage.value.code == 2
    code, _, err = run(capsys, "v0", "new-conversation", "--prompt-file", "/nonexistent/task.md")
    assert code == 2 and "cannot read --prompt-file" in err


def test_get_list_events_trajectory_stop(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "v0", "get", CID)
    assert code == 0 and f"conversation_id: {CID}" in out and "session_api_key" not in out
    code, out, _ = run(capsys, "--json", "v0", "list", "--limit", "5")
    assert code == 0 and json.loads(out)[0]["conversation_id"] == CID
    code, out, _ = run(capsys, "v0", "events", CID)
    assert code == 0 and "agent_state=finished" in out and "action=run" in out
    target = tmp_path / "out.json"
    code, out, _ = run(capsys, "v0", "trajectory", CID, str(target))
    assert code == 0 and json.loads(target.read_text())["trajectory"] == EVENTS and "3 events" in out
    code, out, _ = run(capsys, "v0", "stop", CID)
    assert code == 0 and "stopped successfully" in out


def test_unknown_conversation_exits_1_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "v0", "get", "d" * 32)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "NotFoundError" in err and "Hint:" in err


def test_bad_limit_exits_2_without_a_request(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_ctx: Any) -> V0Client:
        raise AssertionError("no client may be built")

    monkeypatch.setattr(cli_v0, "_client", refuse)
    code, _, err = run(capsys, "v0", "list", "--limit", "0")
    assert code == 2 and "--limit" in err
