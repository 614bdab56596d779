"""``start-conversation --prompts-file`` and ``count-events`` with several ids, on an in-memory V1
server: a row per item, failures per item, exit 0 only if all finished, no key printed."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from openhands_api import AsyncRateLimiter
from openhands_api.cli import batch as cli_batch
from openhands_api.cli import main as cli_main
from openhands_api.v1 import (
    AsyncOpenHandsV1,
    BatchPrompt,
    OpenHandsV1,
    count_many_sync,
    read_prompts_file,
    start_many_sync,
)

APP_KEY = "app-key-that-must-not-print"


def conv_id(n: int) -> str:
    return f"c0ffee00c0ffee00c0ffee00c0ffee{n:02x}"


def task_id(n: int) -> str:
    return f"7a5c00000000400080000000000000{n:02x}"


class FakeServer:
    """Start tasks are READY at once; a prompt containing "fail" is refused (400); "stuck" ends stuck."""

    def __init__(self) -> None:
        self.prompts: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = urlsplit(str(request.url))
        ids = parse_qs(url.query).get("ids", [])
        if request.method == "POST" and url.path == "/api/v1/app-conversations":
            body = json.loads(request.content)
            text = body["initial_message"]["content"][0]["text"]
            if "fail" in text:
                return httpx.Response(400, json={"detail": "refused"})
            self.prompts.append(body)
            n = len(self.prompts)
            return httpx.Response(200, json=self.task(n, "WORKING"))
        if url.path == "/api/v1/app-conversations/start-tasks":
            return httpx.Response(200, json=[self.task(int(i[-2:], 16), "READY") for i in ids])
        if url.path == "/api/v1/app-conversations":
            return httpx.Response(200, json=[self.conversation(int(i[-2:], 16)) for i in ids])
        if url.path.endswith("/events/count"):
            return httpx.Response(200, json=7)
        return httpx.Response(404, json={"detail": "Not Found"})

    def task(self, n: int, status: str) -> dict[str, Any]:
        return {"id": task_id(n), "status": status, "detail": None, "sandbox_id": "sb", "agent_server_url": None,
                "request": {}, "app_conversation_id": conv_id(n) if status == "READY" else None}

    def conversation(self, n: int) -> dict[str, Any]:
        text = self.prompts[n - 1]["initial_message"]["content"][0]["text"] if n <= len(self.prompts) else ""
        return {"id": conv_id(n), "sandbox_id": "sb", "sandbox_status": "RUNNING", "title": "t",
                "execution_status": "stuck" if "stuck" in text else "finished", "session_api_key": "agent-key"}


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    fake = FakeServer()

    async def no_wait(_s: float) -> None:
        pass

    def client(ctx: cli_main.CLIContext, rate: float) -> AsyncOpenHandsV1:
        return AsyncOpenHandsV1(ctx.base_url, api_key=ctx.api_key, http_transport=httpx.MockTransport(fake),
                                limiter=AsyncRateLimiter(rate), max_retries=0, sleep=no_wait)

    monkeypatch.setattr(cli_batch, "_async_client", client)
    return fake


def run(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli_main.main(["--base-url", "http://127.0.0.1:3000", "--api-key", APP_KEY, *argv])
    out, err = capsys.readouterr()
    assert APP_KEY not in out + err
    return code, out, err


def prompts_file(tmp_path: Path, *lines: str) -> str:
    path = tmp_path / "prompts.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_all_finished_exit_0_with_a_summary_table(server: FakeServer, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    file = prompts_file(tmp_path, "say hello", "", json.dumps({"prompt": "fix it", "repo": "o/r", "branch": "b",
                                                               "title": "T"}))
    code, out, err = run("start-conversation", "--prompts-file", file, "--concurrency", "2", capsys=capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["#", "conversation", "status", "events", "time", "error"]
    assert [line.split()[2] for line in lines[1:]] == ["finished", "finished"]
    assert [line.split()[3] for line in lines[1:]] == ["7", "7"]
    assert err.count("done") == 2  # not a TTY: one progress line per item
    sent = {p["initial_message"]["content"][0]["text"]: p for p in server.prompts}
    assert sent["fix it"]["selected_repository"] == "o/r" and sent["fix it"]["selected_branch"] == "b"
    assert sent["fix it"]["title"] == "T"


def test_a_failure_and_a_stuck_one_are_rows_and_exit_1(server: FakeServer, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    file = prompts_file(tmp_path, "one", "please fail", "get stuck", "four")
    code, out, _ = run("--json", "start-conversation", "--prompts-file", file, "--concurrency", "3", capsys=capsys)
    rows = json.loads(out)
    assert code == 1 and [r["index"] for r in rows] == [0, 1, 2, 3]
    assert [r["status"] for r in rows] == ["finished", "failed", "stuck", "finished"]
    assert "BadRequestError" in rows[1]["error"] and rows[1]["conversation_id"] is None
    assert all(r["conversation_id"] for i, r in enumerate(rows) if i != 1)


def test_count_events_for_several_ids(server: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run("--json", "count-events", conv_id(1), "not-a-uuid", conv_id(2), capsys=capsys)
    rows = json.loads(out)
    assert code == 1 and [r["count"] for r in rows] == [7, None, 7]
    assert "InvalidArgumentError" in rows[1]["error"]


@pytest.mark.parametrize(("lines", "words"), [
    (("{not json",), "line 1: not a JSON object"),
    (("ok", '{"prompt": "x", "colour": "red"}'), "line 2: unknown field(s) ['colour']"),
    (('{"prompt": 3}',), "'prompt' must be a string"),
    (("",), "holds no prompt"),
])
def test_bad_prompts_files_are_usage_errors(lines: tuple[str, ...], words: str, tmp_path: Path,
                                            server: FakeServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run("start-conversation", "--prompts-file", prompts_file(tmp_path, *lines), capsys=capsys)
    assert code == 2 and out == "" and words in err and server.prompts == []


def test_progress_line_is_redrawn_on_a_tty(server: FakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    monkeypatch.setattr(cli_main.sys, "stderr", tty)
    ctx = cli_main.CLIContext(base_url="http://127.0.0.1:3000", api_key=APP_KEY, stderr=tty)
    args = cli_main.build_parser().parse_args(["start-conversation", "--prompts-file",
                                               prompts_file(tmp_path, "a", "b")])
    assert cli_batch.start_batch(args, ctx) == 0
    drawn = tty.getvalue()
    assert drawn.count("\r") >= 2 and "2/2 done, 0 failed, 0 running" in drawn and drawn.endswith("\n")


def test_sync_wrapper_runs_the_same_fan_out(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import openhands_api.v1._fanout as fanout

    def twin(client: OpenHandsV1, rate: float) -> AsyncOpenHandsV1:
        return AsyncOpenHandsV1("http://127.0.0.1:3000", api_key=APP_KEY, http_transport=httpx.MockTransport(server),
                                limiter=AsyncRateLimiter(rate), max_retries=0)

    monkeypatch.setattr(fanout, "_async_twin", twin)
    with OpenHandsV1("http://127.0.0.1:3000", api_key=APP_KEY) as oh:
        outcomes = start_many_sync(oh, ["a", BatchPrompt("b", title="B")], concurrency=2, rate=100)
    assert [o.value.execution_status for o in outcomes if o.value] == ["finished", "finished"]
    assert [o.value.events.count for o in outcomes if o.value and o.value.events] == [7, 7]
    with OpenHandsV1("http://127.0.0.1:3000", api_key=APP_KEY) as oh:
        counted = count_many_sync(oh, [conv_id(2), "not-a-uuid", conv_id(1)], concurrency=2)
    assert [o.value.count if o.value else type(o.error).__name__ for o in counted] == [7, "InvalidArgumentError", 7]

    async def inside_a_loop() -> None:
        start_many_sync(oh, ["a"])

    with pytest.raises(Exception, match="inside an event loop"):
        asyncio.run(inside_a_loop())


def test_read_prompts_file_accepts_plain_and_json_lines(tmp_path: Path) -> None:
    got = read_prompts_file(prompts_file(tmp_path, "plain text", '{"prompt": "p", "repository": "o/r"}'))
    assert got == [BatchPrompt("plain text"), BatchPrompt("p", repository="o/r")]


def test_cli_count_sources_match_the_library() -> None:
    from openhands_api.cli import v1 as cli_v1
    from openhands_api.v1 import SOURCES

    assert cli_v1.SOURCES == SOURCES
