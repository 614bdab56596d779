"""Launcher for the real legacy V0 app server (``openhands-ai`` 1.6.0): test infrastructure only.

1.6.0 is the last PyPI release that still ships the V0 REST routes (``/api/conversations`` ...).
This module:

* builds ``.servers/v0-1.6.0/venv`` once (Python >= 3.12, ``uv``) with ``openhands-ai==1.6.0``
  installed under the exact pins of the ``openhands/poetry.lock`` shipped *inside* that wheel (an
  unconstrained install backtracks for a very long time);
* starts it without Docker: the V0 ``cli`` runtime runs the agent's commands in-process, and the
  V1 app server that 1.6.0 also mounts is switched to process sandboxes (``OH_SANDBOX_KIND``),
  otherwise it looks for Docker and ``GET /api/conversations`` answers 500;
* points every folder the server writes (file store, workspace, cache, ``$HOME``, ``$TMPDIR``,
  V1 sandbox dirs) into a fresh ``kit.state_dir()`` that is removed on stop;
* binds uvicorn to 127.0.0.1 on a port chosen at run time, optionally with a random
  ``SESSION_API_KEY`` (then every ``/api/*`` call needs ``X-Session-API-Key``);
* runs the fake LLM (``scripts/fake_llm.py``) for as long as the server runs: with an unreachable
  LLM the server's title generator blocks its event loop for minutes;
* stores the LLM settings (``POST /api/settings``) before returning, because creating a
  conversation without settings fails with 400 ``SETTINGS_NOT_FOUND``.

Python::

    with start_v0_server(session_key=True) as server:
        print(server.url, server.key)

Command line (runs until Ctrl-C; the key is printed only with ``--show-key``)::

    python3 scripts/servers/v0_server.py [--no-session-key] [--show-key] [--fail-tools] [--keep-state]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from types import TracebackType
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import kit  # noqa: E402
from fake_llm import FakeLLM  # noqa: E402

VERSION = "1.6.0"
VENV_NAME = f"v0-{VERSION}"
# Marks every process we start, so a crashed run's orphans can be found (kit.kill_by_env_marker).
MARKER_VAR = "OPENHANDS_API_V0_SERVER"
READY_TIMEOUT_S = float(os.environ.get("OPENHANDS_API_V0_READY_TIMEOUT_S", "180"))
FAKE_MODEL = "openai/fake-model"


def ensure_server_venv() -> Path:
    """Build (once) and return the python of the 1.6.0 server venv.

    The wheel is downloaded into ``.servers/v0-1.6.0/wheels`` and its own ``poetry.lock`` turned into
    a constraints file; ``kit.ensure_venv`` hashes that file into its stamp, so the venv is reused
    until the pins change.
    """
    base = kit.SERVERS_DIR / VENV_NAME
    wheels = base / "wheels"
    constraints = base / "constraints.txt"
    if not constraints.exists():
        wheels.mkdir(parents=True, exist_ok=True)
        wheel = wheels / f"openhands_ai-{VERSION}-py3-none-any.whl"
        if not wheel.exists():
            # uv has no `pip download`; the server interpreter's pip does (the wheel is pure Python).
            subprocess.run(
                [kit.find_server_python(), "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
                 f"openhands-ai=={VERSION}", "-d", str(wheels)],
                check=True,
            )
        with zipfile.ZipFile(wheel) as zf:
            lock = tomllib.loads(zf.read("openhands/poetry.lock").decode())
        pins = sorted(f"{p['name']}=={p['version']}" for p in lock["package"])
        tmp = constraints.with_suffix(".tmp")
        tmp.write_text("\n".join(pins) + "\n")
        tmp.replace(constraints)  # atomic: a half-written file would be hashed into the stamp
    return kit.ensure_venv(VENV_NAME, [f"openhands-ai=={VERSION}"], constraints)


def _config_toml(state: Path, port: int, llm_base_url: str) -> str:
    """config.toml (read from the server's cwd). Absolute paths only: the cli runtime chdirs."""
    return f"""\
[core]
runtime = "cli"
file_store = "local"
file_store_path = "{state / 'fs'}"
workspace_base = "{state / 'workspace'}"
cache_dir = "{state / 'cache'}"
max_iterations = 10
mcp_host = "127.0.0.1:{port}"

[llm]
model = "{FAKE_MODEL}"
base_url = "{llm_base_url}"
api_key = "fake-key"
# litellm does not know the fake model supports tools; without this the agent gets no tools.
native_tool_calling = true
num_retries = 1

[agent]
enable_browsing = false
enable_jupyter = false
enable_mcp = false
enable_llm_editor = false
"""


def _request(method: str, url: str, key: str | None, body: Any = None, timeout_s: float = 30) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("X-Session-API-Key", key)
    with urllib.request.urlopen(req, timeout=timeout_s) as resp:
        return json.loads(resp.read() or b"null")


def settings_for(llm_base_url: str) -> dict[str, Any]:
    """``POST /api/settings`` body pointing the agent at the fake LLM."""
    return {
        "llm_model": FAKE_MODEL,
        "llm_api_key": "fake-key",
        "llm_base_url": llm_base_url,
        "agent": "CodeActAgent",
        "max_iterations": 10,
        "confirmation_mode": False,
        "enable_default_condenser": False,
        "user_consents_to_analytics": False,
    }


class V0Server:
    """A running V0 app server plus its fake LLM. Use as a context manager, or call ``stop()``."""

    def __init__(self, *, session_key: bool = True, fail_tools: bool = False, llm_delay_s: float = 0.0,
                 keep_state: bool = False) -> None:
        self.python = ensure_server_venv()
        self.state = kit.state_dir("v0")
        self.keep_state = keep_state
        self.key: str | None = kit.random_key("oh-v0") if session_key else None
        self.port = kit.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ready_s: float | None = None
        self._marker = kit.random_key("run")
        self.llm = FakeLLM(delay_s=llm_delay_s, fail_tools=fail_tools).start()
        self._proc: kit.ServerProcess | None = None
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        state = self.state
        for sub in ("fs", "workspace", "cache", "home", "tmp", "v1work"):
            (state / sub).mkdir(parents=True, exist_ok=True)
        (state / "config.toml").write_text(_config_toml(state, self.port, self.llm.base_url))
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "HOME": str(state / "home"),
            "TMPDIR": str(state / "tmp"),
            "SERVE_FRONTEND": "false",  # the wheel ships no frontend/build; true fails at import
            "FILE_STORE_PATH": str(state / "fs"),
            "OH_PERSISTENCE_DIR": str(state / "fs"),
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no network fetch of the cost map
            "port": str(self.port),
            # The V1 app server mounted by 1.6.0 defaults to Docker sandboxes; V0 routes depend on it.
            "OH_SANDBOX_KIND": "ProcessSandboxServiceInjector",
            "OH_SANDBOX_SPEC_KIND": "ProcessSandboxSpecServiceInjector",
            "OH_SANDBOX_BASE_PORT": str(kit.free_port()),
            "OH_SANDBOX_BASE_WORKING_DIR": str(state / "v1work"),
            MARKER_VAR: self._marker,
        }
        if self.key:
            env["SESSION_API_KEY"] = self.key
        cmd = [str(self.python), "-m", "uvicorn", "openhands.server.listen:app",
               "--host", "127.0.0.1", "--port", str(self.port)]
        self._proc = kit.ServerProcess("v0-app-server", cmd, cwd=state, env=env, log_path=state / "server.log")
        self.ready_s = self._proc.wait_ready(f"{self.url}/alive", READY_TIMEOUT_S)
        # Settings before the first conversation (else 400 SETTINGS_NOT_FOUND).
        _request("POST", f"{self.url}/api/settings", self.key, self.settings)

    @property
    def settings(self) -> dict[str, Any]:
        """The settings stored at start (tests may store them again: same values, no change)."""
        return settings_for(self.llm.base_url)

    @property
    def log_path(self) -> Path:
        return self.state / "server.log"

    def stop(self) -> None:
        """Stop the server (process group), then the fake LLM (never before: see module doc)."""
        if self._proc is not None:
            self._proc.stop()
            self._proc = None
        with contextlib.suppress(Exception):
            kit.kill_by_env_marker(MARKER_VAR, self._marker)
        with contextlib.suppress(Exception):
            self.llm.stop()
        if not self.keep_state:
            shutil.rmtree(self.state, ignore_errors=True)

    def __enter__(self) -> V0Server:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def start_v0_server(session_key: bool = True, fail_tools: bool = False, llm_delay_s: float = 0.0,
                    keep_state: bool = False) -> V0Server:
    """Install once, start and return a ready ``V0Server`` (settings stored, fake LLM up)."""
    return V0Server(session_key=session_key, fail_tools=fail_tools, llm_delay_s=llm_delay_s, keep_state=keep_state)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the real V0 app server (openhands-ai 1.6.0) on 127.0.0.1.")
    parser.add_argument("--no-session-key", action="store_true", help="no SESSION_API_KEY: no auth at all")
    parser.add_argument("--show-key", action="store_true", help="print the session key (hidden by default)")
    parser.add_argument("--fail-tools", action="store_true", help="fake LLM answers tool calls with HTTP 500")
    parser.add_argument("--llm-delay", type=float, default=0.0, help="seconds the fake LLM waits per reply")
    parser.add_argument("--keep-state", action="store_true", help="keep the state folder after stopping")
    parser.add_argument("--install-only", action="store_true", help="build the venv and exit")
    args = parser.parse_args()
    started = time.monotonic()
    if args.install_only:
        print(ensure_server_venv())
        print(f"venv ready in {time.monotonic() - started:.1f} s", file=sys.stderr)
        return
    server = start_v0_server(not args.no_session_key, args.fail_tools, args.llm_delay, args.keep_state)
    try:
        print(f"V0 server ready at {server.url} (ready in {server.ready_s:.1f} s, total {time.monotonic() - started:.1f} s)")
        print(f"state: {server.state}  log: {server.log_path}")
        if server.key:
            shown = server.key if args.show_key else "<hidden; --show-key to print>"
            print(f"session key (X-Session-API-Key): {shown}")
        print("Ctrl-C to stop.", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
