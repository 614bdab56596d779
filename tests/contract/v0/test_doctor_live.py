"""`openhands-api doctor` against the real V0 app server (live only: it reads the server's own /openapi.json)."""

from __future__ import annotations

import pytest
from openhands_api._doctor import check_app
from openhands_api.cli.main import main

pytestmark = pytest.mark.live


def test_doctor_says_compatible(v0_server, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    report = check_app(v0_server.url, v0_server.key)
    assert report.compatible, [f for f in report.findings if not f.ok]
    assert report.server == "V0 app server"
    code = main(["doctor", "--base-url", v0_server.url, "--api-key", v0_server.key, "--json"])
    out, _ = capsys.readouterr()
    assert code == 0 and '"compatible": true' in out and v0_server.key not in out
