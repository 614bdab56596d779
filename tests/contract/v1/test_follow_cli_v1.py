"""`openhands-api follow ANY_ID` (V1) and `openhands-api agent --url URL follow ID` through the real
entry point, on the replayed agent-server socket (the V1 app server mocked as in test_follow_v1_replay)."""

from __future__ import annotations

import copy
import json

import httpx
import pytest
from openhands_api.cli import main as cli_main
from openhands_api.cli import v1_extra
from openhands_api.v1 import OpenHandsV1

from tests.contract.agent.test_follow_replay import KEY, listed_ids
from tests.contract.agent.ws_replay import Plan, ReplayServer, Transcript
from tests.contract.v1.test_follow_v1_replay import APP, app_server

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
APP_KEY = "app-key-that-must-not-print"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli_main.main(list(argv))
    out, err = capsys.readouterr()
    assert KEY not in out + err and APP_KEY not in out + err
    return code, out, err


def mock_app(monkeypatch: pytest.MonkeyPatch, conversation_id: str, agents: list[tuple[str, str]]) -> None:
    handler, _ = app_server(conversation_id, agents)

    def client(ctx: cli_main.CLIContext) -> OpenHandsV1:
        return OpenHandsV1(ctx.base_url, api_key=ctx.api_key, http_transport=httpx.MockTransport(handler))

    monkeypatch.setattr(v1_extra, "_client", client)


def test_v1_follow_prints_every_event_and_exits_0_when_settled_finished(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    hello = Transcript.load("hello-1.34")
    new_key = "resumed-key-0123456789abcdef"
    with ReplayServer(hello, KEY, plans=[Plan(send=4, then="drop", lose=2, new_key=new_key), Plan()]) as server:
        mock_app(monkeypatch, hello.conversation_id, [(server.url, KEY), (server.url, new_key)])
        code, out, err = run(capsys, "--base-url", APP, "--api-key", APP_KEY, "--json", "follow",
                             hello.conversation_id, "--settle", "0.3")
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == listed_ids(hello)
    assert f"conversation {hello.conversation_id} settled: finished ({len(hello.events)} events" in err
    assert new_key not in out + err


def test_v1_follow_exits_1_when_it_settles_in_error(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    failed = copy.deepcopy(Transcript.load("hello"))
    for record in (*failed.frames, *failed.events):
        if record.get("value") == "finished":
            record["value"] = "error"
    with ReplayServer(failed, KEY) as server:
        mock_app(monkeypatch, failed.conversation_id, [(server.url, KEY)])
        code, out, err = run(capsys, "--base-url", APP, "--api-key", APP_KEY, "follow", failed.conversation_id,
                             "--settle", "0.3")
    assert code == 1 and "settled: error" in err and len(out.splitlines()) == len(failed.events)


def test_agent_follow_through_the_entry_point(capsys: pytest.CaptureFixture[str]) -> None:
    hello = Transcript.load("hello")
    with ReplayServer(hello, KEY) as server:
        code, out, err = run(capsys, "agent", "--url", server.url, "--session-key", KEY, "follow",
                             hello.conversation_id, "--settle", "0.3")
    assert code == 0 and len(out.splitlines()) == len(hello.events) and "settled: finished" in err
