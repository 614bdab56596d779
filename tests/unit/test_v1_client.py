"""The V1 client's own logic, offline: auth headers, start + wait, stream-start, paging, facade.

Each test drives the client through ``httpx.MockTransport`` with answers shaped like the real
server's (see the cassettes in tests/contract/v1 for the real ones) and an injected ``sleep`` that
records the waits instead of sleeping.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from openhands_api import (
    AuthenticationError,
    InvalidArgumentError,
    NotFoundError,
    OpenHandsV1API,
    RateLimitError,
    ServerError,
    UnexpectedContentError,
    WaitTimeoutError,
)
from openhands_api.v1 import AsyncOpenHandsV1, OpenHandsV1, StartTaskFailedError, StartTaskTimeout

from tests.twins import Twin, sleeper

pytestmark = pytest.mark.usefixtures("both_twins")  # every test runs on the sync client and on the async one

TASK = "7a5c0000000040008000000000000001"
CONV = "c0ffee00c0ffee00c0ffee00c0ffee00"
Handler = Callable[[httpx.Request], httpx.Response]


def task(status: str, **extra: Any) -> dict[str, Any]:
    ready = status == "READY"
    return {"id": TASK, "status": status, "detail": None, "app_conversation_id": CONV if ready else None,
            "sandbox_id": "sb", "agent_server_url": None, "request": {}, **extra}


def make(handler: Handler, base_url: str = "http://127.0.0.1:3000", **kwargs: Any) -> tuple[OpenHandsV1, list[float]]:
    waits: list[float] = []
    client: OpenHandsV1 = Twin.build(OpenHandsV1, AsyncOpenHandsV1, base_url, api_key="the-app-key",
                                     http_transport=httpx.MockTransport(handler), sleep=sleeper(Twin.kind, waits.append),
                                     **kwargs)
    return client, waits


def sequence(*responses: httpx.Response) -> tuple[Handler, list[httpx.Request]]:
    """A handler answering with ``responses`` in order (the last one repeats)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses[min(len(seen) - 1, len(responses) - 1)]

    return handler, seen


# --- auth ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "header", "value"),
    [("http://127.0.0.1:3000", "X-Session-API-Key", "the-app-key"),
     ("https://app.all-hands.dev", "Authorization", "Bearer the-app-key")],
    ids=["local-session-key", "cloud-bearer"],
)
def test_key_is_sent_in_the_scheme_the_host_wants(base_url: str, header: str, value: str) -> None:
    handler, seen = sequence(httpx.Response(200, json=3))
    client, _ = make(handler, base_url)
    assert client.count_conversations() == 3
    assert seen[0].headers[header] == value
    assert "the-app-key" not in repr(client)


def test_explicit_scheme_overrides_the_host_guess() -> None:
    handler, seen = sequence(httpx.Response(200, json=3))
    client, _ = make(handler, "https://oh.example.com", auth_scheme="session-key")
    client.count_conversations()
    assert seen[0].headers["X-Session-API-Key"] == "the-app-key" and "Authorization" not in seen[0].headers


def test_unauthorized_is_an_authentication_error() -> None:
    handler, _ = sequence(httpx.Response(401, json={"detail": "Unauthorized"}))
    client, _ = make(handler)
    with pytest.raises(AuthenticationError) as denied:
        client.me()
    assert "the-app-key" not in str(denied.value)


# --- starting and waiting -----------------------------------------------------------------------


def test_start_body_composes_prompt_file_append_file_repo_and_branch(tmp_path: Path) -> None:
    prompt, extra = tmp_path / "p.md", tmp_path / "a.md"
    prompt.write_text("Fix the bug.")
    extra.write_text("Run the tests.")
    handler, seen = sequence(httpx.Response(200, json=task("WORKING")))
    client, _ = make(handler)
    started = client.start_conversation(prompt_file=prompt, append_file=extra, repository="owner/repo", branch="main",
                                        title="T")
    assert started.status == "WORKING"
    body = json.loads(seen[0].content)
    assert body["initial_message"] == {"role": "user", "content": [{"type": "text", "text": "Fix the bug.\n\nRun the tests."}],
                                       "run": True}
    assert (body["selected_repository"], body["selected_branch"], body["title"]) == ("owner/repo", "main", "T")


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"prompt": "a", "prompt_file": "b"}, {"prompt": "x", "repository": "no-slash"}, {"prompt": "   "},
     {"prompt_file": "/nonexistent/prompt.md"}],
    ids=["no-prompt", "both-prompts", "bad-repo", "blank", "missing-file"],
)
def test_bad_start_arguments_send_nothing(kwargs: dict[str, Any]) -> None:
    handler, seen = sequence(httpx.Response(200, json=task("WORKING")))
    client, _ = make(handler)
    with pytest.raises(InvalidArgumentError):
        if kwargs:
            client.start_conversation(**kwargs)
        else:
            client.start_conversation(append_file="x")
    assert seen == []


def test_start_is_not_retried_after_a_server_error() -> None:
    handler, seen = sequence(httpx.Response(502, text="bad gateway"))
    client, _ = make(handler, max_retries=3)
    with pytest.raises(ServerError):
        client.start_conversation("hi")
    assert len(seen) == 1  # a retry could start a second conversation


def _task_sequence(statuses: list[str], **last: Any) -> Handler:
    answers = iter([[task(s, **(last if i == len(statuses) - 1 else {}))] for i, s in enumerate(statuses)])
    final: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/app-conversations/start-tasks"
        assert parse_qs(urlsplit(str(request.url)).query)["ids"] == [TASK]
        answer = next(answers, None)  # the last answer repeats
        if answer is not None:
            final[:] = [answer]
        return httpx.Response(200, json=final[0])

    return handler


def test_wait_until_ready_reports_progress_and_backs_off_from_2_to_10_s() -> None:
    statuses = ["WORKING"] * 6 + ["WAITING_FOR_SANDBOX", "STARTING_CONVERSATION", "READY"]
    client, waits = make(_task_sequence(statuses))
    seen: list[str] = []
    ready = client.wait_until_ready(TASK, on_progress=lambda t: seen.append(str(t.status)))
    assert ready.app_conversation_id == CONV
    assert seen == statuses
    assert waits == pytest.approx([2.0, 3.0, 4.5, 6.75, 10.0, 10.0, 10.0, 10.0])


def test_start_task_error_surfaces_the_detail() -> None:
    detail = "500: Agent Server Failed to start properly"
    client, _ = make(_task_sequence(["WORKING", "ERROR"], detail=detail))
    with pytest.raises(StartTaskFailedError) as failed:
        client.wait_until_ready(TASK)
    assert failed.value.detail == detail and detail in str(failed.value)
    assert failed.value.task.status == "ERROR"


def test_start_task_error_without_detail_says_where_to_look() -> None:
    client, _ = make(_task_sequence(["ERROR"], detail=""))
    with pytest.raises(StartTaskFailedError) as failed:
        client.wait_until_ready(TASK)
    assert "app server's log" in str(failed.value)


def test_wait_timeout_names_the_last_status() -> None:
    client, _ = make(_task_sequence(["WAITING_FOR_SANDBOX"]))
    with pytest.raises(WaitTimeoutError) as late:
        client.wait_until_ready(TASK, timeout_s=0)
    assert "WAITING_FOR_SANDBOX" in str(late.value)


def test_unknown_start_task_is_not_found() -> None:
    handler, _ = sequence(httpx.Response(200, json=[None]))
    client, _ = make(handler)
    with pytest.raises(NotFoundError):
        client.wait_until_ready(TASK)


def test_wait_until_finished_stops_on_a_paused_sandbox_instead_of_waiting_forever() -> None:
    conv = {"id": CONV, "sandbox_id": "sb", "sandbox_status": "PAUSED", "execution_status": None}
    handler, seen = sequence(httpx.Response(200, json=[conv]))
    client, _ = make(handler)
    from openhands_api.v1 import ResolverError

    with pytest.raises(ResolverError) as paused:
        client.wait_until_finished(CONV)
    assert paused.value.step == "sandbox" and len(seen) == 1


def _chunked(body: bytes, size: int) -> Iterator[bytes] | AsyncIterator[bytes]:
    """The body in chunks, as the current twin's client reads a streamed body."""
    chunks = [body[i:i + size] for i in range(0, len(body), size)]

    async def async_chunks() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    return iter(chunks) if Twin.kind == "sync" else async_chunks()


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_stream_start_yields_each_snapshot_as_it_arrives(chunk: int) -> None:
    statuses = ["WORKING", "WAITING_FOR_SANDBOX", "PREPARING_REPOSITORY", "STARTING_CONVERSATION", "READY"]
    body = json.dumps([task(s) for s in statuses]).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/app-conversations/stream-start"
        return httpx.Response(200, content=_chunked(body, chunk), headers={"content-type": "application/json"})

    client, _ = make(handler)
    assert [str(t.status) for t in client.stream_start_conversation("hi")] == statuses


def test_stream_start_ending_in_error_yields_it_then_raises() -> None:
    body = json.dumps([task("WORKING"), task("ERROR", detail="no sandbox")]).encode()
    client, _ = make(lambda r: httpx.Response(200, content=body))
    seen: list[str] = []
    with pytest.raises(StartTaskFailedError, match="no sandbox"):
        for snapshot in client.stream_start_conversation("hi"):
            seen.append(str(snapshot.status))
    assert seen == ["WORKING", "ERROR"]


def test_stream_start_element_of_another_shape_is_unexpected_content() -> None:
    client, _ = make(lambda r: httpx.Response(200, content=b'[{"status": "WORKING"}, 3]'))
    with pytest.raises(UnexpectedContentError) as wrong:
        list(client.stream_start_conversation("hi"))
    assert wrong.value.raw == {"status": "WORKING"}


def test_stream_start_html_is_unexpected_content() -> None:
    client, _ = make(lambda r: httpx.Response(200, text="<html>app</html>"))
    with pytest.raises(UnexpectedContentError):
        list(client.stream_start_conversation("hi"))


# --- reads, paging, rate limits, downloads ------------------------------------------------------


def test_iter_conversations_follows_next_page_id() -> None:
    pages = {None: (["a", "b"], "2"), "2": (["c"], None)}

    def handler(request: httpx.Request) -> httpx.Response:
        page_id = parse_qs(urlsplit(str(request.url)).query).get("page_id", [None])[0]
        ids, next_page = pages[page_id]
        return httpx.Response(200, json={"items": [{"id": i, "sandbox_id": "s"} for i in ids], "next_page_id": next_page})

    client, _ = make(handler)
    assert [c.id for c in client.iter_conversations(page_size=2)] == ["a", "b", "c"]
    assert [c.id for c in client.iter_conversations(page_size=2, max_items=1)] == ["a"]
    with pytest.raises(InvalidArgumentError):
        client.iter_conversations(page_size=0)


def test_rate_limit_is_retried_after_retry_after() -> None:
    handler, seen = sequence(httpx.Response(429, json={"message": "Too many requests"}, headers={"Retry-After": "1"}),
                             httpx.Response(200, json=4))
    client, waits = make(handler)
    assert client.count_conversations() == 4
    assert len(seen) == 2 and waits == [1.0]


def test_rate_limit_that_persists_carries_retry_after() -> None:
    handler, _ = sequence(httpx.Response(429, json={"message": "Too many requests"}, headers={"Retry-After": "1"}))
    client, _ = make(handler, max_retries=1)
    with pytest.raises(RateLimitError) as limited:
        client.count_conversations()
    assert limited.value.retry_after == 1.0


def test_html_page_instead_of_json_is_unexpected_content() -> None:
    handler, _ = sequence(httpx.Response(200, text="<!DOCTYPE html><html>OpenHands</html>",
                                         headers={"content-type": "text/html"}))
    client, _ = make(handler)
    with pytest.raises(UnexpectedContentError) as html:
        client.search_conversations()
    assert "base URL" in html.value.hint


def test_batch_item_that_does_not_parse_is_refused() -> None:
    handler, _ = sequence(httpx.Response(200, json=[{"no": "id"}]))
    client, _ = make(handler)
    with pytest.raises(UnexpectedContentError):
        client.get_conversations([CONV])


def test_start_task_id_used_as_conversation_id_gets_a_hint() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/start-tasks"):
            return httpx.Response(200, json=[task("READY")])
        return httpx.Response(200, json=[None])

    client, _ = make(handler)
    with pytest.raises(NotFoundError) as wrong:
        client.get_conversation(TASK)
    assert "start-task id" in wrong.value.hint and CONV in wrong.value.hint
    assert wrong.value.status_code == 404


def test_delete_sandbox_sends_the_id_where_the_server_reads_it() -> None:
    handler, seen = sequence(httpx.Response(200, json={"success": True}))
    client, _ = make(handler)
    client.delete_sandbox("sb_1")
    assert seen[0].method == "DELETE"
    assert seen[0].url.path == "/api/v1/sandboxes/sb_1"
    assert parse_qs(urlsplit(str(seen[0].url)).query)["sandbox_id"] == ["sb_1"]


def test_download_streams_to_disk_and_leaves_nothing_on_error(tmp_path: Path) -> None:
    payload = b"PK\x03\x04" + bytes(range(256)) * 300
    handler, _ = sequence(httpx.Response(200, content=payload, headers={"content-type": "application/zip"}))
    client, _ = make(handler)
    assert client.download_trajectory(CONV, tmp_path / "t.zip") == len(payload)
    assert (tmp_path / "t.zip").read_bytes() == payload

    for answer, error in ((httpx.Response(404, json={"detail": "Conversation not found"}), NotFoundError),
                          (httpx.Response(200, text="<html></html>", headers={"content-type": "text/html"}),
                           UnexpectedContentError)):
        handler, _ = sequence(answer)
        client, _ = make(handler)
        with pytest.raises(error):
            client.download_trajectory(CONV, tmp_path / "bad.zip")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.zip"]



def test_download_over_an_existing_file_replaces_it_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "t.zip"
    target.write_bytes(b"old")
    handler, _ = sequence(httpx.Response(200, text="<html></html>", headers={"content-type": "text/html"}))
    client, _ = make(handler)
    with pytest.raises(UnexpectedContentError):
        client.download_trajectory(CONV, target)
    assert target.read_bytes() == b"old"  # a failed download keeps what was there
    payload = b"PK\x03\x04" + b"new" * 1000
    handler, _ = sequence(httpx.Response(200, content=payload, headers={"content-type": "application/zip"}))
    client, _ = make(handler)
    assert client.download_trajectory(CONV, target) == len(payload)
    assert target.read_bytes() == payload
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.zip"]

# --- the seed-compatible facade -----------------------------------------------------------------


def test_facade_keeps_the_seed_signatures_and_returns_typed_objects() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/users/me":
            return httpx.Response(200, json={"id": None, "email": None})
        if path == "/api/v1/app-conversations/search":
            assert parse_qs(urlsplit(str(request.url)).query)["limit"] == ["100"]  # clamped like the seed's max(1, ...)
            return httpx.Response(200, json={"items": [], "next_page_id": None})
        if path == "/api/v1/app-conversations":
            return httpx.Response(200, json=[None])
        return httpx.Response(404, json={"detail": "Not Found"})

    api = OpenHandsV1API("the-app-key", "http://127.0.0.1:3000", http_transport=httpx.MockTransport(handler))
    me = api.users_me()
    assert me == {"id": None, "email": None} and me.raw == me and json.dumps(me) == '{"id": null, "email": null}'
    page = api.app_conversations_search(limit=500)
    assert page["items"] == [] and page.model.items == [] and page.get("next_page_id") is None
    assert api.app_conversation_get(CONV) is None
    assert api.app_conversations_get_batch(ids=[]) == []
    assert api.base_url == "http://127.0.0.1:3000" and api.api_v1_url == "http://127.0.0.1:3000/api/v1"
    assert OpenHandsV1API.agent_headers("k") == {"X-Session-API-Key": "k", "Content-Type": "application/json"}
    api.close()


def test_facade_poll_returns_error_tasks_and_times_out_as_timeout_error() -> None:
    api = OpenHandsV1API("k", "http://127.0.0.1:3000", http_transport=httpx.MockTransport(_task_sequence(["WORKING", "ERROR"])),
                         sleep=lambda _s: None)
    assert api.poll_start_task_until_ready(TASK).status == "ERROR"  # returned, as the seed did
    slow = OpenHandsV1API("k", "http://127.0.0.1:3000", http_transport=httpx.MockTransport(_task_sequence(["WORKING"])),
                          sleep=lambda _s: None)
    with pytest.raises(TimeoutError) as late:
        slow.poll_start_task_until_ready(TASK, max_polls=3)
    assert isinstance(late.value, StartTaskTimeout)
    with pytest.raises(StartTaskTimeout) as out_of_time:
        slow.poll_start_task_until_ready(TASK, timeout_s=0)
    assert "status=WORKING" in str(out_of_time.value) and out_of_time.value.last_status.status == "WORKING"


def test_unknown_statuses_from_a_newer_server_are_kept_not_fatal() -> None:
    client, _ = make(_task_sequence(["WORKING", "QUEUED_FOR_GPU", "READY"]))
    seen: list[str] = []
    assert client.wait_until_ready(TASK, on_progress=lambda t: seen.append(str(t.status))).status == "READY"
    assert seen == ["WORKING", "QUEUED_FOR_GPU", "READY"]

    conv = {"id": CONV, "sandbox_id": "sb", "sandbox_status": "HIBERNATING", "execution_status": "thinking_hard"}
    handler, _ = sequence(httpx.Response(200, json=[conv]))
    client, _ = make(handler)
    got = client.get_conversation(CONV)
    assert (got.sandbox_status, got.execution_status) == ("HIBERNATING", "thinking_hard")
    assert got.raw["sandbox_status"] == "HIBERNATING"


def test_discovery_from_the_environment_reaches_the_client(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("OPENHANDS_API_KEY", "OPENHANDS_CLOUD_API_KEY", "OH_API_KEY", "OPENHANDS_BASE_URL",
                 "OPENHANDS_AUTH_SCHEME", "OPENHANDS_API_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no key file either
    monkeypatch.setenv("OPENHANDS_APP_BASE", "https://oh.example.com/")  # the seed script's variable
    monkeypatch.setenv("OH_API_KEY", "env-key")
    handler, seen = sequence(httpx.Response(200, json=1))
    client: OpenHandsV1 = Twin.build(OpenHandsV1, AsyncOpenHandsV1, http_transport=httpx.MockTransport(handler))
    assert client.base_url == "https://oh.example.com"
    assert client.credentials.key_source == "environment OH_API_KEY"
    client.count_conversations()
    assert str(seen[0].url) == "https://oh.example.com/api/v1/app-conversations/count"
    assert seen[0].headers["Authorization"] == "Bearer env-key"

    monkeypatch.delenv("OH_API_KEY")
    from openhands_api import ConfigurationError

    with pytest.raises(ConfigurationError) as nothing:
        OpenHandsV1()
    for place in ("OPENHANDS_API_KEY", "OPENHANDS_CLOUD_API_KEY", "OH_API_KEY", "api_key.txt"):
        assert place in str(nothing.value)


def test_a_value_the_request_model_refuses_is_invalid_argument_and_nothing_is_sent() -> None:
    handler, seen = sequence(httpx.Response(200, json=task("WORKING")))
    client, _ = make(handler)
    with pytest.raises(InvalidArgumentError, match="agent_type"):
        client.start_conversation("hi", agent_type="no-such-agent")
    with pytest.raises(InvalidArgumentError, match="git_provider"):
        client.start_conversation("hi", git_provider="no-such-forge")
    assert seen == []
