"""poll_until_terminal and event parsing of the V0 client, against scripted servers (httpx.MockTransport).

Time is fake: ``sleep`` advances a fake clock, so timeouts and backoff are asserted exactly without
waiting.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from openhands_api import NotFoundError, WaitTimeoutError
from openhands_api.v0 import AsyncV0Client, PollProgress, PollResult, V0Client, agent_state_of
from openhands_api_v0.models import ActionEvent, ObservationEvent, OtherEvent

from tests.twins import Twin, sleeper

pytestmark = pytest.mark.usefixtures("both_twins")  # every test runs on the sync client and on the async one

CID = "a" * 32
BASE = "http://127.0.0.1:3000"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def conversation(status: str = "RUNNING", **extra: Any) -> dict[str, Any]:
    return {"conversation_id": CID, "title": "t", "status": status, "runtime_status": "STATUS$RUNTIME_STARTED",
            "url": f"/api/conversations/{CID}", **extra}


def state_event(event_id: int, state: str) -> dict[str, Any]:
    return {"id": event_id, "timestamp": "2026-11-23T08:38:02.153403", "source": "environment", "message": "",
            "observation": "agent_state_changed", "content": "", "extras": {"agent_state": state, "reason": ""}}


def action_event(event_id: int, action: str = "run") -> dict[str, Any]:
    return {"id": event_id, "timestamp": "2026-11-23T08:38:02", "source": "agent", "message": "m",
            "action": action, "args": {"command": "echo hello"}}


class ScriptedServer:
    """Answers GET conversation from ``statuses`` (one per poll, last one repeats) and events from a
    growing list: after poll n, ``events_by_poll[n]`` have been appended."""

    def __init__(self, statuses: list[Any], events_by_poll: list[list[dict[str, Any]]] | None = None,
                 events_status: int = 200) -> None:
        self.statuses = statuses
        self.events_by_poll = events_by_poll or []
        self.events_status = events_status
        self.polls = 0
        self.events: list[dict[str, Any]] = []
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == f"/api/conversations/{CID}":
            status = self.statuses[min(self.polls, len(self.statuses) - 1)]
            if self.polls < len(self.events_by_poll):
                self.events.extend(self.events_by_poll[self.polls])
            self.polls += 1
            if status is None:  # what the real server sends for an unknown id
                return httpx.Response(200, content=b"null", headers={"content-type": "application/json"})
            return httpx.Response(200, json=conversation(status) if isinstance(status, str) else status)
        if path == f"/api/conversations/{CID}/events":
            if self.events_status != 200:
                return httpx.Response(self.events_status, json={"detail": f"Conversation {CID} not found"})
            query = parse_qs(urlsplit(str(request.url)).query)
            start = int(query.get("start_id", ["0"])[0])
            limit = int(query.get("limit", ["20"])[0])
            matching = [e for e in self.events if e["id"] >= start]
            return httpx.Response(200, json={"events": matching[:limit], "has_more": len(matching) > limit})
        return httpx.Response(404, json={"detail": "Not Found"})


def make(handler: Callable[[httpx.Request], httpx.Response], clock: FakeClock) -> V0Client:
    client: V0Client = Twin.build(V0Client, AsyncV0Client, api_key="unit-test-key", base_url=BASE,
                                  http_transport=httpx.MockTransport(handler), sleep=sleeper(Twin.kind, clock.sleep),
                                  clock=clock)
    return client


def test_ends_on_agent_state_while_status_stays_running() -> None:
    clock = FakeClock()
    server = ScriptedServer(
        ["RUNNING"],
        [[state_event(0, "loading"), action_event(1, "message")],
         [state_event(2, "running"), action_event(3)],
         [state_event(4, "finished")]],
    )
    seen: list[PollProgress] = []
    final = make(server, clock).poll_until_terminal(CID, timeout_s=100, poll_interval_s=30, on_progress=seen.append)
    assert isinstance(final, PollResult)
    assert (final.ended_by, final.agent_state, final.status) == ("agent_state", "finished", "RUNNING")
    assert final["status"] == "RUNNING" and final.get("url") == f"/api/conversations/{CID}"
    assert [p.agent_state for p in seen] == ["loading", "running", "finished"]
    assert final.polls == 3 and final.last_event_id == 4
    # Only new events are read on each poll.
    starts = [parse_qs(urlsplit(str(r.url)).query)["start_id"][0] for r in server.requests if r.url.path.endswith("/events")]
    assert starts == ["0", "2", "4"]


@pytest.mark.parametrize("status", ["STOPPED", "ERROR", "ARCHIVED"])
def test_ends_on_terminal_status_even_without_events(status: str) -> None:
    clock = FakeClock()
    server = ScriptedServer(["STARTING", "RUNNING", status], events_status=404)  # hosted: no event stream yet
    final = make(server, clock).poll_until_terminal(CID, timeout_s=100)
    assert final.ended_by == "status" and final.status == status and final.agent_state is None


@pytest.mark.parametrize("state", ["finished", "awaiting_user_input", "error", "stopped", "rejected"])
def test_every_terminal_agent_state_ends_the_wait(state: str) -> None:
    clock = FakeClock()
    final = make(ScriptedServer(["RUNNING"], [[state_event(0, "running"), state_event(1, state)]]), clock).poll_until_terminal(CID)
    assert final.agent_state == state and final.ended_by == "agent_state"


def test_status_wins_when_both_signals_are_terminal() -> None:
    clock = FakeClock()
    final = make(ScriptedServer(["STOPPED"], [[state_event(0, "stopped")]]), clock).poll_until_terminal(CID)
    assert final.ended_by == "status" and final.agent_state == "stopped"


def test_backoff_grows_to_the_poll_interval_and_timeout_names_status_and_agent_state() -> None:
    clock = FakeClock()
    server = ScriptedServer(["RUNNING"], [[state_event(0, "running")]])
    with pytest.raises(WaitTimeoutError) as timed_out:
        make(server, clock).poll_until_terminal(CID, timeout_s=20, poll_interval_s=4)
    assert clock.sleeps[:5] == [1.0, 1.5, 2.25, 3.375, 4.0]
    assert all(s <= 4.0 for s in clock.sleeps)
    message = str(timed_out.value)
    assert "status=RUNNING" in message and "agent_state=running" in message and CID in message
    last = timed_out.value.last_status
    assert isinstance(last, PollProgress) and last.agent_state == "running"
    assert clock.now == pytest.approx(20.0)  # the last sleep is cut to the deadline, not overshot


def test_unknown_states_and_statuses_do_not_end_the_wait() -> None:
    clock = FakeClock()
    server = ScriptedServer(["PAUSED_BY_NEWER_SERVER", "RUNNING"],
                            [[state_event(0, "hibernating")], [state_event(1, "finished")]])
    seen: list[PollProgress] = []
    final = make(server, clock).poll_until_terminal(CID, on_progress=seen.append)
    assert [(p.status, p.agent_state) for p in seen] == [("PAUSED_BY_NEWER_SERVER", "hibernating"), ("RUNNING", "finished")]
    assert final.agent_state == "finished"


def test_after_event_id_ignores_the_previous_runs_final_state() -> None:
    clock = FakeClock()
    old_run = [state_event(0, "running"), state_event(1, "finished"), action_event(2, "message")]
    server = ScriptedServer(["RUNNING"], [old_run, [state_event(3, "running")], [state_event(4, "finished")]])
    final = make(server, clock).poll_until_terminal(CID, after_event_id=2)
    assert final.polls == 3 and final.last_event_id == 4


def test_many_new_events_between_polls_are_paged() -> None:
    clock = FakeClock()
    burst = [action_event(i) for i in range(250)] + [state_event(250, "finished")]
    server = ScriptedServer(["RUNNING"], [burst])
    final = make(server, clock).poll_until_terminal(CID)
    assert final.agent_state == "finished" and final.last_event_id == 250
    assert sum(1 for r in server.requests if r.url.path.endswith("/events")) == 3  # 100 + 100 + 51


def test_unknown_id_is_not_found_not_a_crash() -> None:
    clock = FakeClock()
    server = ScriptedServer([None])
    with pytest.raises(NotFoundError) as not_found:
        make(server, clock).poll_until_terminal(CID)
    assert "not found" in str(not_found.value) and not_found.value.status_code == 200


def test_invalid_wait_arguments_are_rejected_before_any_request() -> None:
    clock = FakeClock()
    server = ScriptedServer(["RUNNING"])
    with pytest.raises(ValueError):
        make(server, clock).poll_until_terminal(CID, poll_interval_s=0)
    assert server.requests == []


def test_event_dispatch_keeps_unknown_kinds() -> None:
    body = {"events": [
        state_event(0, "finished"),
        action_event(1, "brand_new_action") | {"new_field": {"x": 1}},
        {"id": 2, "observation": "brand_new_observation", "extras": {"k": "v"}},
        {"id": 3, "something": "else"},
    ], "has_more": False}
    clock = FakeClock()
    client = make(lambda _r: httpx.Response(200, json=body), clock)
    events = client.get_events(CID).events
    assert [type(e) for e in events] == [ObservationEvent, ActionEvent, ObservationEvent, OtherEvent]
    assert agent_state_of(events[0]) == "finished" and agent_state_of(events[1]) is None
    assert isinstance(events[1], ActionEvent) and events[1].action == "brand_new_action"
    assert events[1].raw["new_field"] == {"x": 1} and events[3].raw["something"] == "else"
    assert json.loads(json.dumps([dict(e.raw) for e in events])) == body["events"]
