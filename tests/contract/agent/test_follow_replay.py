"""follow() / afollow() offline: the real agent server's recorded event socket, replayed locally.

Every test runs both twins. Correctness is asserted by event id against the recorded REST
listing (nothing lost, nothing twice, same order), never by timing: the settle window is short
so the suite is fast, and follow() confirms through REST before it stops, so a slow machine
changes only how long a test takes.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openhands_api import (
    AgentServerClient,
    APIConnectionError,
    AsyncAgentServerClient,
    AuthenticationError,
    NotFoundError,
    WaitTimeoutError,
    _tls,
)
from openhands_api._async_follow import AsyncFollower
from openhands_api._follow import Follower
from openhands_api._secret import Secret

from tests.certificates import certificate, needs_openssl, server_context
from tests.contract.agent.ws_replay import SERVER_LOGGER, Plan, ReplayServer, Transcript

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

KEY = "replay-key-0123456789abcdef"
SETTLE_S = 0.3
FAST = {"settle_s": SETTLE_S, "reconnect_base_s": 0.01, "first_frame_timeout_s": 5.0, "deadline_s": 120.0}


class Agent(AgentServerClient):
    @property
    def session_key(self) -> Secret:
        return self._key


class AsyncAgent(AsyncAgentServerClient):
    @property
    def session_key(self) -> Secret:
        return self._key


def run_follow(twin: str, url: str, conversation_id: str, key: str = KEY, **options: Any) -> tuple[list[Any], Any]:
    """Follow to the end with the sync or the async twin: (events, follower)."""
    options = {**FAST, **options}
    if twin == "sync":
        with Agent(url, key) as agent, Follower(agent, conversation_id, **options) as follower:
            return list(follower), follower

    async def main() -> tuple[list[Any], Any]:
        async with AsyncAgent(url, key) as agent, AsyncFollower(agent, conversation_id, **options) as follower:
            return [event async for event in follower], follower

    return asyncio.run(main())


@pytest.fixture(params=["sync", "async"])
def twin(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["hello", "hello-1.34"])
def hello(request: pytest.FixtureRequest) -> Transcript:
    """The same conversation recorded from agent server 1.58 and from 1.34 (what V1 sandboxes run)."""
    return Transcript.load(request.param)


@pytest.fixture
def replay(hello: Transcript) -> Iterator[ReplayServer]:
    with ReplayServer(hello, KEY) as server:
        yield server


def listed_ids(transcript: Transcript) -> list[str]:
    return [event["id"] for event in transcript.events]


def test_recorded_transcript_is_what_follow_expects(hello: Transcript) -> None:
    # The facts the engine relies on, as recorded from the real server.
    assert hello.frames[0]["key"] == "full_state"  # the subscription snapshot comes first
    persisted = [f["id"] for f in hello.frames if f.get("key") != "full_state"]
    assert persisted == listed_ids(hello)  # every other frame is a listed event, in listing order
    assert hello.conversation["execution_status"] == "finished"


def test_follows_from_start_to_settled(twin: str, replay: ReplayServer, hello: Transcript) -> None:
    events, follower = run_follow(twin, replay.url, hello.conversation_id)
    assert [e.id for e in events] == listed_ids(hello)
    assert [e.raw["kind"] for e in events] == [e["kind"] for e in hello.events]
    assert type(events[0]).__name__ == "SystemPromptEvent" and events[0].raw == hello.events[0]
    assert follower.settled and follower.status == "finished" and follower.reconnects == 0
    assert follower.last_event_id == hello.events[-1]["id"]
    assert KEY not in repr(follower) and "/sockets/events/" in repr(follower)


@dataclass
class Tls:
    server: ssl.SSLContext  # the replay server's, with its key
    certificate: Path  # the server's certificate
    other: Path  # another certificate: what SSL_CERT_FILE names


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Tls:
    cert, key = certificate(tmp_path, "replay")
    other, _ = certificate(tmp_path, "other")
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setattr(_tls, "_built", {})
    return Tls(server_context(cert, key), cert, other)


@needs_openssl
def test_follows_over_tls_with_the_trust_the_http_calls_use(
    twin: str, hello: Transcript, tls: Tls, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # https for the catch-up and the settle check, wss for the socket. The client's trust (the
    # process-wide context of openhands_api._tls) is given the server's certificate, while
    # SSL_CERT_FILE names another one: a socket that loaded a trust store of its own would refuse.
    monkeypatch.setitem(_tls._built, (str(tls.other), None), ssl.create_default_context(cafile=str(tls.certificate)))
    with ReplayServer(hello, KEY, tls=tls.server) as server:
        assert server.url.startswith("https://")
        events, follower = run_follow(twin, server.url, hello.conversation_id)
    assert [e.id for e in events] == listed_ids(hello)
    assert follower.settled and follower.reconnects == 0 and server.connections == 1


@needs_openssl
def test_an_untrusted_server_certificate_ends_the_follow_at_once_with_a_hint(twin: str, hello: Transcript, tls: Tls) -> None:
    with ReplayServer(hello, KEY, tls=tls.server) as server, \
            pytest.raises(APIConnectionError, match="CERTIFICATE_VERIFY_FAILED") as caught:
        run_follow(twin, server.url, hello.conversation_id)
    assert "SSL_CERT_FILE" in str(caught.value) and "attempts" not in str(caught.value)
    assert server.connections == 0


@pytest.mark.parametrize(
    "plans",
    [
        [Plan(send=4, then="drop", lose=3), Plan()],  # TCP link cut mid-stream, 3 events missed
        [Plan(send=2, then="close", lose=2), Plan(send=3, then="drop", lose=1), Plan()],  # twice
        [Plan(send=6, then="drop"), Plan(rewind=4)],  # the server re-sends what was delivered
        [Plan(send=5, then="close", close_code=1013, lose=5), Plan()],  # "try again later"
    ],
    ids=["drop-lose", "twice", "resent", "busy"],
)
def test_disconnect_loses_and_duplicates_nothing(twin: str, hello: Transcript, plans: list[Plan]) -> None:
    with ReplayServer(hello, KEY, plans=plans) as server:
        events, follower = run_follow(twin, server.url, hello.conversation_id)
    ids = [e.id for e in events]
    assert ids == listed_ids(hello)
    assert len(ids) == len(set(ids))
    assert follower.reconnects == len(plans) - 1 and server.connections == len(plans)
    assert follower.settled and follower.status == "finished"


def test_an_event_stamped_long_before_it_was_stored_is_not_lost_in_a_gap(twin: str, hello: Transcript) -> None:
    # Stats updates are stamped when a step starts and stored after it (0.55 s on the 1.34 recording;
    # minutes with a long command). One missed during a disconnect must still come from REST: the
    # catch-up follows the listing's storage order, not timestamps.
    late = copy.deepcopy(hello)
    last = late.events[-1]
    assert last["kind"] == "ConversationStateUpdateEvent" and last["key"] == "stats"
    last["timestamp"] = "2000-01-01T00:00:00"
    next(f for f in late.frames if f["id"] == last["id"])["timestamp"] = last["timestamp"]
    before = next(i for i, f in enumerate(late.frames) if f["id"] == last["id"]) - 1
    with ReplayServer(late, KEY, plans=[Plan(send=before, then="drop", lose=1), Plan()]) as server:
        events, follower = run_follow(twin, server.url, late.conversation_id)
    assert [e.id for e in events] == listed_ids(late) and follower.reconnects == 1


def test_breaking_out_closes_the_socket(twin: str, replay: ReplayServer, hello: Transcript) -> None:
    taken: list[Any] = []

    async def take_three() -> None:
        async with AsyncAgent(replay.url, KEY) as agent, AsyncFollower(agent, hello.conversation_id, **FAST) as follower:
            async for event in follower:
                taken.append(event)
                if len(taken) == 3:
                    break

    if twin == "sync":
        with Agent(replay.url, KEY) as agent, Follower(agent, hello.conversation_id, **FAST) as follower:
            for event in follower:
                taken.append(event)
                if len(taken) == 3:
                    break
    else:
        asyncio.run(take_three())
    assert len(taken) == 3
    assert replay.closed.wait(timeout=60)  # the server saw the client leave


def test_a_new_key_after_resume_is_taken_from_reresolve(twin: str, hello: Transcript) -> None:
    # A V1 sandbox paused and resumed: the old key is refused (socket and REST); `reresolve` gives
    # a client with the new one, and following goes on from the last event.
    new_key = "resumed-key-0123456789abcdef"
    plans = [Plan(send=4, then="drop", lose=3, new_key=new_key), Plan()]
    with ReplayServer(hello, KEY, plans=plans) as server:
        if twin == "sync":
            with Agent(server.url, KEY) as old, Agent(server.url, new_key) as new:
                with Follower(old, hello.conversation_id, reresolve=lambda: new, **FAST) as follower:
                    ids = [event.id for event in follower]
        else:
            async def main() -> tuple[list[Any], AsyncFollower]:
                async with AsyncAgent(server.url, KEY) as old, AsyncAgent(server.url, new_key) as new:
                    async def reresolve() -> AsyncAgent:
                        return new

                    async with AsyncFollower(old, hello.conversation_id, reresolve=reresolve, **FAST) as follower:
                        return [event.id async for event in follower], follower

            ids, follower = asyncio.run(main())
    assert ids == listed_ids(hello)
    assert follower.reresolved == 1 and follower.settled


def test_without_reresolve_a_refused_key_is_an_authentication_error(twin: str, hello: Transcript) -> None:
    with ReplayServer(hello, KEY, plans=[Plan(send=4, then="drop", new_key="other-key-0123456789")]) as server, \
            pytest.raises(AuthenticationError):
        run_follow(twin, server.url, hello.conversation_id)


def test_server_without_first_message_auth_gets_the_header(twin: str, hello: Transcript) -> None:
    with ReplayServer(hello, KEY, header_only=True, plans=[Plan(send=3, then="drop"), Plan()]) as server:
        events, follower = run_follow(twin, server.url, hello.conversation_id)
    assert [e.id for e in events] == listed_ids(hello)
    assert follower.reconnects == 1


def test_wrong_key_is_an_authentication_error_without_the_key(twin: str, replay: ReplayServer, hello: Transcript) -> None:
    wrong = "wrong-key-abcdefghijklmnop"
    with pytest.raises(AuthenticationError) as err:
        run_follow(twin, replay.url, hello.conversation_id, key=wrong)
    assert wrong not in str(err.value) and wrong not in repr(err.value)


def test_unknown_conversation_is_not_found(twin: str, replay: ReplayServer) -> None:
    with pytest.raises(NotFoundError):
        run_follow(twin, replay.url, "00000000-0000-4000-8000-000000000000")


def test_since_an_event_id_delivers_only_what_follows(twin: str, hello: Transcript) -> None:
    since = hello.events[4]["id"]  # an event the caller saw earlier: it is listed by now
    already = next(i for i, f in enumerate(hello.frames) if f["id"] == since)
    with ReplayServer(hello, KEY, published_before=already) as server:
        events, _ = run_follow(twin, server.url, hello.conversation_id, since=since)
    assert [e.id for e in events] == listed_ids(hello)[5:]


def test_since_a_time_delivers_the_events_stamped_at_or_after_it(twin: str, replay: ReplayServer, hello: Transcript) -> None:
    # On 1.34 the listing is not in timestamp order (a stats update is stamped before the action it
    # follows): "at or after" is by timestamp, the order is the listing's.
    since = hello.events[5]["timestamp"]
    events, _ = run_follow(twin, replay.url, hello.conversation_id, since=datetime.fromisoformat(since))
    assert [e.id for e in events] == [e["id"] for e in hello.events if e["timestamp"] >= since]


def test_a_status_that_flips_back_to_running_unsettles(twin: str, hello: Transcript) -> None:
    # A stop hook: right after `finished` the conversation runs again, then finishes for good.
    # Appended after the last listed event, so the socket's order and the listing's stay the same.
    flipped = copy.deepcopy(hello)
    finished = next(f for f in flipped.frames if f.get("value") == "finished")
    running = next(f for f in flipped.frames if f.get("value") == "running")
    again = [{**running, "id": "11111111-1111-4111-8111-111111111111", "timestamp": "2099-01-01T00:00:00.000001"},
             {**finished, "id": "22222222-2222-4222-8222-222222222222", "timestamp": "2099-01-01T00:00:00.000002"}]
    last = max(i for i, f in enumerate(flipped.frames) if f["id"] == flipped.events[-1]["id"])
    flipped.frames[last + 1:last + 1] = again
    flipped.events += again
    with ReplayServer(flipped, KEY) as server:
        events, follower = run_follow(twin, server.url, flipped.conversation_id)
    assert [e.id for e in events] == listed_ids(flipped)
    assert events[-1].id == again[-1]["id"]  # it did not stop at the first `finished`
    assert follower.settled and follower.status == "finished"


def test_deadline_raises_wait_timeout_with_last_status(twin: str, hello: Transcript) -> None:
    running_until = next(i for i, f in enumerate(hello.frames) if f.get("value") == "running")
    with ReplayServer(hello, KEY, plans=[Plan(send=running_until)]) as server, pytest.raises(WaitTimeoutError) as err:
        run_follow(twin, server.url, hello.conversation_id, deadline_s=1.0, idle_check_s=0.2)
    assert err.value.last_status == "running"


def test_no_key_in_any_log_record(twin: str, hello: Transcript, caplog: pytest.LogCaptureFixture) -> None:
    # websockets logs frames and handshake headers at DEBUG; the header fallback sends the key.
    with caplog.at_level(logging.DEBUG), ReplayServer(hello, KEY, header_only=True) as server:
        run_follow(twin, server.url, hello.conversation_id)
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith(SERVER_LOGGER)]
    assert any("X-Session-API-Key" in line for line in ours)  # the header was logged, masked
    assert not any(KEY in line for line in ours)


def test_transcripts_hold_no_secret() -> None:
    import record_ws  # scripts/, on sys.path via tests/conftest.py

    paths = sorted(record_ws.OUT_DIR.glob("*.jsonl"))
    assert len(paths) >= 2 and record_ws.check(paths) == []
