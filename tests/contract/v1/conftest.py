"""The V1 app server under test: real (started here) when live/recording, canonical facts when replaying.

Live: ``scripts/servers/app_server_v1.py`` starts openhands-ai 1.11.0 with process sandboxes, a
random session key and the fake LLM, once per test session, and deletes every conversation and
sandbox when the session ends. Replaying: nothing runs; the client talks to the canonical URL that
tests/conftest.py rewrites every recorded loopback URL to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from openhands_api.v1 import AsyncOpenHandsV1, OpenHandsV1

from tests.conftest import CANONICAL_URL, is_live
from tests.twins import TWINS, twin

FAKE_MODEL = "openai/fake-model"
# What the launcher stores as the fake LLM's key (scrubbed from cassettes anyway); not a secret.
FAKE_LLM_KEY = "fake-llm-key"


@dataclass(frozen=True)
class V1Facts:
    url: str
    key: str = field(repr=False)
    llm_base_url: str
    live: bool


@pytest.fixture(scope="session")
def v1_server(request: pytest.FixtureRequest) -> Iterator[V1Facts]:
    if not is_live(request.config):
        yield V1Facts(CANONICAL_URL, "replay-session-key", f"{CANONICAL_URL}/v1", live=False)
        return
    from app_server_v1 import start_app_server_v1  # scripts/servers, on sys.path via tests/conftest.py

    with start_app_server_v1(session_key=True) as server:
        assert server.key is not None and server.fake_llm is not None
        yield V1Facts(server.url, server.key, server.fake_llm.base_url, live=True)


@pytest.fixture(params=TWINS)
def v1(request: pytest.FixtureRequest, v1_server: V1Facts, twin_runner: asyncio.Runner) -> Iterator[OpenHandsV1]:
    """The sync client, then the async one (driven through tests/twins.py): one contract, both twins."""
    with twin(request.param, OpenHandsV1, AsyncOpenHandsV1, twin_runner, v1_server.url, api_key=v1_server.key,
              auth_scheme="session-key") as client:
        yield client
