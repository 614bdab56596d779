"""The async twin behaves like the sync client: retries, errors, paging, waiting, no partial files."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from openhands_api import (
    AsyncAgentServerClient,
    InvalidArgumentError,
    NotFoundError,
    RateLimitError,
    UnexpectedContentError,
    WaitTimeoutError,
)

KEY = "async-unit-test-key-0123456789"


def make(handler: Callable[[httpx.Request], httpx.Response], **kwargs: object) -> tuple[AsyncAgentServerClient, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    client = AsyncAgentServerClient("http://agent.test", KEY, http_transport=httpx.MockTransport(handler), **kwargs)  # type: ignore[arg-type]
    client._transport._sleep = sleep
    return client, slept


def test_retries_then_succeeds_and_sends_the_key() -> None:
    answers = iter([httpx.Response(503), httpx.Response(200, json=4)])
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return next(answers)

    client, slept = make(handler)
    assert asyncio.run(client.count_conversations()) == 4
    assert len(slept) == 1 and seen[0].headers["X-Session-API-Key"] == KEY
    assert KEY not in repr(client)


def test_errors_are_the_same_typed_errors() -> None:
    client, _ = make(lambda r: httpx.Response(404, json={"detail": "Not Found"}))
    with pytest.raises(NotFoundError):
        asyncio.run(client.get_conversation("c1"))
    client, slept = make(lambda r: httpx.Response(429, headers={"Retry-After": "2"}), max_retries=1)
    with pytest.raises(RateLimitError) as err:
        asyncio.run(client.send_message("c1", "hi"))
    assert slept == [2.0] and err.value.retry_after == 2.0
    client, _ = make(lambda r: httpx.Response(200, text="<html></html>", headers={"content-type": "text/html"}))
    with pytest.raises(UnexpectedContentError):
        asyncio.run(client.count_events("c1"))


def test_events_are_paged_lazily() -> None:
    pages = {None: (["a", "b"], "e3"), "e3": (["c"], None)}
    requested: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        page_id = request.url.params.get("page_id")
        requested.append(page_id)
        ids, nxt = pages[page_id]
        return httpx.Response(200, json={"items": [{"kind": "PauseEvent", "id": i} for i in ids], "next_page_id": nxt})

    client, _ = make(handler)

    async def read() -> list[str]:
        return [e.id async for e in client.iter_events("c1", page_size=2)]

    assert asyncio.run(read()) == ["a", "b", "c"]
    assert requested == [None, "e3"]
    with pytest.raises(InvalidArgumentError):
        client.iter_events("c1", page_size=101)


def test_wait_reports_progress_and_times_out_naming_the_status(monkeypatch: pytest.MonkeyPatch) -> None:
    statuses = itertools.chain(["idle", "running"], itertools.repeat("finished"))  # settled: finished held
    client, _ = make(lambda r: httpx.Response(200, json={"id": "c1", "execution_status": next(statuses)}))

    async def no_sleep(_s: float) -> None:
        return None

    monkeypatch.setattr(asyncio, "sleep", no_sleep)
    seen: list[str] = []
    done = asyncio.run(client.wait_until_finished("c1", on_progress=lambda c: seen.append(str(c.execution_status))))
    assert done.execution_status == "finished" and seen[:3] == ["idle", "running", "finished"]
    assert set(seen[3:]) == {"finished"}
    stuck, _ = make(lambda r: httpx.Response(200, json={"id": "c1", "execution_status": "running"}))
    with pytest.raises(WaitTimeoutError, match="execution_status=running"):
        asyncio.run(stuck.wait_until_finished("c1", timeout_s=0))


def test_bash_timeout_and_missing_download_leave_nothing(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/bash/execute_bash_command":
            return httpx.Response(200, json={"kind": "BashOutput", "command_id": "x", "exit_code": -1, "stdout": "before\n"})
        return httpx.Response(404, json={"detail": "File not found"})

    client, _ = make(handler)
    result = asyncio.run(client.bash("sleep 9", timeout_s=1))
    assert result.timed_out and result.stdout == "before\n"
    with pytest.raises(NotFoundError):
        asyncio.run(client.download_file("/ws/missing.bin", tmp_path / "out.bin"))
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InvalidArgumentError):
        asyncio.run(client.upload_file(b"x", "relative.txt"))
