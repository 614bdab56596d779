"""Counting a V1 conversation's events, with ordered fallbacks: app server → agent server → zip.

What each source counts, and why they differ, is in :mod:`._count_result`. The client never infers
a count from event ids, never reports 0 for an unknown conversation (it checks that the
conversation exists first), and says which source answered and why earlier ones did not. The
counting needs only the calls of :class:`AsyncV1Counting`, not the client.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from openhands_api_v1.models import AppConversation

from .._exceptions import EventCountError, InvalidArgumentError, OpenHandsAPIError
from .._models import present
from ._async_resolver import AsyncResolvedAgentServer
from ._count_result import SOURCES, CountSource, EventCount, SourceAttempt, count_zip_events, reason
from ._shapes import check_sandbox_usable


class AsyncV1Counting(Protocol):
    """What counting calls on a V1 app server."""

    async def get_conversation(self, conversation_id: str) -> AppConversation: ...
    async def count_events_app(self, conversation_id: str) -> int: ...
    async def resolve_agent_server(self, any_id: str, *, resume: bool) -> AsyncResolvedAgentServer: ...
    async def download_trajectory(self, conversation_id: str, path: str | Path) -> int: ...


async def _count_agent(api: AsyncV1Counting, conv: AppConversation, resume_paused: bool) -> int:
    # Checked here, before any agent-server call: a PAUSED sandbox's agent server hangs.
    check_sandbox_usable(str(present(conv.sandbox_status) or "MISSING"), "its sandbox", paused_ok=resume_paused)
    resolved = await api.resolve_agent_server(conv.id, resume=resume_paused)
    async with resolved.client() as agent:
        return int(await agent.count_events(conv.id))


async def _count_zip(api: AsyncV1Counting, conv: AppConversation) -> int:
    with tempfile.TemporaryDirectory(prefix="openhands-api-trajectory-") as folder:
        path = Path(folder) / "trajectory.zip"
        await api.download_trajectory(conv.id, path)
        return count_zip_events(path)  # a bad zip is UnexpectedContentError


async def _count_one(api: AsyncV1Counting, conv: AppConversation, source: CountSource, resume_paused: bool) -> int:
    if source == "app":
        return await api.count_events_app(conv.id)
    if source == "agent":
        return await _count_agent(api, conv, resume_paused)
    return await _count_zip(api, conv)


async def count_events(
    api: AsyncV1Counting,
    conversation_id: str,
    *,
    source: CountSource | None = None,
    resume_paused: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> EventCount:
    """Count events by the first source that answers (or only ``source``).

    Raises InvalidArgumentError for a malformed id, NotFoundError for an unknown conversation
    (both before any counting), :class:`EventCountError` when every source tried failed.
    """
    if source is not None and source not in SOURCES:
        raise InvalidArgumentError(f"unknown count source {source!r}; use one of {', '.join(SOURCES)}")
    conv = await api.get_conversation(conversation_id)  # NotFoundError / InvalidArgumentError: never a silent 0
    order: tuple[CountSource, ...] = (source,) if source is not None else SOURCES
    attempts: list[SourceAttempt] = []
    zero_from_app = False
    for name in order:
        started = clock()
        try:
            value = await _count_one(api, conv, name, resume_paused)
        except OpenHandsAPIError as exc:
            attempts.append(SourceAttempt(name, None, reason(exc), clock() - started))
            continue
        elapsed = clock() - started
        if name == "app" and value == 0 and source is None:
            # The conversation exists, yet nothing is stored: webhook posts are still buffered or
            # never arrive (no webhook URL configured). Ask the agent server before believing it.
            attempts.append(SourceAttempt(name, 0, "answered 0 (events not posted to the app server yet?)", elapsed))
            zero_from_app = True
            continue
        attempts.append(SourceAttempt(name, value, None, elapsed))
        return EventCount(conversation_id=conv.id, count=value, source=name, attempts=tuple(attempts))
    if zero_from_app:
        return EventCount(conversation_id=conv.id, count=0, source="app", attempts=tuple(attempts))
    raise EventCountError(conversation_id, tuple(attempts))


async def compare_event_counts(api: AsyncV1Counting, conversation_id: str) -> dict[CountSource, EventCount | OpenHandsAPIError]:
    """Each source's own count (or its error), e.g. to show the relation between them on a real conversation."""
    results: dict[CountSource, EventCount | OpenHandsAPIError] = {}
    for name in SOURCES:
        try:
            results[name] = await count_events(api, conversation_id, source=name)
        except OpenHandsAPIError as exc:
            results[name] = exc
    return results
