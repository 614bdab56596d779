"""`openhands-api doctor agent` against the real agent server (live only: it reads the server's own /openapi.json)."""

from __future__ import annotations

import json

import pytest
from openhands_api._doctor import check_agent
from openhands_api.cli.main import main

pytestmark = pytest.mark.live


def test_doctor_says_compatible(agent_server, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    report = check_agent(agent_server.url, agent_server.session_key)
    assert report.compatible, [f for f in report.findings if not f.ok]
    assert (report.server, report.version) == ("agent server", agent_server.version)
    assert [f.check for f in report.findings] == ["reach", "clock", "server", "key", "drift"]
    code = main(["doctor", "agent", "--url", agent_server.url, "--session-key", agent_server.session_key, "--json"])
    out, _ = capsys.readouterr()
    assert code == 0 and json.loads(out)["compatible"] is True
    assert agent_server.session_key not in out
    code = main(["doctor", "agent", "--url", agent_server.url, "--session-key", "doctor-wrong-key"])
    out, _ = capsys.readouterr()
    assert code == 1 and "FAIL  key: the key is refused (401)" in out and "doctor-wrong-key" not in out
