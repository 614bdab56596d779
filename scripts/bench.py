#!/usr/bin/env python3
"""`make bench`: per-call cost of the wrapper vs a raw keep-alive httpx.Client, side by side.

Against a live local agent server with one finished conversation, the same calls are made through
both, interleaved round by round so machine load hits both alike: the event count, and one page of
events (all 12). Printed: median milliseconds per call and the wrapper/raw ratio (target <= 1.10x),
plus the peak memory (tracemalloc) of reading one page each way. Then ``bench_scale.py``: issue 12's
performance floor, every ratio with its target; and ``bench_follow.py``: event delay with follow()
vs 1 s polling, and CPU per 1,000 events. Not a test: numbers vary by machine.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE / "servers")]

import agent_server  # noqa: E402
import bench_follow  # noqa: E402
import bench_scale  # noqa: E402
import httpx  # noqa: E402
from fake_llm import FakeLLM  # noqa: E402
from openhands_api import AgentServerClient  # noqa: E402

ROUNDS = 300
WARMUP = 20
TARGET = 1.10


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def peak_bytes(fn) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    with FakeLLM() as llm, agent_server.running() as server:
        wrapped = AgentServerClient(server.url, server.session_key)
        raw = httpx.Client(base_url=server.url, headers={"X-Session-API-Key": server.session_key}, timeout=60)
        conv = wrapped.start_conversation(prompt="say hello", working_dir=str(server.workspace / "bench"),
                                          llm_model="openai/fake", llm_base_url=llm.base_url, llm_api_key="fake",
                                          terminal_type="subprocess")
        wrapped.wait_until_finished(conv.id, timeout_s=180)
        cid = conv.id
        calls = {
            "event count": (lambda: wrapped.count_events(cid), lambda: raw.get(f"/api/conversations/{cid}/events/count").json()),
            "page of events": (lambda: wrapped.search_events(cid, limit=100),
                               lambda: raw.get(f"/api/conversations/{cid}/events/search", params={"limit": 100}).json()),
        }
        assert wrapped.count_events(cid) == calls["event count"][1]()
        print(f"agent server {agent_server.AGENT_SERVER_VERSION}; {ROUNDS} rounds per call, interleaved; median per call")
        print(f"{'call':<16} {'wrapper ms':>11} {'raw httpx ms':>13} {'ratio':>7}   peak memory wrapper/raw")
        worst = 0.0
        for name, (mine, theirs) in calls.items():
            for _ in range(WARMUP):
                mine(), theirs()
            a, b = [], []
            for i in range(ROUNDS):  # alternate who goes first, so neither always gets a warm cache
                if i % 2:
                    a.append(timed(mine))
                    b.append(timed(theirs))
                else:
                    b.append(timed(theirs))
                    a.append(timed(mine))
            ma, mb = statistics.median(a), statistics.median(b)
            ratio = ma / mb
            worst = max(worst, ratio)
            pa, pb = peak_bytes(mine), peak_bytes(theirs)
            print(f"{name:<16} {ma * 1000:>11.3f} {mb * 1000:>13.3f} {ratio:>6.2f}x   {pa / 1024:.0f} KiB / {pb / 1024:.0f} KiB ({pa / pb:.2f}x)")
        bench_scale.run(server.url, server.session_key, cid, server.workspace)  # issue 12's floor, every target
        wrapped.delete_conversation(cid)
        wrapped.close()
        raw.close()
        bench_follow.run(server.url, server.session_key, server.workspace)  # follow() vs polling, CPU per event
    verdict = "meets" if worst <= TARGET else "MISSES"
    print(f"worst ratio {worst:.2f}x: {verdict} the {TARGET:.2f}x target")


if __name__ == "__main__":
    main()
