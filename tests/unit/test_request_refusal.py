"""Input a server would refuse is refused by the client first, naming the field, with nothing sent."""

from __future__ import annotations

import httpx
import pytest
from openhands_api import AgentServerClient, InvalidArgumentError, RateLimitError


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


def test_send_and_run_is_not_repeated_on_429_but_a_plain_message_is() -> None:
    # Agent server 1.58 at run capacity stores a send-and-run message, then answers 429.
    for run, expected_posts in ((True, 1), (False, 2)):
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request, seen: list[httpx.Request] = seen) -> httpx.Response:
            seen.append(request)
            return httpx.Response(429, json={"detail": "busy"}) if len(seen) == 1 else httpx.Response(200, json={"success": True})

        with AgentServerClient("http://127.0.0.1:9", "k", http_transport=httpx.MockTransport(handler),
                               sleep=lambda _s: None) as agent:
            if run:
                with pytest.raises(RateLimitError):
                    agent.send_message("c0ffee00c0ffee00c0ffee00c0ffee00", "hi", run=True)
            else:
                agent.send_message("c0ffee00c0ffee00c0ffee00c0ffee00", "hi")
        assert len(seen) == expected_posts
