"""The polling waits settle by the one rule (``_settle``): a status that flips back to running after
``finished`` (a stop hook) does not end the wait. Offline (MockTransport), both twins; time is the
recorded pauses, never the wall clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from openhands_api import AgentServerClient, AsyncAgentServerClient
from openhands_api.v1 import AsyncOpenHandsV1, OpenHandsV1

from tests.twins import Twin, sleeper

pytestmark = pytest.mark.usefixtures("both_twins")

CONV = "c0ffee00c0ffee00c0ffee00c0ffee00"
# finished, then a stop hook puts it back to running, then finished for good (updated_at moves with each change)
FLIP = [("running", "2026-12-01T10:00:01"), ("finished", "2026-12-01T10:00:02"), ("running", "2026-12-01T10:00:03"), ("finished", "2026-12-01T10:00:04")]


def answers(script: list[tuple[str, str]], shape: Callable[[str, str], Any]) -> tuple[Callable[[httpx.Request], httpx.Response], list[str]]:
    """Answer each poll with the next (status, updated_at) of ``script``; the last one repeats."""
    served: list[str] = []

    def handler(_request: httpx.Request) -> httpx.Response:
        status, updated = script[min(len(served), len(script) - 1)]
        served.append(status)
        return httpx.Response(200, json=shape(status, updated))

    return handler, served


def v1_client(handler: Callable[[httpx.Request], httpx.Response], waits: list[float]) -> OpenHandsV1:
    client: OpenHandsV1 = Twin.build(OpenHandsV1, AsyncOpenHandsV1, "http://127.0.0.1:3000", api_key="k",
                                     http_transport=httpx.MockTransport(handler), sleep=sleeper(Twin.kind, waits.append))
    return client


def agent_client(handler: Callable[[httpx.Request], httpx.Response], waits: list[float]) -> AgentServerClient:
    client: AgentServerClient = Twin.build(AgentServerClient, AsyncAgentServerClient, "http://127.0.0.1:8000", "k",
                                           http_transport=httpx.MockTransport(handler), sleep=sleeper(Twin.kind, waits.append))
    return client


def v1_conv(status: str, updated: str) -> list[dict[str, Any]]:
    return [{"id": CONV, "sandbox_id": "sb", "sandbox_status": "RUNNING", "execution_status": status, "updated_at": updated}]


def agent_conv(status: str, updated: str) -> dict[str, Any]:
    return {"id": CONV, "execution_status": status, "updated_at": updated}


def held_after_last_change(served: list[str], waits: list[float]) -> float:
    """Seconds slept between the poll that first saw the final answer and the last poll."""
    first_final = len(FLIP) - 1
    return sum(waits[first_final:len(served) - 1])


def test_v1_wait_goes_on_when_finished_flips_back_to_running() -> None:
    handler, served = answers(FLIP, v1_conv)
    waits: list[float] = []
    with v1_client(handler, waits) as oh:
        done = oh.wait_until_finished(CONV)
    assert str(done.execution_status) == "finished"
    assert served[:4] == ["running", "finished", "running", "finished"]  # did not stop at the first finished
    assert held_after_last_change(served, waits) >= 2.0  # the default settle window, in pauses taken


def test_agent_wait_goes_on_when_finished_flips_back_to_running() -> None:
    handler, served = answers(FLIP, agent_conv)
    waits: list[float] = []
    with agent_client(handler, waits) as agent:
        done = agent.wait_until_finished(CONV, settle_s=1.0)
    assert done.execution_status == "finished" and served[:4] == ["running", "finished", "running", "finished"]
    assert held_after_last_change(served, waits) >= 1.0


def test_a_moving_updated_at_restarts_the_window() -> None:
    # finished throughout, but events keep arriving (updated_at moves) for three polls
    script = [("finished", "2026-12-01T10:00:01"), ("finished", "2026-12-01T10:00:02"), ("finished", "2026-12-01T10:00:03"), ("finished", "2026-12-01T10:00:04")]
    handler, served = answers(script, agent_conv)
    waits: list[float] = []
    with agent_client(handler, waits) as agent:
        agent.wait_until_finished(CONV, settle_s=1.0)
    assert len(served) > len(script) and sum(waits[len(script) - 1:]) >= 1.0


def test_settle_zero_returns_on_the_first_final_status() -> None:
    handler, served = answers(FLIP, v1_conv)
    waits: list[float] = []
    with v1_client(handler, waits) as oh:
        oh.wait_until_finished(CONV, settle_s=0)
    assert served == ["running", "finished"]
