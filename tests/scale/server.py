"""A stdlib HTTP server on 127.0.0.1 that records when each request arrived and answers by a script.

``GET /item/<n>`` answers ``{"n": n}`` after ``delay_s``, unless ``script`` says otherwise for that
path's k-th request (``(status, headers)``). The log holds ``(arrived, path, status)`` in arrival
order, taken on the server's clock: assertions are on what the server saw, not on client timings.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorder:
    script: dict[tuple[str, int], tuple[int, dict[str, str]]] = field(default_factory=dict)
    delay_s: float = 0.0
    log: list[tuple[float, str, int]] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def times(self, status: int | None = None) -> list[float]:
        return [t for t, _p, s in self.log if status is None or s == status]


def _handler(rec: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            arrived = time.monotonic()
            with rec.lock:
                k = rec.seen.get(self.path, 0)
                rec.seen[self.path] = k + 1
                rec.in_flight += 1
                rec.max_in_flight = max(rec.max_in_flight, rec.in_flight)
            try:
                status, headers = rec.script.get((self.path, k), (200, {}))
                if status == 200 and rec.delay_s:
                    time.sleep(rec.delay_s)
                body = json.dumps({"path": self.path}).encode()
                with rec.lock:
                    rec.log.append((arrived, self.path, status))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            finally:
                with rec.lock:
                    rec.in_flight -= 1

    return Handler


@contextmanager
def in_thread(server: ThreadingHTTPServer, scheme: str = "http") -> Iterator[str]:
    """``server`` (bound on 127.0.0.1; its socket TLS-wrapped for https) serving in a thread, by URL."""
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def serving(rec: Recorder) -> contextlib.AbstractContextManager[str]:
    return in_thread(ThreadingHTTPServer(("127.0.0.1", 0), _handler(rec)))
