"""Input a server would refuse is refused by the client first, naming the field, with nothing sent."""

from __future__ import annotations

import httpx
import pytest
from openhands_api import AgentServerClient, InvalidArgumentError


def _client(seen: list[httpx.Request]) -> AgentServerClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500)

    return AgentServerClient("http://127.0.0.1:9", session_key="k", http_transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tags": {"Not Lowercase": "x"}}, "tags"),
        ({"tags": {"ok": 3}}, "tags"),
        ({"conversation_id": "not-a-uuid"}, "conversation_id"),
        ({"max_iterations": 0}, "max_iterations"),
    ],
)
def test_start_conversation_refuses_what_the_server_refuses(kwargs: dict[str, object], field: str) -> None:
    seen: list[httpx.Request] = []
    with _client(seen) as agent, pytest.raises(InvalidArgumentError) as err:
        agent.start_conversation(working_dir="/w", llm_model="m", **kwargs)  # type: ignore[arg-type]
    assert field in str(err.value)
    assert isinstance(err.value, ValueError)
    assert seen == []


def test_every_client_takes_a_call_deadline() -> None:
    from openhands_api import AsyncOpenHandsV1, AsyncV0Client, OpenHandsV1, V0Client

    for cls in (AgentServerClient, OpenHandsV1, V0Client, AsyncOpenHandsV1, AsyncV0Client):
        kwargs: dict[str, object] = {"deadline_s": 7.0}
        client = cls("http://127.0.0.1:9", "k", **kwargs) if cls is AgentServerClient else cls(  # type: ignore[operator]
            base_url="http://127.0.0.1:9", api_key="k", **kwargs)
        assert client._transport.deadline_s == 7.0
