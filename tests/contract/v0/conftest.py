"""The V0 app server under test: real openhands-ai 1.6.0 (started here) when live/recording,
canonical facts when replaying cassettes.

Live runs start ``scripts/servers/v0_server.py`` once per session (about 15-40 s to ready), with a
random ``SESSION_API_KEY`` so every recorded call really authenticates, and the fake LLM.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from openhands_api.v0 import AsyncV0Client, V0Client

from tests.conftest import CANONICAL_URL, is_live
from tests.twins import TWINS, twin

# `GET /api/options/config` carries the web front end's PostHog project key (public, but it looks
# like a credential to scanners): keep it out of the cassettes.
_POSTHOG_KEY = re.compile(rb"phc_[A-Za-z0-9]+")


@pytest.fixture(scope="module")
def vcr_config(vcr_config: dict[str, Any]) -> dict[str, Any]:
    """The shared config (tests/conftest.py) plus one V0-specific scrub."""
    shared_hook = vcr_config["before_record_response"]

    def before_record_response(response: dict[str, Any]) -> dict[str, Any]:
        response = shared_hook(response)
        body = response.get("body", {})
        data = body.get("string") if isinstance(body, dict) else None
        if isinstance(data, bytes | str):
            raw = data.encode() if isinstance(data, str) else data
            clean = _POSTHOG_KEY.sub(b"phc_REDACTED", raw)
            if clean != raw:
                body["string"] = clean if isinstance(data, bytes) else clean.decode()
                for name in list(response.get("headers", {})):
                    if name.lower() == "content-length":
                        response["headers"][name] = [str(len(clean))]
        return response

    return {**vcr_config, "before_record_response": before_record_response}


@dataclass
class V0Facts:
    url: str
    key: str = field(repr=False)
    settings: dict[str, Any] = field(repr=False)
    server: Any = field(default=None, repr=False)  # the live V0Server (None when replaying)

    @contextlib.contextmanager
    def llm_failing(self) -> Iterator[None]:
        """Make the fake LLM answer tool calls with HTTP 500 for the duration (live only)."""
        if self.server is None:
            yield
            return
        self.server.llm.fail_tools = True
        try:
            yield
        finally:
            self.server.llm.fail_tools = False


@pytest.fixture(scope="session")
def v0_server(request: pytest.FixtureRequest) -> Iterator[V0Facts]:
    import v0_server as launcher  # scripts/servers, on sys.path via tests/conftest.py

    if not is_live(request.config):
        # Canonical forms every recording was rewritten to (tests/conftest.py).
        yield V0Facts(CANONICAL_URL, "replay-session-key", launcher.settings_for(f"{CANONICAL_URL}/v1"))
        return
    with launcher.start_v0_server(session_key=True) as server:
        yield V0Facts(server.url, server.key or "", server.settings, server)


@pytest.fixture(params=TWINS)
def make_client(request: pytest.FixtureRequest, v0_server: V0Facts,
                twin_runner: asyncio.Runner) -> Iterator[Callable[..., V0Client]]:
    """Makes the sync client, then the async one (driven through tests/twins.py): one contract, both twins."""
    clients: list[V0Client] = []

    def make(**kwargs: Any) -> V0Client:
        kwargs.setdefault("api_key", v0_server.key)
        # Self-hosted scheme, also when replaying against the non-loopback canonical host.
        kwargs.setdefault("auth_scheme", "session-key")
        client: V0Client = twin(request.param, V0Client, AsyncV0Client, twin_runner, base_url=v0_server.url, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def api(make_client: Callable[..., V0Client]) -> V0Client:
    return make_client()

