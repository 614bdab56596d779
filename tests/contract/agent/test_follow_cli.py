"""The ``follow`` CLI command on the replayed agent-server socket (wired here as the agent group will)."""

from __future__ import annotations

import argparse
import copy
import json

import pytest
from openhands_api.cli.follow import register, since_value
from openhands_api.cli.main import CLIContext, common_options

from tests.contract.agent.test_follow_replay import KEY, Agent
from tests.contract.agent.ws_replay import ReplayServer, Transcript

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


def run_cli(capsys: pytest.CaptureFixture[str], url: str, *argv: str) -> tuple[int, str, str]:
    common = common_options()
    parser = argparse.ArgumentParser(parents=[common])
    register(parser.add_subparsers(), common, client=lambda _args: Agent(url, KEY))
    args = parser.parse_args(list(argv))
    code = args.handler(args, CLIContext(json_output=getattr(args, "json_output", False)))
    out, err = capsys.readouterr()
    return code, out, err


def test_follow_prints_each_event_and_exits_0_when_settled_finished(capsys: pytest.CaptureFixture[str]) -> None:
    hello = Transcript.load("hello")
    with ReplayServer(hello, KEY) as server:
        code, out, err = run_cli(capsys, server.url, "follow", hello.conversation_id, "--settle", "0.3")
        assert code == 0
        assert len(out.splitlines()) == len(hello.events) and "SystemPromptEvent" in out.splitlines()[0]
        assert "settled: finished" in err
        code, out, _ = run_cli(capsys, server.url, "follow", hello.conversation_id, "--json", "--settle", "0.3",
                               "--since", hello.events[-3]["id"])
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == [e["id"] for e in hello.events[-2:]]
    assert KEY not in out


def test_follow_exits_1_when_the_conversation_settles_in_error(capsys: pytest.CaptureFixture[str]) -> None:
    failed = copy.deepcopy(Transcript.load("hello"))
    for record in (*failed.frames, *failed.events):
        if record.get("value") == "finished":
            record["value"] = "error"
    with ReplayServer(failed, KEY) as server:
        code, _, err = run_cli(capsys, server.url, "follow", failed.conversation_id, "--settle", "0.3")
    assert code == 1 and "settled: error" in err


def test_since_is_a_time_or_an_event_id() -> None:
    assert since_value("2026-12-01T10:00:00").isoformat() == "2026-12-01T10:00:00"  # type: ignore[union-attr]
    assert since_value("8979f130-0049-45d8-b00e-a70b6699d224") == "8979f130-0049-45d8-b00e-a70b6699d224"
