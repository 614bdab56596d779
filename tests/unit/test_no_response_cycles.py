"""A call leaves no reference cycle behind (issue 12): httpx's response and its stream refer to each
other, so without the transport breaking that cycle every response, with its whole body, waits for
the cyclic GC; a long listing then holds many pages' bodies at once."""

from __future__ import annotations

import asyncio
import gc
import weakref
from collections.abc import Iterator

import httpx
import pytest
from openhands_api import AgentServerClient, AsyncAgentServerClient

CONV = "c0ffee00c0ffee00c0ffee00c0ffee00"
PAGE = {"items": [{"kind": "ConversationStateUpdateEvent", "id": "s", "key": "k", "value": "v"}], "next_page_id": None}


@pytest.fixture
def no_cyclic_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_a_response_goes_with_its_last_reference(no_cyclic_gc: None) -> None:
    sent: list[weakref.ref[httpx.Response]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        response = httpx.Response(200, json=PAGE)
        sent.append(weakref.ref(response))
        return response

    with AgentServerClient("http://127.0.0.1:9", "k", http_transport=httpx.MockTransport(answer)) as client:
        page = client.search_events(CONV)
        assert page.items[0].id == "s"
        assert len(sent) == 1 and sent[0]() is None  # freed by reference counting, not left for the GC


def test_the_async_client_too(no_cyclic_gc: None) -> None:
    sent: list[weakref.ref[httpx.Response]] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        response = httpx.Response(200, json=PAGE)
        sent.append(weakref.ref(response))
        return response

    async def main() -> None:
        async with AsyncAgentServerClient("http://127.0.0.1:9", "k", http_transport=httpx.MockTransport(answer)) as client:
            assert [event.id async for event in client.iter_events(CONV)] == ["s"]

    asyncio.run(main())
    assert len(sent) == 1 and sent[0]() is None
