"""follow() against the real agent server (``make test-live SERVER=agent``; skipped offline).

A conversation followed from start to settled must yield exactly the REST listing, by id and in
order; a socket cut mid-stream (by a loopback TCP relay the test controls) must lose and duplicate
nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from openhands_api import AuthenticationError
from openhands_api._async_follow import AsyncFollower
from openhands_api._follow import Follower
from openhands_api._secret import Secret

from tests.contract.agent.conftest import FAKE_LLM_KEY, AgentFacts
from tests.contract.agent.test_follow_replay import Agent, AsyncAgent

pytestmark = pytest.mark.live

DEADLINE_S = 300.0  # a loaded 2-core machine; the conversation itself takes ~2 s


class Relay:
    """A loopback TCP relay to the server; :meth:`cut` closes every open link (new ones still work)."""

    def __init__(self, target_port: int) -> None:
        self._target = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._links: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self._listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self._target))
                with self._lock:
                    self._links += [client, upstream]
                for a, b in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def cut(self) -> None:
        with self._lock:
            links, self._links = self._links, []
        for link in links:
            with contextlib.suppress(OSError):
                link.shutdown(socket.SHUT_RDWR)
            link.close()

    def close(self) -> None:
        self._listener.close()
        self.cut()


class ViaRelay:
    """The follow client: the socket goes through the relay, REST straight to the server."""

    def __init__(self, agent: Any, url: str) -> None:
        self._agent, self.url = agent, url

    @property
    def session_key(self) -> Secret:
        return self._agent.session_key  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._agent, name)


@pytest.fixture
def slow_llm() -> Iterator[str]:
    from fake_llm import FakeLLM

    with FakeLLM(delay_s=1.0) as llm:  # spreads the events over seconds, so a cut lands mid-stream
        yield llm.base_url


@pytest.fixture(scope="module")
def agent_server_134() -> Iterator[AgentFacts]:
    """Agent server 1.34.0, the release V1 sandboxes run (first-message auth, no resend_mode)."""
    import agent_server as launcher
    from fake_llm import FakeLLM

    saved = launcher.AGENT_SERVER_VERSION, launcher.REQUIREMENTS
    launcher.AGENT_SERVER_VERSION = "1.34.0"
    launcher.REQUIREMENTS = [f"{name}==1.34.0" for name in ("openhands-agent-server", "openhands-sdk", "openhands-tools")]
    try:
        server = launcher.start()
    finally:
        launcher.AGENT_SERVER_VERSION, launcher.REQUIREMENTS = saved
    try:
        with FakeLLM() as llm:
            yield AgentFacts(server.url, server.session_key, str(server.workspace), llm.base_url)
    finally:
        server.stop()


@pytest.fixture(params=["agent_server", "agent_server_134"], ids=["1.58", "1.34"])
def any_agent_server(request: pytest.FixtureRequest) -> AgentFacts:
    facts: AgentFacts = request.getfixturevalue(request.param)
    return facts


def start(agent: Agent, facts: AgentFacts, name: str, llm_base_url: str) -> str:
    conv = agent.start_conversation(
        prompt="say hello", working_dir=f"{facts.workspace}/{name}", llm_model="openai/fake", llm_base_url=llm_base_url,
        llm_api_key=FAKE_LLM_KEY, llm_extra={"num_retries": 0}, terminal_type="subprocess", autotitle=False,
    )
    return str(conv.id)


def listed(agent: Agent, conversation_id: str) -> list[str]:
    return [str(event.id) for event in agent.iter_events(conversation_id)]


def test_follow_from_start_to_settled_equals_the_listing(any_agent_server: AgentFacts) -> None:
    facts = any_agent_server
    with Agent(facts.url, facts.session_key) as agent:
        conversation_id = start(agent, facts, "follow-live", facts.llm_base_url)
        with Follower(agent, conversation_id, deadline_s=DEADLINE_S) as follower:
            ids = [str(event.id) for event in follower]
        assert follower.settled and follower.status == "finished"
        assert ids == listed(agent, conversation_id) and len(ids) >= 11


def test_wrong_key_is_refused_in_both_auth_forms(any_agent_server: AgentFacts) -> None:
    wrong = "wrong-key-0123456789abcdef"
    with Agent(any_agent_server.url, any_agent_server.session_key) as agent:
        conversation_id = start(agent, any_agent_server, "follow-wrong-key", any_agent_server.llm_base_url)
    with Agent(any_agent_server.url, wrong) as agent, pytest.raises(AuthenticationError) as err:
        list(Follower(agent, conversation_id, deadline_s=DEADLINE_S))
    assert wrong not in str(err.value)


def test_async_follow_from_start_to_settled_equals_the_listing(agent_server: AgentFacts) -> None:
    async def main() -> tuple[list[str], Any]:
        async with AsyncAgent(agent_server.url, agent_server.session_key) as agent:
            async with AsyncFollower(agent, conversation_id, deadline_s=DEADLINE_S) as follower:
                return [str(event.id) async for event in follower], follower

    with Agent(agent_server.url, agent_server.session_key) as agent:
        conversation_id = start(agent, agent_server, "afollow-live", agent_server.llm_base_url)
        ids, follower = asyncio.run(main())
        assert follower.settled and ids == listed(agent, conversation_id)


def test_socket_cut_mid_stream_loses_and_duplicates_nothing(any_agent_server: AgentFacts, slow_llm: str) -> None:
    facts = any_agent_server
    relay = Relay(int(facts.url.rsplit(":", 1)[1]))
    try:
        with Agent(facts.url, facts.session_key) as agent:
            conversation_id = start(agent, facts, "follow-cut", slow_llm)
            source = ViaRelay(agent, f"http://127.0.0.1:{relay.port}")
            ids: list[str] = []
            with Follower(source, conversation_id, deadline_s=DEADLINE_S, reconnect_base_s=0.05) as follower:
                for event in follower:
                    ids.append(str(event.id))
                    if len(ids) == 3:
                        relay.cut()
            assert follower.reconnects >= 1 and follower.settled
            assert ids == listed(agent, conversation_id) and len(ids) == len(set(ids))
    finally:
        relay.close()
