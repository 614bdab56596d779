"""What counting a V1 conversation's events returns, and the sources' relation (no I/O).

The three sources do **not** count the same thing (measured on openhands-ai 1.11.0 with agent
server 1.34.0; see docs/v1-app-server.md):

* ``app``: ``GET /api/v1/conversation/{id}/events/count`` counts what the agent server posted to the
  app server's webhook: every agent-server event **plus two** ``ConversationStateUpdateEvent``\\s
  with ``key: full_state`` (first and last), plus ``StreamingDeltaEvent``\\s when the LLM streams
  text. It lags while the agent server buffers webhook posts (flush delay, 30 s by default), and
  answers 0 (HTTP 200) for an unknown conversation;
* ``agent``: ``GET {agent server}/api/conversations/{id}/events/count``, the agent server's own
  event log; needs a RUNNING sandbox;
* ``zip``: the number of ``event_*.json`` entries in the trajectory download, i.e. the app
  server's stored events (same as ``app`` once flushed); works after the sandbox is gone.

So for a settled conversation: ``app == zip == agent + 2`` (+ streaming deltas).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path
from typing import Literal, get_args

from .._files import zip_names

CountSource = Literal["app", "agent", "zip"]
SOURCES: tuple[CountSource, ...] = get_args(CountSource)
#: ConversationStateUpdateEvents (key full_state) the app server stores and the agent server does not.
FULL_STATE_EVENTS = 2
RELATION = (
    "app = agent + 2 full_state state updates (+ streaming deltas when the LLM streams text); zip = app; "
    "the app count lags while the agent server buffers its webhook posts"
)
ZIP_EVENT_PATTERN = "event_*.json"


@dataclass(frozen=True)
class SourceAttempt:
    """One source tried: its count, or why it gave none; and how long it took."""

    source: CountSource
    count: int | None
    error: str | None
    elapsed_s: float


@dataclass(frozen=True)
class EventCount:
    """The answer of ``count_events``. ``int(result)`` is the number."""

    conversation_id: str
    count: int
    source: CountSource
    attempts: tuple[SourceAttempt, ...]
    relation: str = field(default=RELATION)

    def __int__(self) -> int:
        return self.count

    @property
    def failures(self) -> dict[CountSource, str]:
        """Why each source before the answering one did not answer, by source."""
        return {a.source: a.error for a in self.attempts if a.error is not None}

    @property
    def elapsed_s(self) -> float:
        return sum(a.elapsed_s for a in self.attempts)

    def __str__(self) -> str:
        text = f"{self.count} events (source: {self.source})"
        for source, reason in self.failures.items():
            text += f"; {source} failed: {reason}"
        return text


def count_zip_events(path: str | Path) -> int:
    """Count ``event_*.json`` entries of a trajectory zip from its central directory (payloads are not
    read; memory does not grow with the number of entries)."""
    # rsplit, not PurePosixPath: pathlib interns every part, which kept ~1 MiB per 100k entries alive.
    return sum(1 for name in zip_names(path)  # streamed; a bad zip is UnexpectedContentError
               if not name.endswith("/") and fnmatch(name.rsplit("/", 1)[-1], ZIP_EVENT_PATTERN))


def reason(exc: BaseException) -> str:
    """How an attempt's failure is reported: the error class and its message."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
