"""The V1 CLI commands (`openhands-api count-events`, `agent-url` ...) against an in-memory server.

The commands build their client from --base-url/--api-key; here that client gets a MockTransport.
Checked: what goes to stdout vs stderr, exit codes (0 ok, 1 server error, 2 usage), and that no key
is ever printed.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from openhands_api.cli import main as cli_main
from openhands_api.cli import v1 as cli_v1
from openhands_api.v1 import OpenHandsV1

CONV = "c0ffee00c0ffee00c0ffee00c0ffee00"
AGENT_KEY = "agent-key-that-must-not-print"
APP_KEY = "app-key-that-must-not-print"


def handler(request: httpx.Request) -> httpx.Response:
    url = urlsplit(str(request.url))
    query = parse_qs(url.query)
    if url.netloc == "agent.test":
        return httpx.Response(200, json=12)
    if url.path == "/api/v1/app-conversations":
        known = {"id": CONV, "sandbox_id": "sb", "sandbox_status": "RUNNING", "execution_status": "finished",
                 "title": "Fake title", "conversation_url": f"http://agent.test/api/conversations/{CONV}",
                 "session_api_key": AGENT_KEY}
        return httpx.Response(200, json=[known if i == CONV else None for i in query["ids"]])
    if url.path == "/api/v1/app-conversations/start-tasks":
        return httpx.Response(200, json=[None for _ in query["ids"]])
    if url.path == "/api/v1/sandboxes":
        return httpx.Response(200, json=[{"id": "sb", "status": "RUNNING", "session_api_key": AGENT_KEY,
                                          "exposed_urls": [{"name": "AGENT_SERVER", "url": "http://agent.test"}]}])
    if url.path == f"/api/v1/conversation/{CONV}/events/count":
        return httpx.Response(500, text="Internal Server Error")
    if url.path == "/api/v1/app-conversations/search":
        return httpx.Response(200, json={"items": [], "next_page_id": None})
    return httpx.Response(404, json={"detail": "Not Found"})


@pytest.fixture(autouse=True)
def mock_client(monkeypatch: pytest.MonkeyPatch) -> None:
    transport = httpx.MockTransport(handler)

    def client(ctx: cli_main.CLIContext) -> OpenHandsV1:
        return OpenHandsV1(ctx.base_url, api_key=ctx.api_key, http_transport=transport, agent_http_transport=transport,
                           max_retries=0, sleep=lambda _s: None)

    monkeypatch.setattr(cli_v1, "_client", client)


def run(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli_main.main(["--base-url", "http://127.0.0.1:3000", "--api-key", APP_KEY, *argv])
    out, err = capsys.readouterr()
    assert APP_KEY not in out + err and AGENT_KEY not in out + err
    return code, out, err


def test_count_events_prints_the_source_and_why_earlier_ones_failed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run("count-events", CONV, capsys=capsys)
    assert code == 0
    assert out.splitlines()[0] == "12 events (source: agent)"
    assert "app skipped: ServerError" in out


def test_count_events_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run("--json", "count-events", CONV, capsys=capsys)
    data: dict[str, Any] = json.loads(out)
    assert code == 0 and data["count"] == 12 and data["source"] == "agent"
    assert [a["source"] for a in data["attempts"]] == ["app", "agent"] and "relation" in data


def test_agent_url_prints_the_url_only(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run("agent-url", CONV, capsys=capsys)
    assert code == 0 and out.strip() == "http://agent.test"
    assert "sandbox sb is RUNNING" in err  # progress on stderr


def test_conversation_json_masks_the_agent_key(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run("--json", "conversation", CONV, capsys=capsys)
    assert code == 0 and json.loads(out)["session_api_key"] == "**********"


@pytest.mark.parametrize(
    ("argv", "code", "words"),
    [(("count-events", "not-a-uuid"), 2, "invalid conversation id"),
     (("count-events", "0" * 32), 1, "NotFoundError"),
     (("count-events", CONV, "--source", "zip"), 1, "EventCountError")],
    ids=["invalid", "unknown", "forced-source-fails"],
)
def test_errors_are_one_line_with_an_exit_code(argv: tuple[str, ...], code: int, words: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    got, out, err = run(*argv, capsys=capsys)
    assert got == code and out == ""
    assert words in err and len(err.strip().splitlines()) == 1


def test_start_conversation_needs_exactly_one_prompt(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as usage:
        cli_main.main(["start-conversation", "--prompt", "a", "--prompt-file", "b"])
    assert usage.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_search_conversations_empty(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run("search-conversations", "--limit", "5", capsys=capsys)
    assert code == 0 and out.strip() == "(no conversations)"
