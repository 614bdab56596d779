#!/usr/bin/env python3
"""The page server of ``bench_scale.py``, run as its own process: ``bench_pages.py BODIES.json``.

``BODIES.json`` maps a ``page_id`` ("" for the first page) to the JSON text of that page. Serves
``GET .../events/search?page_id=...`` on 127.0.0.1, prints the port, runs until killed. Its own
process because a server thread in the measuring process takes the GIL from the client being timed
(both sides swung by a third between runs), which no real server does.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        bodies = {page: text.encode() for page, text in json.load(f).items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # as uvicorn: else a small last segment waits for a delayed ACK (40 ms)

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            page = parse_qs(urlsplit(self.path).query).get("page_id", [""])[0]
            body = bodies.get(page, bodies[""])
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
