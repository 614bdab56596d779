"""`openhands-api sandbox bash|upload|download ID`, `start-task`, `count-conversations`, `sandboxes
--limit`, `events --limit` and the progress line, against in-memory servers (MockTransport).

Checked: stdout/stderr, exit codes, the page sizes asked for, the agent key sent but never printed.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from openhands_api.agent import AgentServerClient
from openhands_api.cli import agent as cli_agent
from openhands_api.cli import main as cli_main
from openhands_api.cli import sandbox as cli_sandbox
from openhands_api.cli import v1 as cli_v1
from openhands_api.cli import v1_extra
from openhands_api.cli.progress import Progress
from openhands_api.v1 import OpenHandsV1

CONV = "c0ffee00c0ffee00c0ffee00c0ffee00"
TASK = "7a5c0000000040008000000000000001"
AGENT_KEY = "agent-key-that-must-not-print"
APP_KEY = "app-key-that-must-not-print"


class Servers:
    """The V1 app server and the sandbox's agent server, in memory; records every request."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.files: dict[str, bytes] = {}
        self.task_statuses = ["WORKING", "WAITING_FOR_SANDBOX", "READY"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = urlsplit(str(request.url))
        query = parse_qs(url.query)
        if url.netloc == "agent.test":
            return self.agent(request, url.path, query)
        if url.path == "/api/v1/app-conversations":
            known = {"id": CONV, "sandbox_id": "sb", "sandbox_status": "RUNNING", "execution_status": "finished",
                     "conversation_url": f"http://agent.test/api/conversations/{CONV}", "session_api_key": AGENT_KEY}
            return httpx.Response(200, json=[known if i == CONV else None for i in query["ids"]])
        if url.path == "/api/v1/app-conversations/start-tasks":
            status = self.task_statuses.pop(0) if len(self.task_statuses) > 1 else self.task_statuses[0]
            task = {"id": TASK, "status": status, "sandbox_id": "sb", "request": {},
                    "app_conversation_id": CONV if status == "READY" else None}
            return httpx.Response(200, json=[task if i == TASK else None for i in query["ids"]])
        if url.path == "/api/v1/sandboxes":
            sandbox = {"id": "sb", "status": "RUNNING", "session_api_key": AGENT_KEY,
                       "exposed_urls": [{"name": "AGENT_SERVER", "url": "http://agent.test"}]}
            return httpx.Response(200, json=[sandbox if i == "sb" else None for i in query["id"]])
        if url.path == "/api/v1/sandboxes/search":
            limit = int(query["limit"][0])
            items = [{"id": f"sb{i}", "status": "RUNNING"} for i in range(limit)]
            return httpx.Response(200, json={"items": items, "next_page_id": "more"})
        if url.path == "/api/v1/app-conversations/count":
            return httpx.Response(200, json=7)
        return httpx.Response(404, json={"detail": "Not Found"})

    def agent(self, request: httpx.Request, path: str, query: dict[str, list[str]]) -> httpx.Response:
        assert request.headers["X-Session-API-Key"] == AGENT_KEY
        if path == "/api/bash/execute_bash_command":
            command = json.loads(request.content)["command"]
            return httpx.Response(200, json={"kind": "BashOutput", "command_id": "x", "exit_code": 0,
                                             "stdout": command.removeprefix("echo ") + "\n"})
        if path.startswith("/api/file/upload"):
            self.files[query["path"][0] if "path" in query else path.removeprefix("/api/file/upload")] = request.read()
            return httpx.Response(200, json={"success": True, "file_size": 5})
        if path.startswith("/api/file/download"):
            return httpx.Response(200, content=b"hello")
        return httpx.Response(404, json={"detail": "Not Found"})

    def sent(self, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == path]


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Servers:
    servers = Servers()
    transport = httpx.MockTransport(servers)

    def v1_client(ctx: cli_main.CLIContext) -> OpenHandsV1:
        return OpenHandsV1(ctx.base_url, api_key=ctx.api_key, http_transport=transport, agent_http_transport=transport,
                           max_retries=0, sleep=lambda _s: None)

    def agent_client(args: Any) -> AgentServerClient:
        return AgentServerClient(args.url, args.session_key, http_transport=transport, max_retries=0)

    for module in (cli_v1, v1_extra, cli_sandbox):
        monkeypatch.setattr(module, "_client", v1_client)
    monkeypatch.setattr(cli_agent, "_client", agent_client)
    return servers


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli_main.main(["--base-url", "http://127.0.0.1:3000", "--api-key", APP_KEY, *argv])
    out, err = capsys.readouterr()
    assert APP_KEY not in out + err and AGENT_KEY not in out + err
    return code, out, err


@pytest.mark.parametrize("any_id", [CONV, "sb"])
def test_sandbox_bash_by_any_id_sends_the_resolved_key_and_prints_the_output(
        servers: Servers, capsys: pytest.CaptureFixture[str], any_id: str) -> None:
    code, out, _ = run(capsys, "sandbox", "bash", any_id, "echo hi")
    assert code == 0 and out.splitlines() == ["hi", "[exit code 0]"]
    assert len(servers.sent("/api/bash/execute_bash_command")) == 1


def test_sandbox_bash_json(servers: Servers, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--json", "sandbox", "bash", CONV, "echo hi", "--cwd", "/workspace")
    assert code == 0 and json.loads(out)["stdout"] == "hi\n"
    assert json.loads(servers.sent("/api/bash/execute_bash_command")[0].content)["cwd"] == "/workspace"


def test_sandbox_upload_and_download(servers: Servers, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    local = tmp_path / "in.txt"
    local.write_bytes(b"hello")
    code, out, _ = run(capsys, "sandbox", "upload", CONV, str(local), "/workspace/in.txt")
    assert code == 0 and "-> /workspace/in.txt (5 bytes)" in out
    copy = tmp_path / "copy.txt"
    code, out, _ = run(capsys, "sandbox", "download", "sb", "/workspace/in.txt", str(copy))
    assert code == 0 and copy.read_bytes() == b"hello"


def test_sandbox_with_an_unknown_id_exits_1(servers: Servers, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "sandbox", "bash", "00000000-0000-4000-8000-000000000000", "echo hi")
    assert code == 1 and "ResolverError" in err and not servers.sent("/api/bash/execute_bash_command")


def test_start_task_status_and_wait(servers: Servers, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "start-task", TASK)
    assert code == 0 and out.strip() == f"start task {TASK}: WORKING"
    code, out, _ = run(capsys, "--json", "start-task", TASK, "--wait")
    assert code == 0 and json.loads(out)["status"] == "READY" and json.loads(out)["app_conversation_id"] == CONV


def test_count_conversations(servers: Servers, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "count-conversations")[:2] == (0, "7\n")
    assert json.loads(run(capsys, "--json", "count-conversations")[1]) == {"count": 7}


def test_sandboxes_limit_asks_for_a_page_no_bigger_than_needed(servers: Servers, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "sandboxes", "--limit", "3")
    assert code == 0 and len(out.splitlines()) == 3
    assert [r.url.params["limit"] for r in servers.sent("/api/v1/sandboxes/search")] == ["3"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_one_updating_line_on_a_terminal_only() -> None:
    ticks = iter([0.0, 1.5, 3.0])
    terminal = Terminal()
    with Progress(cli_main.CLIContext(stderr=terminal), "start task", clock=lambda: next(ticks)) as progress:
        progress.update("WORKING")
        progress.update("READY")
    assert terminal.getvalue() == "\r\033[K[   1.5s] start task: WORKING\r\033[K[   3.0s] start task: READY\n"
    for ctx in (cli_main.CLIContext(stderr=io.StringIO()), cli_main.CLIContext(stderr=Terminal(), json_output=True)):
        with Progress(ctx, "start task") as progress:
            progress.update("WORKING")
        assert ctx.stderr.getvalue() == ""  # type: ignore[attr-defined]
