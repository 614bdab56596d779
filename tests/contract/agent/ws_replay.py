"""A small local agent server that replays a recorded event-socket transcript (tests only).

vcrpy cannot record WebSockets, so ``scripts/record_ws.py`` writes the real server's frames to
``ws/*.jsonl`` and this server plays them back on 127.0.0.1 (a free port, stopped by the test):

* ``/sockets/events/{id}``: first-message auth (or, with ``header_only=True``, only the older
  ``X-Session-API-Key`` on the upgrade, 403 otherwise, like servers before first-message auth);
  then the subscription snapshot, then the recorded frames, each connection as its :class:`Plan`
  says: send some frames, then drop the link, close, or stay open;
* the REST calls ``follow()`` makes (``events/search`` with ``timestamp__gte`` and paging, and
  ``GET /api/conversations/{id}``), answered from the events *published so far*: a frame is
  published when it is sent, or when it is lost while no socket is connected, as on a real server.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from openhands_api._settle import status_in_event
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

WS_DIR = Path(__file__).resolve().parent / "ws"
# The replay server logs what it receives, keys included: tests tell its records apart by this name.
SERVER_LOGGER = "replay.server"


@dataclass
class Transcript:
    frames: list[dict[str, Any]]  # socket frames, in arrival order; frames[0] is the snapshot
    events: list[dict[str, Any]]  # the REST listing
    conversation: dict[str, Any]

    @classmethod
    def load(cls, name: str = "hello") -> Transcript:
        frames, events, conversation = [], [], {}
        for line in (WS_DIR / f"{name}.jsonl").read_text().splitlines():
            record = json.loads(line)
            frames += [record["ws"]] if "ws" in record else []
            events += [record["rest_event"]] if "rest_event" in record else []
            conversation = record.get("conversation", conversation)
        return cls(frames, events, conversation)

    @property
    def conversation_id(self) -> str:
        return str(self.conversation["id"])


@dataclass(frozen=True)
class Plan:
    """One connection: re-send the last ``rewind`` frames, send ``send`` frames (None: all), then
    ``drop`` (cut the TCP link), ``close`` (with ``close_code``) or ``stay`` (idle until the client
    leaves); before a drop or close, ``lose`` frames are published that no socket receives."""

    send: int | None = None
    then: Literal["drop", "close", "stay"] = "stay"
    close_code: int = 1011
    lose: int = 0
    rewind: int = 0
    new_key: str | None = None  # after a drop or close, accept only this key (a resumed sandbox's)


@dataclass
class ReplayServer:
    transcript: Transcript
    key: str
    plans: list[Plan] = field(default_factory=lambda: [Plan()])
    header_only: bool = False
    published_before: int = 0  # frames that happened before the test: listed, never sent on a socket
    connections: int = 0
    closed: threading.Event = field(default_factory=threading.Event)  # set when a client left a socket
    published: set[str] = field(default_factory=set)
    tls: ssl.SSLContext | None = None  # serve https and wss with this server context
    _cursor: int = 1  # frames[0] is the snapshot, sent on every connection
    _server: Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self._server.socket.getsockname()[1]}"

    def __enter__(self) -> ReplayServer:
        list(self._take(self.published_before))
        self._server = serve(self._handle, "127.0.0.1", 0, process_request=self._http, max_size=None,
                             logger=logging.getLogger(SERVER_LOGGER), ssl=self.tls)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()

    # --- the socket ---------------------------------------------------------------------------------

    def _handle(self, ws: ServerConnection) -> None:
        try:
            self._play(ws)
        except ConnectionClosed:  # the client left while frames were still being sent
            self.closed.set()

    def _play(self, ws: ServerConnection) -> None:
        if not self.header_only and ws.request is not None and ws.request.headers.get("X-Session-API-Key") is None:
            try:
                auth = json.loads(ws.recv(timeout=10))
            except (TimeoutError, ValueError):
                auth = {}
            if auth != {"type": "auth", "session_api_key": self.key}:
                ws.close(4001, "Authentication failed")
                return
        if not ws.request or not ws.request.path.endswith(self.transcript.conversation_id):
            ws.close(4004, "Conversation not found")
            return
        plan = self.plans[min(self.connections, len(self.plans) - 1)]
        self.connections += 1
        ws.send(json.dumps(self.transcript.frames[0]))
        self._cursor = max(1, self._cursor - plan.rewind)
        for frame in self._take(plan.send):
            ws.send(json.dumps(frame))
        if plan.then == "stay":
            for _ in ws:  # until the client closes
                pass
            self.closed.set()
            return
        # Lost frames are published (listed) but never sent, before the link goes: a reconnecting
        # client must find them through REST, and no other connection can take them meanwhile.
        list(self._take(plan.lose))
        self.key = plan.new_key or self.key
        if plan.then == "drop":
            ws.socket.shutdown(socket.SHUT_RDWR)
        else:
            ws.close(plan.close_code, "replay plan")

    def _take(self, count: int | None) -> Iterator[dict[str, Any]]:
        end = len(self.transcript.frames) if count is None else min(self._cursor + count, len(self.transcript.frames))
        while self._cursor < end:
            frame = self.transcript.frames[self._cursor]
            self._cursor += 1
            if isinstance(frame.get("id"), str):
                self.published.add(frame["id"])
            yield frame

    # --- REST ---------------------------------------------------------------------------------------

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        key = request.headers.get("X-Session-API-Key")
        if request.path.startswith("/sockets/"):
            if self.header_only and key != self.key:
                return _json(HTTPStatus.FORBIDDEN, {"detail": "Forbidden"})
            if key is not None and key != self.key:
                return _json(HTTPStatus.FORBIDDEN, {"detail": "Forbidden"})
            return None  # go on with the WebSocket handshake
        if key != self.key:
            return _json(HTTPStatus.UNAUTHORIZED, {"detail": "Unauthorized"})
        parts = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        prefix = f"/api/conversations/{self.transcript.conversation_id}"
        if parts.path == f"{prefix}/events/search":
            return _json(HTTPStatus.OK, self._search(query))
        if parts.path == prefix:
            return _json(HTTPStatus.OK, self._conversation())
        return _json(HTTPStatus.NOT_FOUND, {"detail": "Not Found"})

    def _listed(self) -> list[dict[str, Any]]:
        return [event for event in self.transcript.events if event["id"] in self.published]

    def _search(self, query: dict[str, str]) -> dict[str, Any]:
        items = [e for e in self._listed() if e["timestamp"] >= query.get("timestamp__gte", "")]
        ids = [e["id"] for e in items]
        start = ids.index(query["page_id"]) if query.get("page_id") in ids else 0
        limit = int(query.get("limit", "100"))
        page = items[start:start + limit]
        more = items[start + limit:start + limit + 1]
        return {"items": page, "next_page_id": more[0]["id"] if more else None}

    def _conversation(self) -> dict[str, Any]:
        status = "idle"
        for event in self._listed():
            status = status_in_event(event) or status
        return {**self.transcript.conversation, "execution_status": status}


def _json(status: HTTPStatus, body: Any) -> Response:
    data = json.dumps(body).encode()
    headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(data))), ("Connection", "close")])
    return Response(status.value, status.phrase, headers, data)
