"""A misbehaving HTTP server on 127.0.0.1 for the hostile-server tests: raw sockets, scripted answers.

Each test gives a ``respond(request) -> list[bytes | float]`` function: bytes are written to the
socket as they are (no HTTP framing is added), a float is a pause in seconds, ``CLOSE`` hangs up. So a test can send
what no real server framework would: trickled bytes, a lying header, a body that never ends. The
server records every request (method, path with query, headers, body) for the test to check, binds
a free port on loopback only, and stops when the test ends or after ``lifetime_s`` at the latest.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Received:
    method: str
    target: str  # path and query exactly as sent on the request line
    headers: dict[str, str]
    body: bytes = b""


Respond = Callable[[Received], list[bytes | float]]
CLOSE = b""  # as a step: close the connection now


def http(status: int, body: bytes | str | Any = b"", *, headers: dict[str, str] | None = None,
         content_type: str = "application/json") -> bytes:
    """One whole HTTP/1.1 answer (``Connection: close``); a non-bytes, non-str body is sent as JSON."""
    if not isinstance(body, bytes | str):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body
    head = {"Content-Type": content_type, "Content-Length": str(len(data)), "Connection": "close", **(headers or {})}
    lines = "".join(f"{k}: {v}\r\n" for k, v in head.items())
    return f"HTTP/1.1 {status} X\r\n{lines}\r\n".encode() + data


@dataclass
class HostileServer:
    respond: Respond
    lifetime_s: float = 60.0
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._ends_at = time.monotonic() + self.lifetime_s

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    @property
    def paths(self) -> list[str]:
        return [r.target for r in self.received]

    def _running(self) -> bool:
        return not self._stop.is_set() and time.monotonic() < self._ends_at

    def _serve(self) -> None:
        while self._running():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)
        self._sock.close()

    def _read_request(self, conn: socket.socket) -> Received | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
        length = int(headers.get("content-length", "0") or 0)
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        method, target, _ = request_line.split(" ", 2)
        return Received(method, target, headers, body)

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        with conn:
            try:
                while self._running():  # keep-alive: one scripted answer per request
                    request = self._read_request(conn)
                    if request is None:
                        return
                    self.received.append(request)
                    for step in self.respond(request):
                        if not self._running() or step == CLOSE:
                            return
                        if isinstance(step, bytes):
                            conn.sendall(step)
                        else:
                            self._stop.wait(step)  # a pause that stop() cuts short
            except OSError:  # the client hung up: that is what a deadline does
                return

    def start(self) -> HostileServer:
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)


@contextmanager
def hostile(respond: Respond, *, lifetime_s: float = 60.0) -> Iterator[HostileServer]:
    server = HostileServer(respond, lifetime_s=lifetime_s).start()
    try:
        yield server
    finally:
        server.stop()


def trickle(data: bytes, every_s: float) -> list[bytes | float]:
    """``data`` one byte at a time, ``every_s`` apart."""
    steps: list[bytes | float] = []
    for byte in data:
        steps += [bytes([byte]), every_s]
    return steps
