"""The agent server under test: real (started here) when live/recording, canonical facts when replaying."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from openhands_api import AgentServerClient

from tests.conftest import CANONICAL_URL, is_live

# What a fake LLM key looks like in request bodies (scrubbed anyway); not a secret.
FAKE_LLM_KEY = "fake-llm-key"


@dataclass(frozen=True)
class AgentFacts:
    url: str
    session_key: str = field(repr=False)
    workspace: str
    llm_base_url: str


@pytest.fixture(scope="session")
def agent_server(request: pytest.FixtureRequest) -> Iterator[AgentFacts]:
    if not is_live(request.config):
        # The canonical forms every recording was rewritten to (tests/conftest.py).
        yield AgentFacts(CANONICAL_URL, "replay-session-key", "/tmp/openhands-api-agent-STATE/ws", f"{CANONICAL_URL}/v1")
        return
    import agent_server as launcher  # scripts/servers, on sys.path via tests/conftest.py
    from fake_llm import FakeLLM

    with FakeLLM() as llm, launcher.running() as server:
        yield AgentFacts(server.url, server.session_key, str(server.workspace), llm.base_url)


@pytest.fixture
def agent(agent_server: AgentFacts) -> Iterator[AgentServerClient]:
    with AgentServerClient(agent_server.url, agent_server.session_key) as client:
        yield client


@pytest.fixture
def start_hello(agent: AgentServerClient, agent_server: AgentFacts):  # type: ignore[no-untyped-def]
    """Start the fake LLM's two-step conversation (echo hello, then finish) with the deterministic terminal."""

    def start(name: str):  # type: ignore[no-untyped-def]
        return agent.start_conversation(
            prompt="say hello",
            working_dir=f"{agent_server.workspace}/{name}",
            llm_model="openai/fake",
            llm_base_url=agent_server.llm_base_url,
            llm_api_key=FAKE_LLM_KEY,
            llm_extra={"num_retries": 0},
            terminal_type="subprocess",
        )

    return start
