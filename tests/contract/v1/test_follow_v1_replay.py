"""OpenHandsV1.follow(any_id) offline: a mocked app server resolves the id to a replayed agent server.

The app server (httpx.MockTransport) answers each resolution with the next (agent server URL, key)
of a script, as a real one does after a sandbox paused and resumed; the agent server is the local
replay of a recorded real socket (tests/contract/agent/ws_replay.py). Asserted by event id: every
event of the REST listing exactly once and in order, whatever the re-resolutions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from openhands_api import ResolverError
from openhands_api.v1 import AsyncOpenHandsV1, OpenHandsV1

from tests.contract.agent.test_follow_replay import KEY, SETTLE_S, listed_ids
from tests.contract.agent.ws_replay import Plan, ReplayServer, Transcript

# Every test: both twins, and the conversation recorded from agent server 1.58 and 1.34 (V1 sandboxes).
pytestmark = [
    pytest.mark.block_network(allowed_hosts=["127.0.0.1"]),
    pytest.mark.parametrize("twin", ["sync", "async"]),
    pytest.mark.parametrize("hello", [Transcript.load(name) for name in ("hello", "hello-1.34")], ids=["1.58", "1.34"]),
]

APP = "http://127.0.0.1:3000"
SANDBOX = "sbx0000000000000000000"
TASK = "7a5c0000-0000-4000-8000-000000000001"


def app_server(conversation_id: str, agents: list[tuple[str, str]], *, sandbox_status: str = "RUNNING",
               task_status: str | None = None) -> tuple[Callable[[httpx.Request], httpx.Response], list[str]]:
    """A V1 app server whose conversation points at ``agents[n]`` on its n-th lookup (the last repeats)."""
    lookups: list[str] = []

    def current() -> tuple[str, str]:
        return agents[min(len(lookups) - 1, len(agents) - 1)]

    def handler(request: httpx.Request) -> httpx.Response:
        path, query = request.url.path, parse_qs(urlsplit(str(request.url)).query)
        ids = query.get("ids", query.get("id", [""]))
        if path == "/api/v1/app-conversations/start-tasks":
            is_task = task_status is not None and ids == [TASK]
            return httpx.Response(200, json=[{"id": TASK, "status": task_status, "app_conversation_id": conversation_id,
                                              "sandbox_id": SANDBOX, "request": {}} if is_task else None])
        if path == "/api/v1/app-conversations" and ids == [conversation_id]:
            lookups.append(conversation_id)
            url, key = current()
            return httpx.Response(200, json=[{
                "id": conversation_id, "sandbox_id": SANDBOX, "sandbox_status": sandbox_status,
                "conversation_url": f"{url}/api/conversations/{conversation_id}", "session_api_key": key}])
        if path == "/api/v1/app-conversations/search" and query.get("limit") == ["1"]:
            return httpx.Response(200, json={"items": [{"id": conversation_id, "sandbox_id": SANDBOX}], "next_page_id": None})
        if path == "/api/v1/app-conversations":
            return httpx.Response(200, json=[None])
        if path == "/api/v1/sandboxes":
            url, key = current() if lookups else agents[0]
            return httpx.Response(200, json=[{"id": SANDBOX, "status": sandbox_status, "session_api_key": key,
                                              "exposed_urls": [{"name": "AGENT_SERVER", "url": url}]}])
        return httpx.Response(404, json={"detail": f"not mocked: {path}"})

    return handler, lookups


def follow_ids(twin: str, handler: Callable[[httpx.Request], httpx.Response], any_id: str, **options: Any) -> tuple[list[str], Any]:
    """Follow ``any_id`` through the V1 client (sync or async twin) to the end: (event ids, follower)."""
    options = {"settle_s": SETTLE_S, "deadline_s": 120.0, **options}
    if twin == "sync":
        with OpenHandsV1(APP, api_key="app-key", http_transport=httpx.MockTransport(handler)) as oh, \
                oh.follow(any_id, **options) as events:
            return [str(e.id) for e in events], events

    async def main() -> tuple[list[str], Any]:
        async with AsyncOpenHandsV1(APP, api_key="app-key", http_transport=httpx.MockTransport(handler)) as oh, \
                oh.follow(any_id, **options) as events:
            return [str(e.id) async for e in events], events

    return asyncio.run(main())


@pytest.mark.parametrize("by", ["conversation", "sandbox"])
def test_follow_by_conversation_or_sandbox_id_equals_the_listing(twin: str, hello: Transcript, by: str) -> None:
    with ReplayServer(hello, KEY) as server:
        handler, _ = app_server(hello.conversation_id, [(server.url, KEY)])
        ids, events = follow_ids(twin, handler, hello.conversation_id if by == "conversation" else SANDBOX)
    assert ids == listed_ids(hello)
    assert events.settled and events.status == "finished" and events.reresolved == 0
    assert events.conversation_id == hello.conversation_id and KEY not in repr(events.resolved)


def test_a_rotated_key_is_re_resolved_and_nothing_is_lost_or_repeated(twin: str, hello: Transcript) -> None:
    # The sandbox paused and resumed: the agent server now takes only a new key, which the app
    # server gives on the next lookup; 3 events happen while no socket is connected.
    new_key = "resumed-key-0123456789abcdef"
    plans = [Plan(send=4, then="drop", lose=3, new_key=new_key), Plan()]
    with ReplayServer(hello, KEY, plans=plans) as server:
        handler, lookups = app_server(hello.conversation_id, [(server.url, KEY), (server.url, new_key)])
        ids, events = follow_ids(twin, handler, hello.conversation_id)
    assert ids == listed_ids(hello)
    assert events.reresolved == 1 and len(lookups) == 2 and events.settled


def test_a_new_url_is_re_resolved_and_nothing_is_lost_or_repeated(twin: str, hello: Transcript) -> None:
    # The first agent server goes away for good (after the drop it refuses every key); the app
    # server then names another one, which has the whole conversation.
    plans = [Plan(send=5, then="drop", lose=2, new_key="nobody-has-this-key-000000")]
    with ReplayServer(hello, KEY, plans=plans) as first, ReplayServer(hello, "second-key-0123456789abc") as second:
        handler, _ = app_server(hello.conversation_id, [(first.url, KEY), (second.url, second.key)])
        ids, events = follow_ids(twin, handler, hello.conversation_id)
        second_url = second.url
    assert ids == listed_ids(hello)
    assert events.reresolved == 1 and events.resolved.url == second_url


def test_a_start_task_is_waited_for_then_followed(twin: str, hello: Transcript) -> None:
    with ReplayServer(hello, KEY) as server:
        handler, _ = app_server(hello.conversation_id, [(server.url, KEY)], task_status="READY")
        ids, events = follow_ids(twin, handler, TASK)
    assert ids == listed_ids(hello) and events.conversation_id == hello.conversation_id


def test_a_paused_sandbox_without_resume_is_a_resolver_error(twin: str, hello: Transcript) -> None:
    handler, _ = app_server(hello.conversation_id, [("http://127.0.0.1:9", KEY)], sandbox_status="PAUSED")
    with pytest.raises(ResolverError) as paused:
        follow_ids(twin, handler, hello.conversation_id)
    assert paused.value.step == "sandbox"
