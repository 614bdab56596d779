"""The I/O-free half of ``follow()``, shared by the async engine and its generated sync twin.

* where the socket is and what the auth frame looks like;
* :class:`Ledger`: which events were delivered (dedupe by id), where a REST catch-up starts, and
  the ``since`` starting point;
* which frames are transient (sent on the socket only, never listed by REST): the full-state
  snapshot each new subscriber gets, streaming token deltas, server error notices. They feed the
  settle rule but are not delivered, so what ``follow()`` yields is exactly the REST listing;
* the errors, so that both twins raise the same classes with the same words.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from ._exceptions import AuthenticationError, InvalidArgumentError, NotFoundError, WaitTimeoutError

if TYPE_CHECKING:
    from .agent._types import Event

KEY_HEADER = "X-Session-API-Key"
# Close codes the agent server uses (openhands/agent_server/sockets.py): no retry can fix these.
CLOSE_AUTH_FAILED = 4001
CLOSE_NOT_FOUND = 4004
# A REST catch-up restarts at an event already delivered, this many back: the listing is in the
# order events were stored (``page_id`` = an event id starts there), which is exact where timestamps
# are not (measured on 1.34: a stats update stamped 0.55 s before the action it follows, and stored
# after it; with a long command it would be minutes). The re-read events are dropped by id.
CATCH_UP_OVERLAP_EVENTS = 20
TRANSIENT_KINDS = frozenset({"StreamingDeltaEvent", "ServerErrorEvent"})


def events_url(base_url: str, conversation_id: str) -> str:
    """``ws(s)://host[/prefix]/sockets/events/{id}``: no key in it, ever (URLs end up in logs)."""
    parts = urlsplit(base_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = f"{parts.path.rstrip('/')}/sockets/events/{quote(conversation_id, safe='')}"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def auth_frame(key: str) -> str:
    """The first frame of first-message auth (agent server >= 1.2x, including 1.34 and 1.58)."""
    return json.dumps({"type": "auth", "session_api_key": key})


def parse_frame(frame: str | bytes) -> dict[str, Any] | None:
    """A frame's JSON object, or None for anything else (the server only sends JSON objects)."""
    try:
        value = json.loads(frame)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def is_transient(raw: Mapping[str, Any]) -> bool:
    if raw.get("kind") in TRANSIENT_KINDS:
        return True
    return raw.get("kind") == "ConversationStateUpdateEvent" and raw.get("key") == "full_state"


def to_event(raw: dict[str, Any]) -> Event:
    """The typed event for one frame: the same union, parsed by the same generated code, as REST pages."""
    from openhands_api_agent.models import EventPage

    event: Event = EventPage.from_dict({"items": [raw]}).items[0]
    return event


def _local_naive(moment: datetime) -> datetime:
    """Event timestamps are naive server-local times; an aware time is compared in this machine's zone."""
    return moment.astimezone(None).replace(tzinfo=None) if moment.tzinfo is not None else moment


def _stamped_before(timestamp: object, since: datetime) -> bool:
    if not isinstance(timestamp, str):
        return False
    try:
        return _local_naive(datetime.fromisoformat(timestamp)) < since
    except ValueError:
        return False  # unreadable: deliver rather than lose


class Ledger:
    """What was delivered, and where the next REST catch-up starts.

    ``since``: None (from the first event), an event id (only events after it), or a time (events
    with a timestamp at or after it; a naive time is the server's local time).
    """

    def __init__(self, since: str | datetime | None = None) -> None:
        self.seen: set[str] = set()
        self.last_event_id: str | None = None
        self._recent: deque[str] = deque(maxlen=CATCH_UP_OVERLAP_EVENTS)
        self._since_time = since.isoformat() if isinstance(since, datetime) else None
        # The first REST catch-up filters by time on the server; live frames are filtered here.
        self._since_moment = _local_naive(since) if isinstance(since, datetime) else None
        self._skip_until = since if isinstance(since, str) else None
        if self._skip_until is not None and not self._skip_until.strip():
            raise InvalidArgumentError("since is an empty event id", hint="pass an event id, a datetime, or None")

    def catch_up_from(self) -> tuple[str | None, str | None]:
        """Where the next REST catch-up starts: (``page_id``, ``timestamp__gte``).

        Once events were listed: the page of the event ``CATCH_UP_OVERLAP_EVENTS`` back. Before: the
        ``since`` time, or the start (also for a ``since`` event id: every event up to it must be
        seen, so that none of them is delivered later from the socket).
        """
        if self._recent:
            return self._recent[0], None
        return None, self._since_time

    def admit(self, event_id: str, timestamp: object) -> bool:
        """True when this event is new and should be delivered; records it either way."""
        if event_id in self.seen:
            return False
        self.seen.add(event_id)
        self._recent.append(event_id)
        if self._skip_until is not None:
            if event_id == self._skip_until:
                self._skip_until = None
            return False
        if self._since_moment is not None and _stamped_before(timestamp, self._since_moment):
            return False
        self.last_event_id = event_id
        return True

    def check_since_found(self, conversation_id: str) -> None:
        """After the first full catch-up: an event id given as ``since`` must have been passed."""
        if self._skip_until is not None:
            raise InvalidArgumentError(
                f"event {self._skip_until!r} is not in conversation {conversation_id}",
                hint="pass the id of an event of this conversation as since=, a datetime, or None",
            )


def socket_response(url: str, status: int) -> httpx.Response:
    """A stand-in HTTP response for errors raised from a WebSocket close (the error classes need one)."""
    return httpx.Response(status, request=httpx.Request("GET", url.replace("ws", "http", 1)))


def auth_error(url: str) -> AuthenticationError:
    return AuthenticationError(
        "the agent server refused the session key on the event socket (first-message auth and the X-Session-API-Key header)",
        response=socket_response(url, 401), body=None,
    )


def not_found_error(url: str, conversation_id: str) -> NotFoundError:
    return NotFoundError(f"conversation {conversation_id} not found (event socket closed with 4004)",
                         response=socket_response(url, 404), body=None)


def deadline_error(conversation_id: str, deadline_s: float, status: str | None) -> WaitTimeoutError:
    return WaitTimeoutError(
        f"conversation {conversation_id} did not settle within {deadline_s:.0f} s; last status: {status}",
        last_status=status,
        hint="the agent is still working: follow again with since=<last event id>, or a larger deadline_s",
    )
