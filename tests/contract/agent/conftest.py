"""The agent server under test: real (started here) when live/recording, canonical facts when replaying.

Two agent-server versions are tested, each with its own cassettes:

* the pin (``AGENT_SERVER_VERSION`` in scripts/servers/agent_server.py, 1.58.2):
  ``tests/contract/agent/cassettes/<module>/<test>.yaml``;
* what V1 sandboxes run (``SANDBOX_AGENT_SERVER_VERSION``, 1.34.0):
  ``tests/contract/agent/cassettes/agent-1.34.0/<module>/<test>.yaml``.

The version is ``$AGENT_VERSION`` (``make test`` replays both; ``make record SERVER=agent
AGENT_VERSION=1.34.0`` re-records the second). Tests read it from the ``agent_version`` fixture where
the versions answer differently.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import agent_server as launcher  # scripts/servers, on sys.path via tests/conftest.py
import pytest
from openhands_api import AgentServerClient

from tests.conftest import CANONICAL_URL, ROOT, is_live

# What a fake LLM key looks like in request bodies (scrubbed anyway); not a secret.
FAKE_LLM_KEY = "fake-llm-key"
AGENT_VERSION = launcher.selected_version()
PINNED = launcher.AGENT_SERVER_VERSION
CASSETTES = Path(__file__).resolve().parent / "cassettes"


def cassette_root(version: str = AGENT_VERSION) -> Path:
    """The pin records into cassettes/ itself; any other version into cassettes/agent-<version>/."""
    return CASSETTES if version == PINNED else CASSETTES / f"agent-{version}"


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(cassette_root() / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture(scope="session")
def agent_version() -> str:
    return AGENT_VERSION


@dataclass(frozen=True)
class AgentFacts:
    url: str
    session_key: str = field(repr=False)
    workspace: str
    llm_base_url: str
    version: str = AGENT_VERSION


@pytest.fixture(scope="session")
def agent_server(request: pytest.FixtureRequest) -> Iterator[AgentFacts]:
    if not is_live(request.config):
        if not cassette_root().is_dir():
            pytest.skip(f"no cassettes for agent server {AGENT_VERSION}: `make record SERVER=agent AGENT_VERSION={AGENT_VERSION}`")
        # The canonical forms every recording was rewritten to (tests/conftest.py).
        yield AgentFacts(CANONICAL_URL, "replay-session-key", "/tmp/openhands-api-agent-STATE/ws", f"{CANONICAL_URL}/v1")
        return
    from fake_llm import FakeLLM

    with FakeLLM() as llm, launcher.running(version=AGENT_VERSION) as server:
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


def pytest_report_header(config: pytest.Config) -> str:
    return f"agent server version: {AGENT_VERSION} (cassettes: {cassette_root().relative_to(ROOT)})"
