"""Resolver and event-counting fallbacks of the V1 client, against an in-memory app server.

The fake below answers like openhands-ai 1.11.0 does (batch gets with ``null`` for unknown ids,
events count 200 ``0`` for an unknown conversation, URL/key only while a sandbox is RUNNING) and
lets each test break one source. Every request is logged, so tests can assert that a paused
sandbox's agent server is never called and that an unknown id never reaches a count endpoint.
"""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from openhands_api import InvalidArgumentError, NotFoundError
from openhands_api.v1 import (
    RELATION,
    AsyncOpenHandsV1,
    EventCountError,
    OpenHandsV1,
    ResolverError,
    agent_base_from_conversation_url,
    count_zip_events,
)

from tests.twins import TWINS, twin

APP = "http://app.test"
AGENT = "http://agent.test:8001"
CONV = "c0ffee00c0ffee00c0ffee00c0ffee00"
TASK = "7a5c0000000040008000000000000001"
SANDBOX = "3xSandboxIdBase62abcde"
KEY = "agent-session-key-value"


def _zip(events: int, *, extra: tuple[str, ...] = ("meta.json",)) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name in extra:
            archive.writestr(name, "{}")
        for i in range(events):
            archive.writestr(f"event_{i:06d}_{i:08d}-0000-4000-8000-000000000000.json", json.dumps({"i": i}))
    return buf.getvalue()


@dataclass
class FakeV1:
    """State + behaviour of one app server and the agent server of its one sandbox."""

    sandbox_status: str = "RUNNING"
    app_count: int | None = 14  # None → answer app_count_status
    app_count_status: int = 500
    agent_count: int | None = 12
    agent_count_status: int = 404
    zip_events: int | None = 14
    task_status: str = "READY"
    task_detail: str | None = None
    known_sandbox: bool = True
    requests: list[httpx.Request] = field(default_factory=list)

    # -- wire objects ---------------------------------------------------------------------------

    def conversation(self) -> dict[str, Any]:
        running = self.sandbox_status == "RUNNING"
        return {
            "id": CONV, "sandbox_id": SANDBOX, "title": "t", "sandbox_status": self.sandbox_status if self.known_sandbox else "MISSING",
            "execution_status": "finished" if running else None,
            "conversation_url": f"{AGENT}/api/conversations/{CONV}" if running else None,
            "session_api_key": KEY if running else None,
        }

    def sandbox(self) -> dict[str, Any] | None:
        if not self.known_sandbox:
            return None
        running = self.sandbox_status == "RUNNING"
        return {
            "id": SANDBOX, "status": self.sandbox_status, "sandbox_spec_id": "spec",
            "session_api_key": KEY if running else None,
            "exposed_urls": [{"name": "VSCODE", "url": "http://vscode.test", "port": 1},
                             {"name": "AGENT_SERVER", "url": AGENT, "port": 8001}] if running else None,
        }

    def task(self) -> dict[str, Any]:
        ready = self.task_status == "READY"
        return {"id": TASK, "status": self.task_status, "detail": self.task_detail,
                "app_conversation_id": CONV if ready else None, "sandbox_id": SANDBOX,
                "agent_server_url": AGENT if ready else None, "request": {}}

    # -- HTTP -----------------------------------------------------------------------------------

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = urlsplit(str(request.url))
        query = parse_qs(url.query)
        path, method = url.path, request.method
        if url.netloc == "agent.test:8001":
            assert self.sandbox_status == "RUNNING", "the agent server of a paused sandbox was called (it would hang)"
            if path == f"/api/conversations/{CONV}/events/count":
                if self.agent_count is None:
                    return httpx.Response(self.agent_count_status, json={"detail": "Conversation not found"})
                return httpx.Response(200, json=self.agent_count)
            return httpx.Response(404, json={"detail": "Not Found"})
        if path == "/api/v1/app-conversations" and method == "GET":
            return httpx.Response(200, json=[self.conversation() if i == CONV else None for i in query["ids"]])
        if path == "/api/v1/app-conversations/start-tasks":
            return httpx.Response(200, json=[self.task() if i == TASK else None for i in query["ids"]])
        if path == "/api/v1/sandboxes" and method == "GET":
            return httpx.Response(200, json=[self.sandbox() if i == SANDBOX else None for i in query["id"]])
        if path == f"/api/v1/sandboxes/{SANDBOX}/resume":
            self.sandbox_status = "RUNNING"
            return httpx.Response(200, json={"success": True})
        if path.startswith("/api/v1/conversation/") and path.endswith("/events/count"):
            if CONV not in path:
                return httpx.Response(200, json=0)  # the real server's answer for an unknown id
            if self.app_count is None:
                return httpx.Response(self.app_count_status, text="Internal Server Error")
            return httpx.Response(200, json=self.app_count)
        if path == f"/api/v1/app-conversations/{CONV}/download":
            if self.zip_events is None:
                return httpx.Response(404, json={"detail": "Conversation not found"})
            return httpx.Response(200, content=_zip(self.zip_events), headers={"content-type": "application/zip"})
        return httpx.Response(404, json={"detail": "Not Found"})

    kind: str = "sync"
    runner: asyncio.Runner | None = None

    def client(self) -> OpenHandsV1:
        """The sync client, or the async one behind tests/twins.py (see ``_both_twins``)."""
        transport = httpx.MockTransport(self.handler)
        client: OpenHandsV1 = twin(self.kind, OpenHandsV1, AsyncOpenHandsV1, self.runner, APP, api_key="app-key",
                                   max_retries=0, http_transport=transport, agent_http_transport=transport,
                                   sleep=_no_sleep if self.kind == "async" else lambda _s: None)
        return client

    def paths(self, host: str | None = None) -> list[str]:
        return [r.url.path for r in self.requests if host is None or r.url.host == host]


async def _no_sleep(_s: float) -> None:
    return None


@pytest.fixture(autouse=True, params=TWINS)
def _both_twins(request: pytest.FixtureRequest, twin_runner: asyncio.Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test here runs against the sync client and against the async one."""
    monkeypatch.setattr(FakeV1, "kind", request.param)
    monkeypatch.setattr(FakeV1, "runner", twin_runner)


# --- counting -----------------------------------------------------------------------------------


def test_app_count_answers_first() -> None:
    fake = FakeV1()
    result = fake.client().count_events(CONV)
    assert (result.count, result.source, result.failures) == (14, "app", {})
    assert int(result) == 14 and result.relation == RELATION
    assert fake.paths("agent.test") == []  # no fallback needed, agent server untouched


@pytest.mark.parametrize("status", [404, 500])
def test_app_error_falls_back_to_agent_and_says_why(status: int) -> None:
    fake = FakeV1(app_count=None, app_count_status=status)
    result = fake.client().count_events(CONV)
    assert (result.count, result.source) == (12, "agent")
    assert list(result.failures) == ["app"] and str(status) in result.failures["app"]
    assert [a.source for a in result.attempts] == ["app", "agent"]


def test_app_zero_for_an_existing_conversation_is_not_believed_first() -> None:
    fake = FakeV1(app_count=0)
    result = fake.client().count_events(CONV)
    assert (result.count, result.source) == (12, "agent")
    assert "answered 0" in result.failures["app"]


def test_app_zero_stands_when_nothing_else_answers() -> None:
    fake = FakeV1(app_count=0, agent_count=None, zip_events=None)
    result = fake.client().count_events(CONV)
    assert (result.count, result.source) == (0, "app")
    assert set(result.failures) == {"app", "agent", "zip"}


def test_paused_sandbox_skips_the_agent_without_calling_it_and_uses_the_zip() -> None:
    fake = FakeV1(app_count=None, sandbox_status="PAUSED")
    result = fake.client().count_events(CONV)
    assert (result.count, result.source) == (14, "zip")
    assert "PAUSED" in result.failures["agent"]
    assert fake.paths("agent.test") == []
    assert not any(p.endswith("/resume") for p in fake.paths())  # counting does not resume by default


def test_paused_sandbox_is_resumed_for_counting_only_when_asked() -> None:
    fake = FakeV1(app_count=None, sandbox_status="PAUSED")
    result = fake.client().count_events(CONV, resume_paused=True)
    assert (result.count, result.source) == (12, "agent")
    assert any(p.endswith("/resume") for p in fake.paths())


def test_every_source_failing_raises_with_each_reason() -> None:
    fake = FakeV1(app_count=None, agent_count=None, zip_events=None)
    with pytest.raises(EventCountError) as failed:
        fake.client().count_events(CONV)
    assert [a.source for a in failed.value.attempts] == ["app", "agent", "zip"]
    assert all(a.error for a in failed.value.attempts)
    assert "app:" in str(failed.value) and "zip:" in str(failed.value)


def test_forced_source_uses_only_that_source() -> None:
    fake = FakeV1()
    result = fake.client().count_events(CONV, source="zip")
    assert (result.count, result.source) == (14, "zip")
    assert not any(p.endswith("/events/count") for p in fake.paths())
    zero = FakeV1(app_count=0).client().count_events(CONV, source="app")
    assert (zero.count, zero.source, zero.failures) == (0, "app", {})  # forced: the conversation exists
    with pytest.raises(InvalidArgumentError):
        fake.client().count_events(CONV, source="bogus")  # type: ignore[arg-type]


def test_unknown_conversation_is_not_found_and_never_counted() -> None:
    fake = FakeV1()
    with pytest.raises(NotFoundError):
        fake.client().count_events("0" * 32)
    assert not any(p.endswith("/events/count") or p.endswith("/download") for p in fake.paths())


def test_invalid_id_is_rejected_before_any_request() -> None:
    fake = FakeV1()
    with pytest.raises(InvalidArgumentError) as invalid:
        fake.client().count_events("not-a-uuid")
    assert "invalid conversation id" in str(invalid.value)
    assert fake.requests == []


def test_zip_counting_reads_only_event_entries(tmp_path: Any) -> None:
    path = tmp_path / "t.zip"
    path.write_bytes(_zip(3, extra=("meta.json", "notes/readme.txt", "event_notes.txt")))
    assert count_zip_events(path) == 3


# --- resolver -----------------------------------------------------------------------------------


def test_resolve_from_conversation_uses_its_url_and_key() -> None:
    resolved = FakeV1().client().resolve_agent_server(CONV)
    assert resolved.url == AGENT and resolved.session_key.reveal() == KEY
    assert (resolved.url_source, resolved.key_source) == ("conversation conversation_url", "conversation session_api_key")
    assert resolved.sandbox_id == SANDBOX and resolved.conversation_id == CONV and not resolved.resumed
    assert KEY not in repr(resolved) and KEY not in str(resolved.steps)


def test_resolve_from_start_task_prefers_its_agent_server_url() -> None:
    resolved = FakeV1().client().resolve_agent_server(TASK)
    assert resolved.url_source == "start task agent_server_url" and resolved.start_task_id == TASK
    assert resolved.conversation_id == CONV and resolved.session_key.reveal() == KEY


def test_resolve_from_sandbox_uses_the_agent_server_exposed_url() -> None:
    resolved = FakeV1().client().resolve_agent_server(SANDBOX)
    assert resolved.url == AGENT and resolved.url_source == "sandbox exposed_urls[AGENT_SERVER]"
    assert resolved.key_source == "sandbox session_api_key" and resolved.conversation_id is None


def test_resolved_client_talks_to_the_agent_server() -> None:
    fake = FakeV1()
    with fake.client().resolve_agent_server(CONV).client() as agent:
        assert agent.count_events(CONV) == 12
    agent_requests = [r for r in fake.requests if r.url.host == "agent.test"]
    assert agent_requests and agent_requests[0].headers["X-Session-API-Key"] == KEY


def test_paused_sandbox_is_resumed_and_waited_for() -> None:
    fake = FakeV1(sandbox_status="PAUSED")
    progress: list[str] = []
    resolved = fake.client().resolve_agent_server(CONV, on_progress=progress.append)
    assert resolved.resumed and resolved.url == AGENT
    assert any("resuming" in p for p in progress)


def test_paused_sandbox_without_resume_is_a_sandbox_step_error() -> None:
    fake = FakeV1(sandbox_status="PAUSED")
    with pytest.raises(ResolverError) as refused:
        fake.client().resolve_agent_server(CONV, resume=False)
    assert refused.value.step == "sandbox" and "hang" in str(refused.value)
    assert not any(p.endswith("/resume") for p in fake.paths())


@pytest.mark.parametrize(
    ("fake", "any_id", "step", "words"),
    [
        (FakeV1(known_sandbox=False), CONV, "sandbox", "does not exist"),
        (FakeV1(sandbox_status="ERROR"), CONV, "sandbox", "ERROR"),
        (FakeV1(task_status="ERROR", task_detail="500: Agent Server Failed to start properly"), TASK, "start task",
         "Agent Server Failed"),
        (FakeV1(), "0" * 32, "identify", "no conversation, start task or sandbox"),
        (FakeV1(), "nosuchsandbox", "identify", "no conversation"),
    ],
    ids=["sandbox-missing", "sandbox-error", "task-error", "unknown-uuid", "unknown-sandbox"],
)
def test_resolver_errors_name_the_failed_step(fake: FakeV1, any_id: str, step: str, words: str) -> None:
    with pytest.raises(ResolverError) as failed:
        fake.client().resolve_agent_server(any_id)
    assert failed.value.step == step and words in str(failed.value)
    assert fake.paths("agent.test") == []


def test_start_task_still_working_has_no_sandbox_yet() -> None:
    fake = FakeV1(task_status="WORKING")
    fake_task = fake.task
    fake.task = lambda: {**fake_task(), "sandbox_id": None}  # type: ignore[method-assign]
    with pytest.raises(ResolverError) as early:
        fake.client().resolve_agent_server(TASK)
    assert early.value.step == "start task" and "WORKING" in str(early.value)


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("http://localhost:8000/api/conversations/abc", "http://localhost:8000"),
        ("https://x.runtime.test/api/conversations/abc", "https://x.runtime.test"),
        ("https://x.test/prefix/api/conversations/abc", "https://x.test/prefix"),
        ("http://localhost:8000/other", None),
    ],
)
def test_agent_base_from_conversation_url(url: str, base: str | None) -> None:
    assert agent_base_from_conversation_url(url) == base


def test_unknown_sandbox_status_is_reported_not_guessed() -> None:
    fake = FakeV1(sandbox_status="HIBERNATING")
    with pytest.raises(ResolverError) as unknown:
        fake.client().resolve_agent_server(CONV)
    assert unknown.value.step == "sandbox" and "HIBERNATING" in str(unknown.value)
    assert fake.paths("agent.test") == []


class _FileUrlTask(FakeV1):
    def task(self) -> dict[str, Any]:
        return {**super().task(), "agent_server_url": "file:///etc/passwd"}


def test_a_non_http_agent_server_url_from_the_server_is_a_resolver_error() -> None:
    # The server's fault, not the caller's: ResolverError (CLI exit 1), never ConfigurationError.
    fake = _FileUrlTask()
    with pytest.raises(ResolverError) as err:
        fake.client().resolve_agent_server(TASK)
    assert err.value.step == "url" and "file:" in str(err.value)
    assert not any(r.url.host == "agent.test" for r in fake.requests)
