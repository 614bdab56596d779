"""The V1 message, rename, git and secret commands against an in-memory server: output, exit codes, no value printed."""

from __future__ import annotations

import io
import json

import httpx
import pytest
from openhands_api.cli import main as cli_main
from openhands_api.cli import v1 as cli_v1
from openhands_api.v1 import OpenHandsV1

CONV = "c0ffee00c0ffee00c0ffee00c0ffee00"
TASK = "7a5c0000000040008000000000000001"
VALUE = "secret-value-that-must-not-print"
APP_KEY = "app-key-that-must-not-print"
seen: list[httpx.Request] = []


def handler(request: httpx.Request) -> httpx.Response:
    seen.append(request)
    path, method = request.url.path, request.method
    routes = {
        ("POST", f"/api/v1/app-conversations/{CONV}/send-message"): (200, {"success": True, "sandbox_status": "RUNNING"}),
        ("POST", f"/api/v1/conversations/task-{TASK}/pending-messages"): (201, {"id": "m1", "queued": True, "position": 2}),
        ("PATCH", f"/api/v1/app-conversations/{CONV}"): (200, {"id": CONV, "title": "new title"}),
        ("GET", f"/api/v1/app-conversations/{CONV}/git/changes"): (200, [{"status": "ADDED", "path": "a.txt"}]),
        ("GET", f"/api/v1/app-conversations/{CONV}/git/diff"): (200, {"original": "one", "modified": "two"}),
        ("GET", "/api/v1/secrets/search"): (200, {"items": [{"name": "GH", "description": "token"}], "next_page_id": None}),
        ("POST", "/api/v1/secrets"): (201, {"message": "Secret created successfully"}),
        ("DELETE", "/api/v1/secrets/GH"): (200, {"message": "Secret deleted successfully"}),
    }
    status, body = routes.get((method, path), (404, {"detail": "Secret with ID X not found"}))
    return httpx.Response(status, json=body)


@pytest.fixture(autouse=True)
def mock_client(monkeypatch: pytest.MonkeyPatch) -> None:
    seen.clear()

    def client(ctx: cli_main.CLIContext) -> OpenHandsV1:
        return OpenHandsV1(ctx.base_url, api_key=ctx.api_key, http_transport=httpx.MockTransport(handler), max_retries=0)

    monkeypatch.setattr(cli_v1, "_client", client)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli_main.main(["--base-url", "http://127.0.0.1:3000", "--api-key", APP_KEY, *argv])
    out, err = capsys.readouterr()
    assert APP_KEY not in out + err and VALUE not in out + err
    return code, out, err


def test_messages_rename_and_git(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "send-message", CONV, "hello", "--no-run")[1] == f"sent to {CONV} (sandbox RUNNING, success=True)\n"
    assert json.loads(seen[-1].content) == {"content": [{"text": "hello", "type": "text"}], "role": "user", "run": False}
    code, out, _ = run(capsys, "queue-message", TASK, "later")
    assert code == 0 and "position 2" in out
    assert run(capsys, "--json", "rename", CONV, "new title")[1].startswith('{"id": "c0ffee00')
    assert json.loads(seen[-1].content) == {"title": "new title"}
    assert run(capsys, "git-changes", CONV, "/w/repo")[1] == "ADDED    a.txt\n"
    assert seen[-1].url.params["path"] == "/w/repo"
    assert run(capsys, "git-diff", CONV, "/w/repo/a.txt", "--ref", "HEAD")[1] == "--- original\none\n+++ modified\ntwo\n"
    assert seen[-1].url.params["ref"] == "HEAD"
    code, _, err = run(capsys, "queue-message", "not-a-task", "x")
    assert code == 2 and "invalid start task id" in err and len(seen) == 5  # refused before sending


def test_secrets_never_print_a_value(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(capsys, "secrets")[1] == "GH  token\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(VALUE + "\n"))
    code, out, _ = run(capsys, "create-secret", "GH", "--description", "token")
    assert code == 0 and out == "stored secret GH\n"
    assert json.loads(seen[-1].content) == {"name": "GH", "value": VALUE, "description": "token"}
    monkeypatch.setenv("GH_VALUE", VALUE)
    assert run(capsys, "--json", "create-secret", "GH", "--value-env", "GH_VALUE")[1] == '{"name": "GH", "created": true}\n'
    code, _, err = run(capsys, "create-secret", "GH", "--value-env", "UNSET_VARIABLE_FOR_TEST")
    assert code == 2 and "$UNSET_VARIABLE_FOR_TEST is not set" in err
    assert run(capsys, "delete-secret", "GH")[0] == 0
    code, _, err = run(capsys, "delete-secret", "OTHER")
    assert code == 1 and "NotFoundError" in err
    with pytest.raises(SystemExit):  # the value is never an argument
        cli_main.main(["create-secret", "GH", VALUE])
    capsys.readouterr()
