#!/usr/bin/env python3
"""Start and stop a real OpenHands **V1 app server** (``openhands-ai==1.11.0``) on loopback.

Test infrastructure only (stdlib + ``kit.py``; runs under any ``python3``). The server uses
*process sandboxes*: every conversation gets its own real agent server (openhands-agent-server
1.34.0, pinned by that release) as a subprocess, no Docker. The LLM is ``scripts/fake_llm.py``.

Python API::

    from app_server_v1 import start_app_server_v1
    with start_app_server_v1(session_key=True) as app:
        app.url          # http://127.0.0.1:PORT
        app.key          # the X-Session-API-Key value (None with session_key=False)
        ...
    # leaving the block deletes every conversation and sandbox, stops the server, then kills
    # any agent server / tmux process that still carries this run's env marker.

Program::

    python3 scripts/servers/app_server_v1.py [--no-key] [--show-key] [--smoke] [--keep-state]

prints the URL (the key only with ``--show-key``) and serves until Ctrl-C; ``--smoke`` instead runs
one conversation to the end and prints the timings.

Five small patches are needed for 1.11.0 on this kind of machine, applied by the tiny runner in
``RUNNER`` below (in the server process only; nothing in the venv is modified): three from the
shared notes on the V1 app server (no Docker URL rewrite, sleeping is running, no browser) and a
longer agent-server boot wait for a loaded 2-core machine, and port reservation for sandboxes
started at the same time (plus (f), test-only switches for the scale tests). Each one is switchable with
``LAUNCHER_PATCH_<NAME>=0`` to reproduce the failure it fixes; ``agent_python.sh`` keeps agent
servers on 127.0.0.1. Background and the measured failures: ``docs/v1-app-server.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import kit
from fake_llm import FakeLLM

OPENHANDS_AI = "openhands-ai==1.11.0"
VENV_NAME = "app-v1-1.11.0"
MARKER_VAR = "OPENHANDS_API_V1_LAUNCH"
FAKE_MODEL = "openai/fake-model"
# Not a secret: the fake LLM accepts anything. Chosen so no secret scanner mistakes it for a key.
FAKE_LLM_KEY = "fake-llm-key"

# The runner executed by the server venv's python. Every patch is the smallest monkeypatch that
# works, and says why it exists.
RUNNER = r'''
import os, sys

def enabled(name):
    return os.environ.get("LAUNCHER_PATCH_" + name, "1") != "0"

# (a) NO_DOCKER_REWRITE. This machine has /.dockerenv, so is_running_in_docker() is True and the
# app server rewrites every http://localhost:<port> agent-server URL to host.docker.internal,
# which does not resolve here: the start task then fails after 30 s with "Agent Server Failed to
# start properly". Process sandboxes always run on this host, so the rewrite is wrong for us.
# docker_utils imported the function by name, hence patching it there.
if enabled("NO_DOCKER_REWRITE"):
    import openhands.app_server.utils.docker_utils as docker_utils
    docker_utils.is_running_in_docker = lambda: False

# (b) SLEEPING_IS_RUNNING. ProcessSandboxService reports RUNNING only for psutil's "running"
# state; an idle agent server is "sleeping", so the sandbox stays STARTING forever (no URL, no
# key) and the start task ends in ERROR after ~2 minutes with an empty detail. Mapping STARTING
# to RUNNING is safe: the RUNNING branch still does a real HTTP health check and reports ERROR
# when the agent server does not answer. PAUSED (SIGSTOP = psutil "stopped") is left alone.
if enabled("SLEEPING_IS_RUNNING"):
    from openhands.app_server.sandbox import process_sandbox_service as pss
    from openhands.app_server.sandbox.sandbox_models import SandboxStatus
    _get_status = pss.ProcessSandboxService._get_process_status
    def _get_process_status(self, process_info):
        status = _get_status(self, process_info)
        return SandboxStatus.RUNNING if status == SandboxStatus.STARTING else status
    pss.ProcessSandboxService._get_process_status = _get_process_status

# (c) NO_BROWSER. The default agent is built with get_default_tools(enable_browser=True), hard
# coded (no setting); there is no Chromium here, so the agent server answers 500 when the
# conversation is created ("Chromium is required for browser operations").
if enabled("NO_BROWSER"):
    from openhands.app_server.app_conversation import live_status_app_conversation_service as lsacs
    _get_default_tools = lsacs.get_default_tools
    lsacs.get_default_tools = lambda *a, **k: _get_default_tools(*a, **{**k, "enable_browser": False})

# (d) SLOW_AGENT_BOOT. ProcessSandboxService waits a fixed 30 s for a new agent server's /alive,
# then fails the start task with "500: Agent Server Failed to start properly". An agent server
# boots in 15-20 s on an idle 2-core machine but took over 30 s while other servers were starting
# (observed 2026-11-23, load average 2.8): wait up to LAUNCHER_AGENT_BOOT_TIMEOUT (180 s) instead.
if enabled("SLOW_AGENT_BOOT"):
    from openhands.app_server.sandbox import process_sandbox_service as pss_boot
    _wait_ready = pss_boot.ProcessSandboxService._wait_for_server_ready
    async def _wait_for_server_ready(self, port, timeout=30):
        limit = int(os.environ.get("LAUNCHER_AGENT_BOOT_TIMEOUT", "180"))
        return await _wait_ready(self, port, timeout=max(timeout, limit))
    pss_boot.ProcessSandboxService._wait_for_server_ready = _wait_for_server_ready

# (e) PORT_RESERVATION. ProcessSandboxService._find_unused_port takes the first port that binds
# *now* without reserving it, so two sandboxes started at the same time get the same port: the
# second agent server never binds and its start task fails (401 from the first sandbox's server).
# Remember every port handed out and never hand it out again (a fixture fix, not client behaviour;
# Cloud's Docker/K8s sandboxes do not share the bug).
if enabled("PORT_RESERVATION"):
    import socket, threading
    from openhands.app_server.sandbox import process_sandbox_service as pss_port
    _handed_out, _port_lock = set(), threading.Lock()
    def _find_unused_port(self):
        with _port_lock:
            for port in range(self.base_port, self.base_port + 10000):
                if port in _handed_out:
                    continue
                try:
                    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                        s.bind(("127.0.0.1", port))  # agent servers bind loopback (agent_python.sh)
                except OSError:
                    continue
                _handed_out.add(port)
                return port
        raise pss_port.SandboxError("No available ports found")
    pss_port.ProcessSandboxService._find_unused_port = _find_unused_port

# (f) Scale tests only, off unless set: LAUNCHER_RATE_LIMIT lowers the app server's own rate
# limit (InMemoryRateLimiter, 10 requests/s per client IP: beyond it delayed 1 s, beyond twice it
# 429 + Retry-After: 1) so a fan-out meets it; LAUNCHER_REQUEST_LOG appends one line per request
# as the server received it ("<unix time> <method> <path> <status>") to count requests per second.
if os.environ.get("LAUNCHER_RATE_LIMIT") or os.environ.get("LAUNCHER_REQUEST_LOG"):
    import time as _time
    from openhands.app_server import middleware as mw
    if os.environ.get("LAUNCHER_RATE_LIMIT"):
        _limit, _rl_init = int(os.environ["LAUNCHER_RATE_LIMIT"]), mw.InMemoryRateLimiter.__init__
        def _rl_init_low(self, requests=2, seconds=1, sleep_seconds=1):
            _rl_init(self, _limit, seconds, sleep_seconds)
        mw.InMemoryRateLimiter.__init__ = _rl_init_low
    if os.environ.get("LAUNCHER_REQUEST_LOG"):
        _log_path, _dispatch = os.environ["LAUNCHER_REQUEST_LOG"], mw.RateLimitMiddleware.dispatch
        async def _logged_dispatch(self, request, call_next):
            arrived = _time.time()
            response = await _dispatch(self, request, call_next)
            with open(_log_path, "a") as log:
                log.write(f"{arrived:.3f} {request.method} {request.url.path} {response.status_code}\n")
            return response
        mw.RateLimitMiddleware.dispatch = _logged_dispatch

import uvicorn
uvicorn.run("openhands.app_server.app:app", host="127.0.0.1", port=int(os.environ["LAUNCHER_APP_PORT"]),
            log_level=os.environ.get("LAUNCHER_LOG_LEVEL", "info"))
'''

# (d) The agent server binds 0.0.0.0 by default (ProcessSandboxService passes only --port). The
# sandbox "python executable" is this wrapper, which appends --host 127.0.0.1 (argparse: the last
# --host wins) so nothing listens beyond loopback.
AGENT_PYTHON_SH = """#!/bin/sh
# Written by scripts/servers/app_server_v1.py: keep process-sandbox agent servers on loopback.
exec "{python}" "$@" --host 127.0.0.1
"""


class AppServerV1:
    """A running local V1 app server. Use as a context manager or call :meth:`stop`."""

    def __init__(self, *, url: str, key: str | None, process: kit.ServerProcess, fake_llm: FakeLLM | None,
                 state: Path, marker: str, keep_state: bool, timings: dict[str, float]) -> None:
        self.url = url
        self.key = key
        self.process = process
        self.fake_llm = fake_llm
        self.state = state
        self.marker = marker
        self.keep_state = keep_state
        self.timings = timings
        self._stopped = False

    def __repr__(self) -> str:  # never show the key
        return f"AppServerV1(url={self.url!r}, key={'***' if self.key else None}, state={str(self.state)!r})"

    # -- tiny stdlib HTTP helper (the launcher must not depend on the client under test) --------

    def request(self, method: str, path: str, body: Any = None, *, timeout: float = 60.0) -> Any:
        """Call the app server; retries 429 after Retry-After (limit: 10 requests/s per client)."""
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"}
        if self.key:
            headers["X-Session-API-Key"] = self.key
        for _attempt in range(10):
            req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=timeout) as resp:
                    raw = resp.read()
                    return json.loads(raw) if raw else None
            except urllib.error.HTTPError as err:
                if err.code == 429:
                    time.sleep(float(err.headers.get("Retry-After") or 1))
                    continue
                raise
        raise kit.LaunchError(f"{method} {path}: still rate limited after 10 attempts")

    def _all(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page: str | None = None
        while True:
            query = {"limit": "100", **({"page_id": page} if page else {})}
            result = self.request("GET", f"{path}?{urllib.parse.urlencode(query)}")
            items += result["items"]
            page = result.get("next_page_id")
            if not page:
                return items

    def cleanup(self) -> None:
        """Delete every conversation and sandbox through the API (their agent servers exit)."""
        for conv in self._all("/api/v1/app-conversations/search"):
            with contextlib.suppress(urllib.error.HTTPError):
                self.request("DELETE", f"/api/v1/app-conversations/{conv['id']}")
        for sandbox in self._all("/api/v1/sandboxes/search"):
            sid = urllib.parse.quote(sandbox["id"], safe="")
            # The route is DELETE /api/v1/sandboxes/{id}, but the id is really read from the query.
            with contextlib.suppress(urllib.error.HTTPError):
                self.request("DELETE", f"/api/v1/sandboxes/{sid}?sandbox_id={sid}")

    def stop(self) -> None:
        """Delete conversations + sandboxes, stop the server, kill leftovers, remove state, stop the LLM."""
        if self._stopped:
            return
        self._stopped = True
        try:
            if self.process.proc.poll() is None:
                self.cleanup()
        except Exception as err:  # still stop everything below
            kit.log(f"app-v1: cleanup through the API failed ({err}); killing leftovers by env marker")
        finally:
            self.process.stop()
            # Agent servers share the app server's process group and get its SIGTERM, but tmux
            # servers daemonise out of it, and a crashed app server leaves orphans: both carry the marker.
            kit.kill_by_env_marker(MARKER_VAR, self.marker)
            if self.fake_llm is not None:
                self.fake_llm.stop()
            if not self.keep_state:
                shutil.rmtree(self.state, ignore_errors=True)

    def __enter__(self) -> AppServerV1:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def install() -> Path:
    """Build (once) the server venv; returns its python."""
    return kit.ensure_venv(VENV_NAME, [OPENHANDS_AI])


def start_app_server_v1(*, session_key: bool = True, fake_llm: bool = True, llm_command: str = "echo hello",
                        llm_delay_s: float = 0.0, flush_delay_s: int = 1, keep_state: bool = False,
                        ready_timeout_s: float = 180.0, rate_limit: int | None = None,
                        request_log: Path | None = None) -> AppServerV1:
    """Install if needed, start the server and the fake LLM, store the LLM settings; return when ready.

    ``rate_limit`` replaces the server's 10 requests/s per client; ``request_log`` gets a line per
    request the server received (patch (f) of the runner; both for the scale tests).

    ``flush_delay_s`` is how long agent servers buffer events before posting them to the app
    server's webhook (agent-server default 30 s, which makes app-server event counts lag).
    """
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    python = install()
    timings["install_s"] = time.monotonic() - t0
    state = kit.state_dir("app-v1")
    (state / "sandboxes").mkdir()
    (state / "persistence").mkdir()
    agent_python = state / "agent_python.sh"
    agent_python.write_text(AGENT_PYTHON_SH.format(python=python))
    agent_python.chmod(0o755)
    port = kit.free_port()
    url = f"http://127.0.0.1:{port}"
    # Default prefix "oh-test": scripts/check_cassettes.py flags that pattern if a key ever leaks.
    key = kit.random_key() if session_key else None
    marker = kit.random_key("run")
    llm = FakeLLM(command=llm_command, delay_s=llm_delay_s).start() if fake_llm else None

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OH_", "LAUNCHER_APP_"))}
    env.update({
        MARKER_VAR: marker,
        "LAUNCHER_APP_PORT": str(port),
        "TZ": "UTC",  # event timestamps are naive server-local time: keep them UTC
        # Always name the injector kinds: without *_KIND the env parser ignores the sandbox fields.
        "OH_SANDBOX_KIND": "ProcessSandboxServiceInjector",
        "OH_SANDBOX_SPEC_KIND": "ProcessSandboxSpecServiceInjector",
        "OH_SANDBOX_BASE_PORT": str(kit.free_port()),
        "OH_SANDBOX_BASE_WORKING_DIR": str(state / "sandboxes"),
        "OH_SANDBOX_PYTHON_EXECUTABLE": str(agent_python),
        "OH_PERSISTENCE_DIR": str(state / "persistence"),
        # Agent servers inherit this env; process sandboxes never set the webhook URL themselves.
        "OH_WEBHOOKS_0_BASE_URL": f"{url}/api/v1/webhooks",
        "OH_WEBHOOKS_0_FLUSH_DELAY": str(flush_delay_s),
        "SERVE_FRONTEND": "false",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no network fetch of litellm's cost map
        "OPENHANDS_SUPPRESS_BANNER": "1",
        "HOME": str(state),  # nothing may land in the real ~/.openhands
    })
    env.pop("SESSION_API_KEY", None)
    if key:
        env["SESSION_API_KEY"] = key  # read at import time by the app server
    if rate_limit is not None:
        env["LAUNCHER_RATE_LIMIT"] = str(rate_limit)
    if request_log is not None:
        env["LAUNCHER_REQUEST_LOG"] = str(request_log)
    # keep the user's LAUNCHER_PATCH_* switches
    env.update({k: v for k, v in os.environ.items() if k.startswith("LAUNCHER_PATCH_")})

    t1 = time.monotonic()
    process = kit.ServerProcess("app-v1", [str(python), "-c", RUNNER], cwd=state, env=env,
                                log_path=state / "app-server.log")
    server = AppServerV1(url=url, key=key, process=process, fake_llm=llm, state=state, marker=marker,
                         keep_state=keep_state, timings=timings)
    try:
        process.wait_ready(f"{url}/health", ready_timeout_s)
        timings["ready_s"] = time.monotonic() - t1
        if llm is not None:
            server.request("POST", "/api/v1/settings", {"agent_settings_diff": {"llm": {
                "model": FAKE_MODEL, "base_url": llm.base_url, "api_key": FAKE_LLM_KEY}}})
    except BaseException:
        server.keep_state = True  # keep the log for the post-mortem
        server.stop()
        kit.log(f"app-v1: start failed; log kept in {state / 'app-server.log'}")
        raise
    kit.log(f"app-v1: {url} ready in {timings['ready_s']:.1f} s (state {state})")
    return server


def smoke(app: AppServerV1) -> dict[str, float]:
    """Run one conversation to the end with stdlib calls; return timings (for the docs)."""
    out: dict[str, float] = {}
    t0 = time.monotonic()
    task = app.request("POST", "/api/v1/app-conversations", {
        "initial_message": {"role": "user", "content": [{"type": "text", "text": "say hello"}], "run": True}})
    seen = ""
    while task["status"] not in ("READY", "ERROR"):
        time.sleep(0.5)
        task = app.request("GET", f"/api/v1/app-conversations/start-tasks?ids={task['id']}")[0]
        if task["status"] != seen:
            seen = task["status"]
            print(f"  {time.monotonic() - t0:6.2f}s {seen}", file=sys.stderr)
    if task["status"] == "ERROR":
        raise kit.LaunchError(f"start task failed: {task.get('detail')}")
    out["start_to_ready_s"] = time.monotonic() - t0
    conv_id = task["app_conversation_id"]
    while True:
        conv = app.request("GET", f"/api/v1/app-conversations?ids={conv_id}")[0]
        if conv["execution_status"] in ("finished", "error", "stuck"):
            break
        time.sleep(0.5)
    out["start_to_finished_s"] = time.monotonic() - t0
    time.sleep(3)  # webhook flush delay (1 s) + margin
    out["app_count"] = app.request("GET", f"/api/v1/conversation/{conv_id}/events/count")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Run a local OpenHands V1 app server (openhands-ai 1.11.0).")
    parser.add_argument("--no-key", action="store_true", help="start without SESSION_API_KEY (no auth)")
    parser.add_argument("--show-key", action="store_true", help="print the session API key (hidden by default)")
    parser.add_argument("--keep-state", action="store_true", help="keep the temporary state folder on exit")
    parser.add_argument("--smoke", action="store_true", help="run one conversation, print timings, stop")
    parser.add_argument("--llm-command", default="echo hello", help="shell command the fake agent runs")
    args = parser.parse_args()
    with start_app_server_v1(session_key=not args.no_key, llm_command=args.llm_command,
                             keep_state=args.keep_state) as app:
        print(f"OPENHANDS_BASE_URL={app.url}", flush=True)
        if app.key:
            print(f"OPENHANDS_API_KEY={app.key if args.show_key else '<hidden: --show-key>'}", flush=True)
        print(f"timings: {json.dumps({k: round(v, 1) for k, v in app.timings.items()})}", flush=True)
        if args.smoke:
            print(f"smoke: {json.dumps({k: round(v, 2) for k, v in smoke(app).items()})}", flush=True)
            return
        # kit's handler would stop the process group directly; a plain KeyboardInterrupt lets the
        # with-block delete conversations and sandboxes through the API first.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        print("serving; Ctrl-C stops it (and deletes its conversations and sandboxes)", file=sys.stderr, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while app.process.proc.poll() is None:
                time.sleep(1)


if __name__ == "__main__":
    main()
