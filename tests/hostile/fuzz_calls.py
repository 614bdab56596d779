"""The read calls of every client, as ``(name, call)`` pairs for the fuzz test (tests/hostile/test_fuzz.py).

``call(client, tmp)`` makes one public call; iterators are read through ``max_items`` so a server
that lists forever is still a call that ends. Each family builds its client on an injected
``http_transport`` (an ``httpx.MockTransport`` serving fuzzed answers).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from openhands_api import AgentServerClient, AsyncAgentServerClient
from openhands_api.compat.v0 import OpenHandsAPI
from openhands_api.compat.v1 import OpenHandsV1API
from openhands_api.v0 import AsyncV0Client
from openhands_api.v1 import AsyncOpenHandsV1

KEY = "fuzz-session-key-0123456789"
URL = "http://127.0.0.1:9"
CID = "0123456789abcdef0123456789abcdef"
CID2 = "fedcba9876543210fedcba9876543210"
SID = "sandbox-1"

Call = Callable[[Any, Path], Any]


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


AGENT: dict[str, Call] = {
    "server_info": lambda c, _t: c.server_info(),
    "is_alive": lambda c, _t: c.is_alive(),
    "is_ready": lambda c, _t: c.is_ready(),
    "get_conversation": lambda c, _t: c.get_conversation(CID),
    "get_conversations": lambda c, _t: c.get_conversations([CID, CID2]),
    "search_conversations": lambda c, _t: c.search_conversations(limit=5),
    "iter_conversations": lambda c, _t: list(c.iter_conversations(max_items=40)),
    "count_conversations": lambda c, _t: c.count_conversations(),
    "search_events": lambda c, _t: c.search_events(CID),
    "iter_events": lambda c, _t: list(c.iter_events(CID, max_items=40)),
    "count_events": lambda c, _t: c.count_events(CID),
    "count_events_by_kind": lambda c, _t: c.count_events_by_kind(CID),
    "get_event": lambda c, _t: c.get_event(CID, "e1"),
    "read_file": lambda c, _t: c.read_file("/workspace/f.bin"),
    "download_file": lambda c, t: c.download_file("/workspace/f.bin", t / "f.bin"),
}


async def _alist(iterator: Any) -> list[Any]:
    if inspect.isawaitable(iterator):  # an iterator that checks first (V1 iter_events) is awaited for
        iterator = await iterator
    return [item async for item in iterator]


def _run(coroutine_factory: Callable[[], Any]) -> Any:
    return asyncio.run(coroutine_factory())


# The async client has the same methods: each sync call above returns an awaitable there, except
# the iterators, which are read with ``async for``.
AGENT_ASYNC: dict[str, Call] = AGENT | {
    "iter_conversations": lambda c, _t: _alist(c.iter_conversations(max_items=40)),
    "iter_events": lambda c, _t: _alist(c.iter_events(CID, max_items=40)),
}

V1: dict[str, Call] = {
    "health": lambda c, _t: c.health(),
    "me": lambda c, _t: c.me(),
    "get_settings": lambda c, _t: c.get_settings(),
    "get_start_tasks": lambda c, _t: c.get_start_tasks([CID, CID2]),
    "get_start_task": lambda c, _t: c.get_start_task(CID),
    "search_start_tasks": lambda c, _t: c.search_start_tasks(limit=5),
    "iter_start_tasks": lambda c, _t: list(c.iter_start_tasks(max_items=40)),
    "count_start_tasks": lambda c, _t: c.count_start_tasks(),
    "get_conversations": lambda c, _t: c.get_conversations([CID, CID2]),
    "get_conversation": lambda c, _t: c.get_conversation(CID),
    "search_conversations": lambda c, _t: c.search_conversations(limit=5),
    "iter_conversations": lambda c, _t: list(c.iter_conversations(max_items=40)),
    "count_conversations": lambda c, _t: c.count_conversations(),
    "download_trajectory": lambda c, t: c.download_trajectory(CID, t / "t.zip"),
    "search_events": lambda c, _t: c.search_events(CID),
    "iter_events": lambda c, _t: list(c.iter_events(CID, max_items=40)),
    "count_events_app": lambda c, _t: c.count_events_app(CID),
    "count_events": lambda c, _t: c.count_events(CID),
    "compare_event_counts": lambda c, _t: c.compare_event_counts(CID),
    "search_sandboxes": lambda c, _t: c.search_sandboxes(limit=5),
    "get_sandboxes": lambda c, _t: c.get_sandboxes([SID, SID]),
    "get_sandbox": lambda c, _t: c.get_sandbox(SID),
    "search_sandbox_specs": lambda c, _t: c.search_sandbox_specs(limit=5),
    "resolve_agent_server": lambda c, _t: c.resolve_agent_server(CID, resume=False),
    # the seed-compatible facade (OpenHandsV1API)
    "users_me": lambda c, _t: c.users_me(),
    "app_conversations_search": lambda c, _t: c.app_conversations_search(),
    "app_conversations_count": lambda c, _t: c.app_conversations_count(),
    "app_conversation_get": lambda c, _t: c.app_conversation_get(CID),
    "conversation_events_count": lambda c, _t: c.conversation_events_count(CID),
    "app_conversation_start_task_get": lambda c, _t: c.app_conversation_start_task_get(CID),
    "count_events_via_trajectory_zip": lambda c, t: c.count_events_via_trajectory_zip(
        CID, zip_file=t / "z.zip", extract_dir=t / "x"),
    "agent_events_count": lambda c, _t: c.agent_events_count(agent_server_url=URL, session_api_key=KEY, conversation_id=CID),
}

# The seed facade's own methods (OpenHandsV1API) have no async twin.
V1_ASYNC: dict[str, Call] = {name: call for name, call in V1.items() if hasattr(AsyncOpenHandsV1, name)} | {
    "iter_start_tasks": lambda c, _t: _alist(c.iter_start_tasks(max_items=40)),
    "iter_conversations": lambda c, _t: _alist(c.iter_conversations(max_items=40)),
    "iter_events": lambda c, _t: _alist(c.iter_events(CID, max_items=40)),
}

V0: dict[str, Call] = {
    "get_conversation": lambda c, _t: c.get_conversation(CID),
    "list_conversations": lambda c, _t: c.list_conversations(),
    "iter_conversations": lambda c, _t: list(c.iter_conversations(max_items=40)),
    "get_conversation_config": lambda c, _t: c.get_conversation_config(CID),
    "get_events": lambda c, _t: c.get_events(CID),
    "iter_events": lambda c, _t: [e for _, e in zip(range(40), c.iter_events(CID), strict=False)],
    "last_event_id": lambda c, _t: c.last_event_id(CID),
    "get_trajectory": lambda c, _t: c.get_trajectory(CID),
    "load_settings": lambda c, _t: c.load_settings(),
    "list_models": lambda c, _t: c.list_models(),
    "list_agents": lambda c, _t: c.list_agents(),
    "server_config": lambda c, _t: c.server_config(),
    "is_alive": lambda c, _t: c.is_alive(),
    "health": lambda c, _t: c.health(),
}

V0_ASYNC: dict[str, Call] = V0 | {
    "iter_conversations": lambda c, _t: _alist(c.iter_conversations(max_items=40)),
    "iter_events": lambda c, _t: _first(c.iter_events(CID), 40),
}


async def _first(iterator: Any, n: int) -> list[Any]:
    if inspect.isawaitable(iterator):
        iterator = await iterator
    items: list[Any] = []
    async for item in iterator:
        items.append(item)
        if len(items) >= n:
            break
    return items


# What the wrapper itself reads must have its declared type: checked on every returned value.
RESULT_CHECKS: dict[str, Callable[[Any], bool]] = {
    "count_conversations": _int, "count_events": lambda v: _int(v) or _int(getattr(v, "count", None)),
    "count_start_tasks": _int, "count_events_app": _int, "app_conversations_count": _int,
    "conversation_events_count": _int, "agent_events_count": _int,
    "is_alive": lambda v: isinstance(v, bool), "is_ready": lambda v: isinstance(v, bool),
    "get_conversations": lambda v: isinstance(v, list) and len(v) == 2,
    "get_start_tasks": lambda v: isinstance(v, list) and len(v) == 2,
    "get_sandboxes": lambda v: isinstance(v, list) and len(v) == 2,
    "download_file": _int, "download_trajectory": _int, "read_file": lambda v: isinstance(v, bytes),
    "health": lambda v: isinstance(v, str | bool),
}


def make_client(family: str, transport: Any) -> Any:
    if family == "agent":
        return AgentServerClient(URL, KEY, http_transport=transport)
    if family == "agent_async":
        return AsyncAgentServerClient(URL, KEY, http_transport=transport)
    if family == "v1":
        return OpenHandsV1API(api_key=KEY, base_url=URL, http_transport=transport, agent_http_transport=transport,
                              sleep=lambda _s: None)
    if family == "v1_async":
        return AsyncOpenHandsV1(URL, api_key=KEY, http_transport=transport, agent_http_transport=transport, sleep=_no_wait)
    if family == "v0_async":
        return AsyncV0Client(api_key=KEY, base_url=URL, http_transport=transport, sleep=_no_wait)
    return OpenHandsAPI(api_key=KEY, base_url=URL, http_transport=transport, sleep=lambda _s: None)


async def _no_wait(_s: float) -> None:
    return None


def run_call(family: str, name: str, handler: Callable[[httpx.Request], httpx.Response], tmp: Path) -> Any:
    """Make one call on a fresh client whose every request ``handler`` answers."""
    if family in ASYNC:
        async def scenario() -> Any:
            async with make_client(family, httpx.MockTransport(handler)) as client:
                return await asyncio.wait_for(ASYNC[family][name](client, tmp), timeout=60)
        return _run(scenario)
    calls = {"agent": AGENT, "v1": V1, "v0": V0}[family]
    client = make_client(family, httpx.MockTransport(handler))
    try:
        return calls[name](client, tmp)
    finally:
        client.close()


ASYNC = {"agent_async": AGENT_ASYNC, "v1_async": V1_ASYNC, "v0_async": V0_ASYNC}
FAMILIES = {"agent": sorted(AGENT), "v1": sorted(V1), "v0": sorted(V0)} | {family: sorted(calls) for family, calls in ASYNC.items()}
