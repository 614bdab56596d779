#!/usr/bin/env python3
"""`make bench`, follow() part: how late events arrive, and what each one costs in CPU.

Against a live local agent server (started here, or the one ``bench.py`` passes in):

1. delay from an event existing on the server (its own ``timestamp``; the server runs with TZ=UTC
   on this machine's clock) to the caller having it: ``follow()`` vs a poller re-reading the event
   list once a second, both on the same conversations at the same time, for the events created
   after the follower was connected. Median and p95;
2. process CPU per 1,000 events: following conversations live (socket, JSON, typed parse, dedupe,
   the REST confirmation before stopping) vs reading the same events from REST pages.

The fake LLM runs as a separate process (with a delay per reply, so events spread over seconds),
so its CPU is not counted. Not a test: numbers vary by machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE / "servers")]

from openhands_api import AgentServerClient  # noqa: E402
from openhands_api._follow import Follower  # noqa: E402
from openhands_api._secret import Secret  # noqa: E402

LATENCY_CONVERSATIONS = 5
CPU_CONVERSATIONS = 10
LLM_DELAY_S = 0.5
POLL_INTERVAL_S = 1.0


class Agent(AgentServerClient):
    @property
    def session_key(self) -> Secret:  # until the client exposes it itself
        return self._key


def created_at(event: Any) -> float:
    return datetime.fromisoformat(str(event.timestamp)).replace(tzinfo=UTC).timestamp()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def start(agent: Agent, workspace: Path, llm_url: str, name: str) -> str:
    conv = agent.start_conversation(prompt="say hello", working_dir=str(workspace / name), llm_model="openai/fake",
                                    llm_base_url=llm_url, llm_api_key="fake", terminal_type="subprocess", autotitle=False)
    return str(conv.id)


def poll(agent: Agent, conversation_id: str, got: dict[str, tuple[float, float]], stop: threading.Event) -> None:
    while not stop.is_set():
        for event in agent.iter_events(conversation_id):
            got.setdefault(str(event.id), (created_at(event), time.time()))
        stop.wait(POLL_INTERVAL_S)


def latency(agent: Agent, workspace: Path, llm_url: str) -> tuple[list[float], list[float]]:
    """Delays of the events created once the follower was connected (earlier ones measure start-up)."""
    followed: list[float] = []
    polled: list[float] = []
    for i in range(LATENCY_CONVERSATIONS):
        conversation_id = start(agent, workspace, llm_url, f"bench-latency-{i}")
        stop = threading.Event()
        by_poll: dict[str, tuple[float, float]] = {}
        poller = threading.Thread(target=poll, args=(agent, conversation_id, by_poll, stop))
        poller.start()
        by_follow: dict[str, tuple[float, float]] = {}
        with Follower(agent, conversation_id, deadline_s=300) as events:
            for event in events:
                by_follow[str(event.id)] = (created_at(event), time.time())
        stop.set()
        poller.join()
        connected = min(got for _, got in by_follow.values())
        for event_id, (created, got) in by_follow.items():
            if created > connected and event_id in by_poll:
                followed.append(got - created)
                polled.append(by_poll[event_id][1] - created)
    return followed, polled


def follow_cpu(agent: Agent, ids: list[str]) -> tuple[float, int]:
    begin, count = time.process_time(), 0
    for conversation_id in ids:
        with Follower(agent, conversation_id, deadline_s=300) as events:
            count += sum(1 for _ in events)
    return time.process_time() - begin, count


def cpu(agent: Agent, workspace: Path, llm_url: str) -> tuple[float, float, float]:
    """CPU ms per 1,000 events: follow() live (all in), REST pages, and follow()'s marginal cost per streamed
    event (live minus re-following the finished conversations, which costs the same connections and
    REST calls but streams nothing, plus the REST parse those re-follows did instead)."""
    ids = [start(agent, workspace, llm_url, f"bench-cpu-{i}") for i in range(CPU_CONVERSATIONS)]
    live, streamed = follow_cpu(agent, ids)
    begin = time.process_time()
    listed = sum(1 for cid in ids for _ in agent.iter_events(cid))
    rest = (time.process_time() - begin) / listed
    again, _ = follow_cpu(agent, ids)
    per_1000_ms = 1000 * 1000
    return live / streamed * per_1000_ms, rest * per_1000_ms, ((live - again) / streamed + rest) * per_1000_ms


def run(url: str, session_key: str, workspace: Path) -> None:
    llm = subprocess.Popen([sys.executable, str(HERE / "fake_llm.py"), "--delay", str(LLM_DELAY_S)],
                           stdout=subprocess.PIPE, text=True)
    try:
        assert llm.stdout is not None
        llm_url = llm.stdout.readline().strip()
        with Agent(url, session_key) as agent:
            followed, polled = latency(agent, workspace, llm_url)
            live_cpu, rest_cpu, marginal_cpu = cpu(agent, workspace, llm_url)
    finally:
        llm.terminate()
        llm.wait()
    print(f"\nfollow(): {LATENCY_CONVERSATIONS} conversations, fake LLM {LLM_DELAY_S} s per reply; "
          "delay from event timestamp to the caller")
    print(f"{'':<22} {'events':>7} {'median ms':>10} {'p95 ms':>8}")
    for name, values in (("follow() (socket)", followed), (f"poll every {POLL_INTERVAL_S:.0f} s", polled)):
        print(f"{name:<22} {len(values):>7} {statistics.median(values) * 1000:>10.1f} {p95(values) * 1000:>8.1f}")
    print(f"CPU per 1,000 events ({CPU_CONVERSATIONS} conversations of 11 events): follow() {live_cpu:.0f} ms all in "
          f"(connect, catch-up and settle confirmation per conversation), of which {marginal_cpu:.0f} ms per 1,000 "
          f"streamed events; REST pages {rest_cpu:.0f} ms")


def main() -> None:
    import agent_server

    with agent_server.running() as server:
        run(server.url, server.session_key, server.workspace)


if __name__ == "__main__":
    main()
