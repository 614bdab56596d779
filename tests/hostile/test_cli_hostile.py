"""The CLI against a misbehaving server: exit 1 and exactly one stderr line, whatever it sends.

An unexpected exception (a bug) is one line too; ``--debug`` adds the traceback. A redirect names
its Location and says the base URL is probably wrong; a 404 on a file route gets the file hint.
"""

from __future__ import annotations

import time

import pytest
from openhands_api import AgentServerClient
from openhands_api.cli.main import main

from .server import CLOSE, hostile, http, trickle
from .test_hostile_server import CID, KEY


@pytest.fixture(autouse=True)
def short_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENHANDS_API_DEADLINE_S", "2")


def run(capsys: pytest.CaptureFixture[str], url: str, *command: str) -> tuple[int, list[str]]:
    code = main(["agent", "--url", url, "--session-key", KEY, *command])
    err = capsys.readouterr().err
    assert KEY not in err
    return code, err.splitlines()


SERVER_BEHAVIOURS = {
    "status-500-multiline": [http(500, {"detail": "line one\nline two\r\n\x1b[31mred"})],
    "deep-nesting": [http(200, b"[" * 100000 + b"]" * 100000)],
    "lying-gzip": [http(200, b"12", headers={"Content-Encoding": "gzip"})],
    "html-200": [http(200, b"<!doctype html><html></html>", content_type="text/html")],
    "null-loc-422": [http(422, {"detail": [{"loc": None, "msg": "bad"}]})],
    "not-http": [b"garbage\r\n\r\n", CLOSE],
    "hang-up": [CLOSE],
    "trickle": [b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", *trickle(b"1" * 1000, 0.25)],
    "reflected-key": [],  # filled per request below
}


@pytest.mark.parametrize("behaviour", sorted(SERVER_BEHAVIOURS))
def test_any_server_behaviour_is_exit_1_and_one_line(capsys: pytest.CaptureFixture[str], behaviour: str) -> None:
    def respond(request):  # type: ignore[no-untyped-def]
        if behaviour == "reflected-key":
            key = request.headers.get("x-session-api-key", "")
            return [http(401, {"detail": f"wrong key {key}"}, headers={"X-Key": key})]
        return SERVER_BEHAVIOURS[behaviour]

    with hostile(respond) as server:
        started = time.monotonic()
        code, lines = run(capsys, server.url, "count-events", CID)
    assert code == 1
    assert len(lines) == 1 and lines[0].startswith("openhands-api: error: "), lines
    assert time.monotonic() - started < 30


def test_redirect_names_the_location(capsys: pytest.CaptureFixture[str]) -> None:
    with hostile(lambda _r: [http(301, b"", headers={"Location": "https://right.example/"})]) as server:
        code, lines = run(capsys, server.url, "count-events", CID)
    assert code == 1 and len(lines) == 1
    assert "https://right.example/" in lines[0] and "base URL is probably wrong" in lines[0]


def test_404_on_a_file_route_gets_the_file_hint(capsys: pytest.CaptureFixture[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    with hostile(lambda _r: [http(404, {"detail": "Not Found"})]) as server:
        code, lines = run(capsys, server.url, "download", "/workspace/nope.txt", str(tmp_path / "x"))
    assert code == 1 and len(lines) == 1
    assert "no such file" in lines[0] and "conversation" not in lines[0]


def test_an_unexpected_exception_is_one_line_and_debug_shows_the_traceback(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_a: object, **_k: object) -> int:
        raise RuntimeError(f"a bug\nover two lines with {KEY}")

    monkeypatch.setattr(AgentServerClient, "count_events", broken)
    with hostile(lambda _r: [http(200, 1)]) as server:
        code, lines = run(capsys, server.url, "count-events", CID)
        assert code == 1 and len(lines) == 1
        assert "unexpected error: RuntimeError: a bug over two lines" in lines[0] and "--debug" in lines[0]
        code, lines = run(capsys, server.url, "--debug", "count-events", CID)
    assert code == 1 and lines[0].startswith("Traceback") and "RuntimeError" in "\n".join(lines)
    assert lines[-1].startswith("openhands-api: unexpected error:")
