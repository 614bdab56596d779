"""`openhands-api doctor` offline: each check's finding, the verdict and the exit code (MockTransport servers)."""

from __future__ import annotations

import copy
import email.utils
import functools
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openhands_api import _doctor
from openhands_api._doctor import check_agent, check_app, load_summary
from openhands_api.cli.main import main

NOW = 1_800_000_000.0
KEY = "doctor-test-key-never-printed"


def server(live: Any, *, version: str = "1.58.2", date_offset_s: float = 0.0, key_ok: bool = True,
           status: Callable[[httpx.Request], int | None] | None = None) -> httpx.MockTransport:
    """A fake server: /openapi.json is ``live``; every other read answers a minimal valid body."""

    def handle(request: httpx.Request) -> httpx.Response:
        headers = {"date": email.utils.formatdate(NOW + date_offset_s, usegmt=True)}
        path = request.url.path
        if path == "/openapi.json":
            return httpx.Response(200, json=live, headers=headers) if isinstance(live, dict) else \
                httpx.Response(200, text=str(live), headers={**headers, "content-type": "text/html"})
        if path == "/server_info":
            return httpx.Response(200, json={"uptime": 1.0, "idle_time": 1.0, "version": version}, headers=headers)
        if not key_ok:
            return httpx.Response(401, json={"detail": "Unauthorized"}, headers=headers)
        bodies = {"/api/conversations/count": 0, "/api/v1/users/me": {"id": "u"},
                  "/api/conversations": {"results": [], "next_page_id": None}}
        return httpx.Response(200, json=bodies[path], headers=headers)

    return httpx.MockTransport(handle)


def document(family: str) -> dict[str, Any]:
    """What a server that matches the bundled spec exactly would publish."""
    return copy.deepcopy(load_summary(family)["document"])


def agent_report(transport: httpx.MockTransport) -> _doctor.DoctorReport:
    return check_agent("http://127.0.0.1:9", KEY, http_transport=transport, now=lambda: NOW)


def test_a_matching_agent_server_is_compatible() -> None:
    report = agent_report(server(document("agent")))
    assert report.compatible and (report.server, report.version) == ("agent server", "1.58.2")
    assert [(f.check, f.ok) for f in report.findings] == [("reach", True), ("clock", True), ("server", True), ("key", True), ("drift", True)]
    assert report.findings[1].message.startswith("clock skew +0 s")


def test_each_unacknowledged_difference_is_one_failing_finding() -> None:
    live = document("agent")
    del live["paths"]["/api/git/diff"]
    live["paths"]["/api/bash/start_bash_command"]["post"]["responses"]["201"] = {"description": "new"}
    report = agent_report(server(live))
    failing = [f.message for f in report.findings if not f.ok]
    assert not report.compatible
    assert failing == [
        "GET /api/git/diff: operation not on the server (not acknowledged in specs/drift-ack.yaml)",
        "POST /api/bash/start_bash_command: status 201 only on the server (not acknowledged in specs/drift-ack.yaml)",
    ]


def test_acknowledged_differences_apply_to_their_versions_only() -> None:
    # `query:commit only in the spec` is acknowledged for 1.34.0 alone (1.34 has no commit parameter).
    live = document("agent")
    live["paths"]["/api/git/diff"]["get"]["parameters"] = [
        p for p in live["paths"]["/api/git/diff"]["get"]["parameters"] if p.get("name") != "commit"]
    assert agent_report(server(live, version="1.34.0")).compatible
    pinned = agent_report(server(live))
    assert [f.message for f in pinned.findings if not f.ok] == [
        "GET /api/git/diff: parameter query:commit only in the spec (not acknowledged in specs/drift-ack.yaml)"]


def test_clock_skew_over_the_limit_fails() -> None:
    report = agent_report(server(document("agent"), date_offset_s=-3600))
    clock = next(f for f in report.findings if f.check == "clock")
    assert not clock.ok and clock.message.startswith("clock skew +3600 s") and "NTP" in clock.message


def test_a_refused_key_fails_without_showing_it() -> None:
    report = agent_report(server(document("agent"), key_ok=False))
    key = next(f for f in report.findings if f.check == "key")
    assert not key.ok and key.message == "the key is refused (401); it is never printed"
    assert KEY not in json.dumps(report.to_json())


def test_an_unreachable_server_is_one_finding() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    report = agent_report(httpx.MockTransport(refuse))
    assert [(f.check, f.ok) for f in report.findings] == [("reach", False)]
    assert report.server is None and not report.compatible


def test_a_web_page_instead_of_openapi_is_not_a_server() -> None:
    report = agent_report(server("<html>hello</html>"))
    assert [(f.check, f.ok) for f in report.findings] == [("reach", True), ("clock", True), ("server", False)]


@pytest.mark.parametrize(("family", "name"), [("v1", "V1 app server"), ("v0", "V0 app server")])
def test_an_app_server_is_checked_as_the_api_it_matches(family: str, name: str) -> None:
    live = document(family)
    live["info"] = {"version": "1.11.0"}
    if family == "v0":  # openhands-ai 1.6.0 serves /api/v1 routes too: V0 still matches best
        live["paths"]["/api/v1/app-conversations"] = {"get": {"responses": {"200": {"description": "a page"}}}}
    report = check_app("http://127.0.0.1:9", KEY, http_transport=server(live), now=lambda: NOW)
    assert report.compatible, report.findings
    assert (report.server, report.version) == (name, "1.11.0")
    forced = check_app("http://127.0.0.1:9", KEY, api="v1" if family == "v0" else "v0", http_transport=server(live), now=lambda: NOW)
    assert not forced.compatible


def test_cli_one_line_per_finding_json_and_exit_codes(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    live = document("agent")
    fake = functools.partial(check_agent, http_transport=server(live), now=lambda: NOW)
    monkeypatch.setattr(_doctor, "check_agent", fake)  # the command imports it when it runs
    assert main(["doctor", "agent", "--url", "http://127.0.0.1:9", "--session-key", KEY]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "agent server 1.58.2 at http://127.0.0.1:9: compatible"
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["ok"] * 5 and KEY not in out
    del live["paths"]["/api/git/diff"]
    assert main(["doctor", "agent", "--url", "http://127.0.0.1:9", "--session-key", KEY, "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["compatible"] is False and data["findings"][-1] == {
        "check": "drift", "ok": False, "message": "GET /api/git/diff: operation not on the server (not acknowledged in specs/drift-ack.yaml)"}


def test_a_malformed_document_is_a_finding_not_a_crash() -> None:
    live = document("agent")
    live["components"] = {}  # every $ref dangles
    drift = agent_report(server(live)).findings[-1]
    assert drift.check == "drift" and not drift.ok and drift.message.startswith("the server's /openapi.json cannot be compared: KeyError")
