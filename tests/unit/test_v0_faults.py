"""V0 client: bad input, server faults, auth headers, seed compatibility, connection handling (MockTransport)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from openhands_api import (
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    InvalidArgumentError,
    NotFoundError,
    OpenHandsAPI,
    ServerError,
    UnexpectedContentError,
    V0Client,
)
from openhands_api.v0 import (
    AsyncV0Client,
    ConversationNotRunningError,
    CreatedConversation,
    InvalidCursorError,
)

from tests.twins import Twin, sleeper

pytestmark = pytest.mark.usefixtures("both_twins")  # every test runs on the sync client and on the async one

CID = "b" * 32
LOCAL = "http://127.0.0.1:3000"
CRASH = {"content": b"Internal Server Error", "headers": {"content-type": "text/plain; charset=utf-8"}}
CONVERSATION = {"conversation_id": CID, "title": "t", "status": "RUNNING", "url": f"/api/conversations/{CID}"}


class Recorder:
    def __init__(self, respond: Callable[[httpx.Request], httpx.Response]) -> None:
        self.respond = respond
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.respond(request)


def client(respond: Callable[[httpx.Request], httpx.Response], **kwargs: object) -> tuple[V0Client, Recorder]:
    recorder = Recorder(respond)
    kwargs.setdefault("api_key", "unit-test-key")
    kwargs.setdefault("base_url", LOCAL)
    api: V0Client = Twin.build(V0Client, AsyncV0Client, http_transport=httpx.MockTransport(recorder),
                               sleep=sleeper(Twin.kind), **kwargs)
    return api, recorder


def never_called(_request: httpx.Request) -> httpx.Response:
    raise AssertionError("no request may be sent")


@pytest.mark.parametrize("limit", [0, -1, 101, True])
def test_limits_outside_1_to_100_fail_before_any_request(limit: int) -> None:
    api, recorder = client(never_called)
    with pytest.raises(InvalidArgumentError):
        api.get_events(CID, limit=limit)
    with pytest.raises(InvalidArgumentError):
        api.list_conversations(limit=limit)
    with pytest.raises(InvalidArgumentError):
        api.iter_conversations(page_size=limit)
    assert recorder.requests == []


def test_malformed_cursor_is_an_invalid_cursor_error_after_one_request() -> None:
    api, recorder = client(lambda _r: httpx.Response(500, **CRASH))  # type: ignore[arg-type]
    with pytest.raises(InvalidCursorError) as bad:
        api.list_conversations(page_id="garbage")
    assert len(recorder.requests) == 1  # not retried
    assert "not a valid page cursor" in str(bad.value) and "next_page_id" in bad.value.hint


def test_a_500_without_cursor_is_retried_then_raised_as_server_error() -> None:
    api, recorder = client(lambda _r: httpx.Response(500, **CRASH), max_retries=2)  # type: ignore[arg-type]
    with pytest.raises(ServerError) as failed:
        api.list_conversations()
    assert not isinstance(failed.value, InvalidCursorError)
    assert len(recorder.requests) == 3


def test_repository_without_token_is_a_server_error_with_a_provider_token_hint_and_not_retried() -> None:
    api, recorder = client(lambda _r: httpx.Response(500, **CRASH))  # type: ignore[arg-type]
    with pytest.raises(ServerError) as failed:
        api.create_conversation(initial_user_msg="hi", repository="owner/repo", selected_branch="main")
    assert "provider token" in failed.value.hint
    assert len(recorder.requests) == 1
    # Without a repository the same 500 keeps the generic hint.
    with pytest.raises(ServerError) as plain:
        api.create_conversation(initial_user_msg="hi")
    assert "provider token" not in plain.value.hint


def test_message_to_a_stopped_conversation_says_it_is_not_running() -> None:
    body = {"success": False, "error": f"Error adding message to conversation: no_conversation:{CID}"}
    api, recorder = client(lambda _r: httpx.Response(500, json=body))
    with pytest.raises(ConversationNotRunningError) as not_running:
        api.add_message(CID, "hello")
    assert "is not running" in str(not_running.value) and len(recorder.requests) == 1


def test_unknown_id_null_body_is_not_found() -> None:
    api, _ = client(lambda _r: httpx.Response(200, content=b"null", headers={"content-type": "application/json"}))
    with pytest.raises(NotFoundError) as not_found:
        api.get_conversation(CID)
    assert not_found.value.body is None


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(200, text="<!doctype html><html></html>", headers={"content-type": "text/html"}), UnexpectedContentError),
        (httpx.Response(200, json=["not", "a", "conversation"]), UnexpectedContentError),
        (httpx.Response(200, json={"title": "no id"}), UnexpectedContentError),
        (httpx.Response(401, json={"detail": "Unauthorized"}), AuthenticationError),
    ],
)
def test_wrong_bodies_and_statuses_raise_typed_errors(response: httpx.Response, error: type[Exception]) -> None:
    # A fresh copy per request: a client binds the response it receives to its own stream type.
    api, _ = client(lambda _r: httpx.Response(response.status_code, headers=response.headers, content=response.content))
    with pytest.raises(error):
        api.get_conversation(CID)


def test_timeouts_become_api_timeout_error() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    api, recorder = client(slow, max_retries=1)
    with pytest.raises(APITimeoutError):
        api.get_conversation(CID)
    assert len(recorder.requests) == 2  # a GET is retried once


@pytest.mark.parametrize(
    ("base_url", "scheme", "header", "value"),
    [
        ("http://127.0.0.1:3000", None, "x-session-api-key", "k-123456"),
        ("https://app.all-hands.dev", None, "authorization", "Bearer k-123456"),
        ("https://openhands.example.com", "session-key", "x-session-api-key", "k-123456"),
        ("http://localhost:3000", "bearer", "authorization", "Bearer k-123456"),
    ],
)
def test_auth_header_follows_the_host_or_the_explicit_scheme(base_url: str, scheme: str | None, header: str, value: str) -> None:
    api, recorder = client(lambda _r: httpx.Response(200, json=CONVERSATION), api_key="k-123456", base_url=base_url,
                           auth_scheme=scheme)
    api.get_conversation(CID)
    sent = recorder.requests[0].headers
    assert sent[header] == value
    other = "authorization" if header == "x-session-api-key" else "x-session-api-key"
    assert other not in sent
    assert "k-123456" not in repr(api)


def test_key_and_base_url_come_from_the_seed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENHANDS_API_KEY", "env-key-123456")
    monkeypatch.setenv("OPENHANDS_BASE_URL", "https://cloud.example.com/")
    api = OpenHandsAPI()
    assert api.base_url == "https://cloud.example.com" and api.auth_scheme == "bearer"
    monkeypatch.delenv("OPENHANDS_BASE_URL")
    monkeypatch.setenv("OPENHANDS_APP_BASE", "http://127.0.0.1:3000")
    assert OpenHandsAPI().auth_scheme == "session-key"


def test_cloud_without_any_key_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in ("OPENHANDS_API_KEY", "OPENHANDS_CLOUD_API_KEY", "OH_API_KEY", "OPENHANDS_BASE_URL", "OPENHANDS_APP_BASE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ConfigurationError) as missing:
        OpenHandsAPI()
    assert "OPENHANDS_API_KEY" in str(missing.value)


def test_results_read_like_the_seeds_dicts() -> None:
    created_body = {"status": "ok", "conversation_id": CID, "message": None, "conversation_status": "STARTING"}

    def respond(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(200, json=created_body)
        return httpx.Response(200, json=CONVERSATION | {"future_field": 1})

    api, recorder = client(respond)
    conv = api.create_conversation(initial_user_msg="do it", repository="owner/repo", selected_branch="main")
    assert isinstance(conv, CreatedConversation)
    assert conv["conversation_id"] == CID and conv.conversation_status == "STARTING" and dict(conv) == created_body
    assert json.loads(recorder.requests[0].read()) == {"initial_user_msg": "do it", "repository": "owner/repo", "selected_branch": "main"}
    got = api.get_conversation(CID)
    assert got["status"] == "RUNNING" and got.get("url") == f"/api/conversations/{CID}" and got.get("missing") is None
    assert got["future_field"] == 1  # unknown fields stay readable


def test_a_crash_response_makes_the_next_request_use_a_fresh_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real server closes the socket after an unhandled 500 without saying so (see docs/v0-app-server.md)."""
    pools: list[FakePool] = []

    class FakePool(httpx.BaseTransport):
        def __init__(self, **_options: object) -> None:  # httpx's options (verify=...): not needed here
            self.closed = False
            self.answers = 0
            pools.append(self)

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if self.closed:
                raise httpx.ReadError("Connection reset by peer", request=request)
            self.answers += 1
            if request.url.params.get("page_id") == "garbage":
                return httpx.Response(500, **CRASH)  # type: ignore[arg-type]
            return httpx.Response(200, json={"results": [], "next_page_id": None})

        def close(self) -> None:
            self.closed = True

    monkeypatch.setattr(httpx, "HTTPTransport", FakePool)
    api = V0Client(api_key="unit-test-key", base_url=LOCAL, sleep=lambda _s: None, max_retries=0)
    with pytest.raises(InvalidCursorError):
        api.list_conversations(page_id="garbage")
    assert api.list_conversations().results == []  # would be "connection reset" on the old pool
    used = [pool for pool in pools if pool.answers]  # a pool of an unknown layout is built twice, once unused
    assert len(used) == 2 and used[0].closed and used[1].answers == 1
    api.list_conversations()
    assert [pool for pool in pools if pool.answers] == used and used[1].answers == 2  # a normal answer keeps the pool


def test_a_value_the_request_model_refuses_is_invalid_argument_and_nothing_is_sent() -> None:
    api, recorder = client(lambda _r: httpx.Response(200, json={"status": "ok", "conversation_id": CID}))
    with pytest.raises(InvalidArgumentError, match="git_provider"):
        api.create_conversation("hi", git_provider="no-such-forge")
    assert recorder.requests == []
