"""Shared rails for starting real OpenHands servers locally (test infrastructure only).

Every launcher in this folder (agent server, V1 app server, V0 app server) uses this module for:

* finding a Python >= 3.12 interpreter (the servers need it; the client itself runs on 3.11),
* building a pinned server venv once, with ``uv``, into the ignored ``.servers/`` folder,
* picking free loopback ports at run time,
* starting a process in its own process group, waiting until it answers, and always stopping it
  (SIGTERM to the whole group, then SIGKILL), also on Ctrl-C and when a test fails.

Stdlib only: it runs under whatever ``python3`` calls it.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import glob
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVERS_DIR = Path(os.environ.get("OPENHANDS_API_SERVERS_DIR", REPO_ROOT / ".servers"))
UV_VERSION = "0.13.9"
MIN_SERVER_PYTHON = (3, 12)


class LaunchError(RuntimeError):
    """A real server could not be installed or started; the message says what to do."""


def log(msg: str) -> None:
    print(f"[servers] {msg}", file=sys.stderr, flush=True)


# --- interpreters -------------------------------------------------------------------------------


def _python_version(exe: str) -> tuple[int, int] | None:
    """Return (major, minor) if ``exe`` really runs (a pyenv shim may exist and still fail)."""
    try:
        out = subprocess.run(
            [exe, "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
            capture_output=True, text=True, timeout=30, env={**os.environ, "PYENV_VERSION": ""},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    major, minor = out.stdout.split()
    return int(major), int(minor)


def find_server_python() -> str:
    """Find a Python >= 3.12 that really runs.

    Order: ``$OPENHANDS_API_SERVER_PYTHON``; ``python3.13`` / ``python3.12`` on PATH (pyenv shims are
    on PATH here but refuse to run unless that version is active, hence the version probe); then
    pyenv's installed versions, which are not on PATH (``$(pyenv root)/versions/3.1x.*/bin/python``).
    """
    candidates: list[str] = []
    if os.environ.get("OPENHANDS_API_SERVER_PYTHON"):
        candidates.append(os.environ["OPENHANDS_API_SERVER_PYTHON"])
    # 3.12 first: every server fact in shared/notes was measured on 3.12.
    for name in ("python3.12", "python3.13"):
        found = shutil.which(name)
        if found:
            candidates.append(found)
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")]
    pyenv = shutil.which("pyenv")
    if pyenv:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            roots.insert(0, subprocess.run([pyenv, "root"], capture_output=True, text=True, timeout=30).stdout.strip())
    for root in filter(None, roots):
        candidates += sorted(glob.glob(f"{root}/versions/3.12*/bin/python3"), reverse=True)
        candidates += sorted(glob.glob(f"{root}/versions/3.1[3-9]*/bin/python3"))
    seen: set[str] = set()
    for exe in candidates:
        if exe in seen:
            continue
        seen.add(exe)
        version = _python_version(exe)
        if version and version >= MIN_SERVER_PYTHON:
            return exe
    raise LaunchError(
        "No Python >= 3.12 found for the OpenHands servers. Looked at $OPENHANDS_API_SERVER_PYTHON, "
        "python3.13/python3.12 on PATH and $(pyenv root)/versions/3.12+/bin/python3. "
        "Install one (e.g. `pyenv install 3.12`) or set OPENHANDS_API_SERVER_PYTHON=/path/to/python3.12."
    )


# --- venvs --------------------------------------------------------------------------------------


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialise venv builds between parallel processes (pytest-xdist, two terminals)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_uv() -> str:
    """Install ``uv`` (from PyPI) into ``.servers/tools``; it installs server venvs ~10x faster than pip."""
    tools = SERVERS_DIR / "tools"
    uv = tools / "bin" / "uv"
    with _file_lock(SERVERS_DIR / ".tools.lock"):
        if uv.exists():
            return str(uv)
        log(f"installing uv {UV_VERSION} into {tools}")
        subprocess.run([sys.executable, "-m", "venv", str(tools)], check=True)
        subprocess.run([str(tools / "bin" / "pip"), "install", "-q", f"uv=={UV_VERSION}"], check=True)
    return str(uv)


def ensure_venv(name: str, requirements: Sequence[str], constraints: Path | None = None) -> Path:
    """Build ``.servers/<name>/venv`` with exactly ``requirements`` (once; reused while they match).

    Returns the venv's python. A stamp file holds a hash of the inputs, so changing a pin rebuilds.
    """
    venv = SERVERS_DIR / name / "venv"
    python = venv / "bin" / "python"
    server_python = find_server_python()
    digest = hashlib.sha256("\n".join([server_python, *requirements]).encode())
    if constraints is not None:
        digest.update(constraints.read_bytes())
    stamp = venv / ".openhands-api-stamp"
    with _file_lock(SERVERS_DIR / f".{name}.lock"):
        if python.exists() and stamp.exists() and stamp.read_text() == digest.hexdigest():
            return python
        uv = ensure_uv()
        if venv.exists():
            shutil.rmtree(venv)
        log(f"building {venv} with {server_python}: {' '.join(requirements)} (one time, about a minute)")
        started = time.monotonic()
        subprocess.run([uv, "venv", "-q", "-p", server_python, str(venv)], check=True)
        cmd = [uv, "pip", "install", "-q", "-p", str(python), *requirements]
        if constraints is not None:
            cmd += ["-c", str(constraints)]
        result = subprocess.run(cmd)
        if result.returncode != 0:
            raise LaunchError(f"installing {' '.join(requirements)} failed (exit {result.returncode}); see above")
        stamp.write_text(digest.hexdigest())
        log(f"built {venv} in {time.monotonic() - started:.0f} s")
    return python


# --- ports, keys, readiness ---------------------------------------------------------------------


def free_port() -> int:
    """A port the kernel says is free on 127.0.0.1 right now (chosen at run time, never fixed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def random_key(prefix: str = "oh-test") -> str:
    return f"{prefix}-{secrets.token_urlsafe(24)}"


def wait_http_ok(url: str, timeout_s: float, proc: subprocess.Popen[bytes] | None = None, log_path: Path | None = None) -> float:
    """Poll ``url`` until it answers 2xx; return the seconds it took. Fails early if ``proc`` dies."""
    started = time.monotonic()
    while True:
        if proc is not None and proc.poll() is not None:
            tail = _tail(log_path) if log_path else ""
            raise LaunchError(f"server exited with code {proc.returncode} before {url} answered\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if 200 <= resp.status < 300:
                    return time.monotonic() - started
        except (urllib.error.URLError, OSError, TimeoutError):
            pass
        if time.monotonic() - started > timeout_s:
            tail = _tail(log_path) if log_path else ""
            raise LaunchError(f"{url} did not answer within {timeout_s:.0f} s\n{tail}")
        time.sleep(0.25)


def _tail(path: Path | None, lines: int = 40) -> str:
    if path is None or not path.exists():
        return ""
    text = path.read_text(errors="replace").splitlines()[-lines:]
    return "--- last log lines (" + str(path) + ") ---\n" + "\n".join(text)


# --- processes ----------------------------------------------------------------------------------

_LIVE: list[ServerProcess] = []


class ServerProcess:
    """A child process in its own process group, stopped as a group.

    Registered with ``atexit`` and SIGTERM/SIGINT handlers so that a Ctrl-C, a failing test or an
    exception never leaves a server behind.
    """

    def __init__(self, name: str, cmd: Sequence[str], *, cwd: Path, env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "wb")
        self.proc: subprocess.Popen[bytes] = subprocess.Popen(
            list(cmd), cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        _LIVE.append(self)
        _install_handlers()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, url: str, timeout_s: float) -> float:
        return wait_http_ok(url, timeout_s, self.proc, self.log_path)

    def stop(self, grace_s: float = 15.0) -> None:
        if self in _LIVE:
            _LIVE.remove(self)
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        # Children that left the group (e.g. tmux servers re-parented to PID 1) are the launcher's job.
        self._log.close()


def stop_all() -> None:
    for server in list(reversed(_LIVE)):
        with contextlib.suppress(Exception):
            server.stop()


_handlers_installed = False


def _install_handlers() -> None:
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(stop_all)

    def on_signal(signum: int, _frame: object) -> None:
        stop_all()
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        with contextlib.suppress(ValueError):  # not in the main thread: atexit still covers us
            signal.signal(sig, on_signal)


def state_dir(prefix: str) -> Path:
    """A fresh temporary state folder (under $TMPDIR), removed by the launcher when it stops."""
    return Path(tempfile.mkdtemp(prefix=f"openhands-api-{prefix}-"))


def kill_by_env_marker(marker_var: str, marker_value: str) -> None:
    """Kill stray processes whose environment holds ``marker_var=marker_value`` (orphans after a crash)."""
    needle = f"{marker_var}={marker_value}".encode()
    for env_file in glob.glob("/proc/[0-9]*/environ"):
        try:
            if needle in Path(env_file).read_bytes().split(b"\0"):
                os.kill(int(env_file.split("/")[2]), signal.SIGKILL)
        except (OSError, ValueError):
            continue
