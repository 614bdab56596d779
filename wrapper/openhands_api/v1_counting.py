"""Counting a V1 conversation's events, with ordered fallbacks: app server → agent server → zip.

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

So for a settled conversation: ``app == zip == agent + 2`` (+ streaming deltas). The client never
infers a count from event ids, never reports 0 for an unknown conversation (it checks that the
conversation exists first), and says which source answered and why earlier ones did not.
"""

from __future__ import annotations

import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal, get_args

from ._exceptions import EventCountError, InvalidArgumentError, OpenHandsAPIError

if TYPE_CHECKING:
    from openhands_api_v1.models import AppConversation

    from .v1 import OpenHandsV1

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
    """The answer of :func:`count_events`. ``int(result)`` is the number."""

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
    """Count ``event_*.json`` entries of a trajectory zip from its central directory (payloads are not read)."""
    with zipfile.ZipFile(path) as archive:
        return sum(1 for info in archive.infolist()
                   if not info.is_dir() and fnmatch(PurePosixPath(info.filename).name, ZIP_EVENT_PATTERN))


def _reason(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _count_app(api: OpenHandsV1, conv: AppConversation) -> int:
    return api.count_events_app(conv.id)


def _count_agent(api: OpenHandsV1, conv: AppConversation, resume_paused: bool) -> int:
    from ._exceptions import ResolverError
    from ._models import present

    status = str(present(conv.sandbox_status) or "MISSING")
    # Checked here, before any agent-server call: a PAUSED sandbox's agent server hangs.
    if status == "PAUSED" and not resume_paused:
        raise ResolverError("sandbox is PAUSED and resume_paused is off (its agent server would hang)", step="sandbox")
    if status in ("MISSING", "ERROR"):
        raise ResolverError(f"sandbox is {status}: no agent server to ask", step="sandbox")
    resolved = api.resolve_agent_server(conv.id, resume=resume_paused)
    with resolved.client() as agent:
        return int(agent.count_events(conv.id))


def _count_zip(api: OpenHandsV1, conv: AppConversation) -> int:
    with tempfile.TemporaryDirectory(prefix="openhands-api-trajectory-") as folder:
        path = Path(folder) / "trajectory.zip"
        api.download_trajectory(conv.id, path)
        try:
            return count_zip_events(path)
        except zipfile.BadZipFile as exc:
            raise OpenHandsAPIError(f"the download is not a zip file ({exc})") from exc


def count_events(
    api: OpenHandsV1,
    conversation_id: str,
    *,
    source: CountSource | None = None,
    resume_paused: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> EventCount:
    """Count events by the first source that answers (or only ``source``); see the module docstring.

    Raises InvalidArgumentError for a malformed id, NotFoundError for an unknown conversation
    (both before any counting), :class:`EventCountError` when every source tried failed.
    """
    if source is not None and source not in SOURCES:
        raise InvalidArgumentError(f"unknown count source {source!r}; use one of {', '.join(SOURCES)}")
    conv = api.get_conversation(conversation_id)  # NotFoundError / InvalidArgumentError: never a silent 0
    order: tuple[CountSource, ...] = (source,) if source is not None else SOURCES
    attempts: list[SourceAttempt] = []
    zero_from_app: SourceAttempt | None = None
    for name in order:
        started = clock()
        try:
            if name == "app":
                value = _count_app(api, conv)
            elif name == "agent":
                value = _count_agent(api, conv, resume_paused)
            else:
                value = _count_zip(api, conv)
        except OpenHandsAPIError as exc:
            attempts.append(SourceAttempt(name, None, _reason(exc), clock() - started))
            continue
        elapsed = clock() - started
        if name == "app" and value == 0 and source is None:
            # The conversation exists, yet nothing is stored: webhook posts are still buffered or
            # never arrive (no webhook URL configured). Ask the agent server before believing it.
            zero_from_app = SourceAttempt(name, 0, "answered 0 (events not posted to the app server yet?)", elapsed)
            attempts.append(zero_from_app)
            continue
        attempts.append(SourceAttempt(name, value, None, elapsed))
        return EventCount(conversation_id=conv.id, count=value, source=name, attempts=tuple(attempts))
    if zero_from_app is not None:
        return EventCount(conversation_id=conv.id, count=0, source="app", attempts=tuple(attempts))
    raise EventCountError(conversation_id, tuple(attempts))


def compare_event_counts(api: OpenHandsV1, conversation_id: str) -> dict[CountSource, EventCount | OpenHandsAPIError]:
    """Each source's own count (or its error), e.g. to show :data:`RELATION` on a real conversation."""
    results: dict[CountSource, EventCount | OpenHandsAPIError] = {}
    for name in SOURCES:
        try:
            results[name] = count_events(api, conversation_id, source=name)
        except OpenHandsAPIError as exc:
            results[name] = exc
    return results
