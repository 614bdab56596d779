"""`openhands-api doctor` against the real V1 app server (live only: it reads the server's own /openapi.json)."""

from __future__ import annotations

import pytest
from openhands_api._doctor import check_app
from openhands_api.cli.main import main

pytestmark = pytest.mark.live


def test_doctor_says_compatible(v1_server, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    report = check_app(v1_server.url, v1_server.key)
    assert report.compatible, [f for f in report.findings if not f.ok]
    assert (report.server, report.version) == ("V1 app server", "1.11.0")
    code = main(["doctor", "--base-url", v1_server.url, "--api-key", v1_server.key])
    out, _ = capsys.readouterr()
    assert code == 0 and out.startswith(f"V1 app server 1.11.0 at {v1_server.url}: compatible\n")
    assert v1_server.key not in out
