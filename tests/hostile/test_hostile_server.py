"""Every answer is a typed result or an OpenHandsAPIError, every id stays in its segment, every call ends.

Each test runs one scenario of a misbehaving server (tests/hostile/server.py, 127.0.0.1) through the
public clients and asserts the typed outcome, an upper bound on the elapsed time (generous: a 2 s
deadline must end the call well under 30 s on a loaded machine) and the path the server received.
docs/hostile-servers.md lists every test here beside what the client does; test_docs_table.py
keeps the two in sync.
"""

from __future__ import annotations

import asyncio
import gzip
import logging
import time
from collections.abc import Iterator

import pytest
from openhands_api import (
    AgentServerClient,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AsyncAgentServerClient,
    BadRequestError,
    InvalidArgumentError,
    NotFoundError,
    ServerError,
    UnexpectedContentError,
)

from .server import CLOSE, HostileServer, Received, hostile, http, trickle

KEY = "hostile-test-session-key-0123456789"
CID = "0123456789abcdef0123456789abcdef"
EVENTS = f"/api/conversations/{CID}/events"


@pytest.fixture(autouse=True)
def short_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENHANDS_API_DEADLINE_S", "2")


@pytest.fixture
def timer() -> Iterator[list[float]]:
    started = time.monotonic()
    elapsed: list[float] = []
    yield elapsed
    elapsed.append(time.monotonic() - started)


def agent(server: HostileServer, **kwargs: object) -> AgentServerClient:
    return AgentServerClient(server.url, KEY, max_retries=0, **kwargs)  # type: ignore[arg-type]


def answer(*steps: bytes | float):  # type: ignore[no-untyped-def]
    return lambda _request: list(steps)


def elapsed_since(started: float) -> float:
    return time.monotonic() - started


# --- every call ends --------------------------------------------------------------------------------


def test_trickled_body_ends_at_the_deadline() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    with hostile(answer(head, *trickle(b"1" * 100000, 0.25))) as server, agent(server) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match="deadline of 2 s"):
            client.count_events(CID)
        assert 1.5 < elapsed_since(started) < 30
        assert server.paths == [f"{EVENTS}/count"]


def test_trickled_headers_end_at_the_deadline() -> None:
    with hostile(answer(*trickle(b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 5000 + b"\r\n\r\n", 0.25))) as server, \
            agent(server) as client:
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            client.count_events(CID)
        assert elapsed_since(started) < 30


def test_trickled_body_ends_at_the_deadline_async() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"

    async def scenario(url: str) -> None:
        async with AsyncAgentServerClient(url, KEY, max_retries=0) as client:
            with pytest.raises(APITimeoutError):
                await client.count_events(CID)

    with hostile(answer(head, *trickle(b"1" * 100000, 0.25))) as server:
        started = time.monotonic()
        asyncio.run(scenario(server.url))
        assert 1.5 < elapsed_since(started) < 30


def test_the_deadline_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    from openhands_api import ConfigurationError
    from openhands_api._base import BaseClient
    from openhands_api._constants import DEFAULT_CALL_DEADLINE_S

    assert AgentServerClient("http://127.0.0.1:9", KEY)._transport.deadline_s == 2.0  # $OPENHANDS_API_DEADLINE_S
    assert BaseClient("http://127.0.0.1:9", auth=None, deadline_s=7)._transport.deadline_s == 7.0
    monkeypatch.delenv("OPENHANDS_API_DEADLINE_S")
    assert AgentServerClient("http://127.0.0.1:9", KEY)._transport.deadline_s == DEFAULT_CALL_DEADLINE_S == 300
    for bad in ("0", "-1", "soon", "inf", "nan"):
        monkeypatch.setenv("OPENHANDS_API_DEADLINE_S", bad)
        with pytest.raises(ConfigurationError):
            AgentServerClient("http://127.0.0.1:9", KEY)


def test_silent_server_ends_at_the_deadline_even_with_retries() -> None:
    with hostile(answer(30.0)) as server, AgentServerClient(server.url, KEY) as client:  # default retries
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            client.get_conversation(CID)
        assert elapsed_since(started) < 30
        assert server.paths[0] == f"/api/conversations/{CID}"


def test_retry_after_on_503_is_honoured() -> None:
    answers = iter([http(503, {"detail": "busy"}, headers={"Retry-After": "1"}), http(200, 12)])
    with hostile(lambda _r: [next(answers)]) as server, AgentServerClient(server.url, KEY) as client:
        started = time.monotonic()
        assert client.count_events(CID) == 12
        assert 0.9 < elapsed_since(started) < 30
        assert server.paths == [f"{EVENTS}/count"] * 2


def test_retry_after_beyond_the_deadline_is_not_waited_for() -> None:
    with hostile(answer(http(503, {"detail": "busy"}, headers={"Retry-After": "50"}))) as server, \
            AgentServerClient(server.url, KEY) as client:
        started = time.monotonic()
        with pytest.raises(ServerError):
            client.count_events(CID)
        assert elapsed_since(started) < 10
        assert len(server.paths) == 1


# --- sizes ----------------------------------------------------------------------------------------------


def test_declared_huge_body_is_refused_before_reading() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n["
    with hostile(answer(head, 5.0)) as server, agent(server) as client:
        started = time.monotonic()
        with pytest.raises(UnexpectedContentError, match="larger than"):
            client.search_events(CID)
        assert elapsed_since(started) < 30


def test_endless_body_is_refused_at_the_cap() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunk = b"%x\r\n%s\r\n" % (1 << 20, b" " * (1 << 20))
    with hostile(answer(head, *[chunk] * 80)) as server, agent(server) as client:
        client._transport.deadline_s = 60  # the cap, not the deadline, must end this one
        with pytest.raises(UnexpectedContentError, match="larger than 67108864 bytes"):
            client.search_events(CID)


# --- bodies that are not what they claim ----------------------------------------------------------------


def test_deeply_nested_success_body() -> None:
    with hostile(answer(http(200, b"[" * 100000 + b"]" * 100000))) as server, agent(server) as client:
        with pytest.raises(UnexpectedContentError, match="nested too deeply"):
            client.search_events(CID)


def test_deeply_nested_error_body() -> None:
    with hostile(answer(http(500, b'{"detail":' + b"[" * 100000 + b"]" * 100000 + b"}"))) as server, agent(server) as client:
        with pytest.raises(ServerError):
            client.search_events(CID)


def test_lying_content_encoding() -> None:
    with hostile(answer(http(200, b'{"items": []}', headers={"Content-Encoding": "gzip"}))) as server, agent(server) as client:
        with pytest.raises(UnexpectedContentError, match="Content-Encoding"):
            client.search_events(CID)


def test_gzip_bomb_is_refused_at_the_cap() -> None:
    bomb = gzip.compress(b" " * (80 << 20), compresslevel=9)
    with hostile(answer(http(200, bomb, headers={"Content-Encoding": "gzip"}))) as server, agent(server) as client:
        with pytest.raises(UnexpectedContentError, match="larger than"):
            client.search_events(CID)


def test_fastapi_detail_with_null_loc() -> None:
    body = {"detail": [{"loc": None, "msg": "bad"}, {"loc": "query", "msg": None}, {"msg": 3}, "x"]}
    with hostile(answer(http(422, body))) as server, agent(server) as client:
        with pytest.raises(BadRequestError, match="bad"):
            client.search_events(CID)


def test_huge_integer_count_and_error_body() -> None:
    with hostile(answer(http(200, b"9" * 5000))) as server, agent(server) as client:
        with pytest.raises(UnexpectedContentError):
            client.count_events(CID)
    with hostile(answer(http(500, b'{"detail": ' + b"9" * 5000 + b"}"))) as server, agent(server) as client:
        with pytest.raises(ServerError):
            client.count_events(CID)


@pytest.mark.parametrize("body", [b'"12"', b"[12]", b'{"count": 12}', b"null", b"true", b"12.5"])
def test_count_of_the_wrong_type(body: bytes) -> None:
    with hostile(answer(http(200, body))) as server, agent(server) as client:
        with pytest.raises(UnexpectedContentError):
            client.count_events(CID)


@pytest.mark.parametrize("body", [b"[]", b'{"items": []}', b'["x", "y"]', b"[null]"])
def test_batch_answer_of_the_wrong_shape(body: bytes) -> None:
    with hostile(answer(http(200, body))) as server, agent(server) as client:
        with pytest.raises(UnexpectedContentError):
            client.get_conversations([CID, CID])


def test_not_http_at_all() -> None:
    with hostile(answer(b"SSH-2.0-OpenSSH_9.6\r\n", CLOSE)) as server, agent(server) as client:
        with pytest.raises(APIConnectionError, match="connection failed"):
            client.count_events(CID)


def test_connection_dropped_mid_body() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"items\": ["
    with hostile(answer(head, CLOSE)) as server, agent(server) as client:
        with pytest.raises(APIConnectionError, match="connection failed"):
            client.search_events(CID)


def test_redirect_names_the_location() -> None:
    with hostile(answer(http(302, b"", headers={"Location": "https://elsewhere.example/api"}))) as server, \
            agent(server) as client:
        with pytest.raises(APIStatusError, match=r"redirects to https://elsewhere\.example/api") as caught:
            client.count_events(CID)
        assert "base URL is probably wrong" in caught.value.hint
        assert server.paths == [f"{EVENTS}/count"]


def test_404_on_a_file_route_gets_a_file_hint(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with hostile(answer(http(404, {"detail": "Not Found"}))) as server, agent(server) as client:
        with pytest.raises(NotFoundError) as caught:
            client.download_file("/workspace/missing.txt", tmp_path / "x")
        assert "file" in caught.value.hint and "conversation" not in caught.value.hint
        assert server.paths == ["/api/file/download?path=%2Fworkspace%2Fmissing.txt"]


# --- ids ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["", ".", "..", "a/b", "a\\b", " a", "a b", "a\nb", "a\x00b", "a\tb"])
def test_ids_that_cannot_be_one_segment_are_refused_before_any_request(bad: str) -> None:
    from openhands_api.compat.v0 import OpenHandsAPI
    from openhands_api.v1 import OpenHandsV1

    with hostile(answer(http(200, {}))) as server, agent(server) as client, \
            OpenHandsV1(server.url, api_key=KEY) as v1, OpenHandsAPI(api_key=KEY, base_url=server.url) as v0:
        calls = [lambda: client.get_conversation(bad), lambda: client.get_event(CID, bad), lambda: v1.get_conversation(bad),
                 lambda: v1.pause_sandbox(bad), lambda: v1.download_trajectory(bad, "/nonexistent/t.zip"),
                 lambda: v0.get_conversation(bad)]
        for call in calls:
            with pytest.raises(InvalidArgumentError):
                call()
        assert server.paths == []


@pytest.mark.parametrize(("odd", "sent"), [("a?b", "a%3Fb"), ("a#b", "a%23b"), ("100%", "100%25"), ("%2e%2e", "%252e%252e"),
                                           ("ü", "%C3%BC")])
def test_ids_with_special_characters_reach_exactly_their_route(odd: str, sent: str) -> None:
    with hostile(answer(http(404, {"detail": "no"}))) as server, agent(server) as client:
        with pytest.raises(NotFoundError):
            client.get_conversation(odd)
        assert server.paths == [f"/api/conversations/{sent}"]


# --- iterators -------------------------------------------------------------------------------------------


def page(items: list[object], next_page_id: str | None) -> bytes:
    return http(200, {"items": items, "next_page_id": next_page_id})


def event(i: int) -> dict[str, object]:
    return {"kind": "PauseEvent", "id": f"e{i}", "timestamp": "2026-01-01T00:00:00", "source": "user"}


def test_repeated_cursor_stops_the_iterator() -> None:
    with hostile(answer(page([event(1)], "same"))) as server, agent(server) as client:
        with pytest.raises(UnexpectedContentError, match="twice"):
            list(client.iter_events(CID))
        assert len(server.paths) == 2


def test_endless_empty_pages_stop_the_iterator() -> None:
    counter = iter(range(10**6))
    with hostile(lambda _r: [page([], f"c{next(counter)}")]) as server, agent(server) as client:
        with pytest.raises(UnexpectedContentError, match="empty pages"):
            list(client.iter_events(CID))
        assert len(server.paths) == 11


def test_a_listing_that_never_ends_stops_after_max_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    from openhands_api import _constants

    monkeypatch.setattr(_constants, "MAX_PAGES", 5)
    counter = iter(range(10**6))
    with hostile(lambda _r: [page([event(1)], f"c{next(counter)}")]) as server, agent(server) as client:
        with pytest.raises(UnexpectedContentError, match="past 5 pages"):
            client.count_events_by_kind(CID)
        assert len(server.paths) == 6


def test_v0_events_that_do_not_advance_stop_the_iterator() -> None:
    from openhands_api.compat.v0 import OpenHandsAPI

    body = {"events": [{"id": 0, "source": "agent"}, {"id": 1, "source": "agent"}], "has_more": True}
    with hostile(answer(http(200, body))) as server, OpenHandsAPI(api_key=KEY, base_url=server.url) as api:
        with pytest.raises(UnexpectedContentError, match="stopping"):
            list(api.iter_events(CID, page_size=2))
        assert len(server.paths) == 2


def test_max_items_always_holds() -> None:
    counter = iter(range(10**6))
    with hostile(lambda _r: [page([event(i) for i in range(5)], f"c{next(counter)}")]) as server, agent(server) as client:
        assert len(list(client.iter_events(CID, page_size=5, max_items=7))) == 7
        assert len(server.paths) == 2
        assert list(client.iter_events(CID, max_items=0)) == []
        assert len(server.paths) == 2


# --- keys never logged ------------------------------------------------------------------------------------


def test_reflected_key_never_reaches_a_log_record(caplog: pytest.LogCaptureFixture) -> None:
    def reflect(request: Received) -> list[bytes | float]:
        key = request.headers.get("x-session-api-key", "")
        return [http(500, {"detail": f"bad key {key}"}, headers={"X-Echo-Key": key})]

    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "openhands_api"):
        caplog.set_level(logging.DEBUG, logger=name)
    with hostile(reflect) as server, AgentServerClient(server.url, KEY, max_retries=1) as client:
        with pytest.raises(ServerError) as caught:
            client.count_events(CID)
    assert KEY not in str(caught.value)
    names = {record.name.split(".")[0] for record in caplog.records}
    assert {"httpcore", "httpx", "openhands_api"} <= names  # the DEBUG lines were really written
    for record in caplog.records:
        assert KEY not in record.getMessage()
    assert KEY not in caplog.text
    assert server.received[0].headers["x-session-api-key"] == KEY  # it was sent, only never logged


# --- uploads ------------------------------------------------------------------------------------------------


def test_uploads_use_a_fresh_random_boundary() -> None:
    with hostile(answer(http(200, {"success": True, "path": "/w/f", "file_size": 3}))) as server, agent(server) as client:
        client.upload_file(b"abc", "/w/f")
        client.upload_file(b"\r\n--+++--\r\n", "/w/f")
    boundaries = [r.headers["content-type"].split("boundary=")[1] for r in server.received]
    assert len(set(boundaries)) == 2 and "+++" not in boundaries
    assert server.received[1].body.count(b"\r\n--+++--\r\n") == 1  # the content, intact
