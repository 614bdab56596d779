"""The agent server client: conversations, events, bash and files on one agent server.

    from openhands_api import AsyncAgentServerClient

    async with AsyncAgentServerClient("http://127.0.0.1:8000", session_key="...") as agent:
        conv = await agent.start_conversation(prompt="say hello", working_dir="/tmp/ws",
                                              llm_model="openai/gpt-4o", llm_api_key="sk-...")
        done = await agent.wait_until_finished(conv.id, on_progress=lambda c: print(c.execution_status))
        print(await agent.count_events(conv.id), (await agent.bash("echo hi")).stdout)

The async version of this file is the source of both clients; the sync one is derived from it by
``scripts/unasync.py`` (same methods, arguments, results and errors, without ``await``). Every method
returns the generated, typed models of ``openhands_api_agent``; each keeps its JSON in ``.raw``.
Errors are the classes of :mod:`openhands_api._exceptions`.
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

import httpx

from .. import _constants as C
from .._async_base import AsyncBaseClient
from .._async_limiter import AsyncRateLimiter
from .._async_pagination import AsyncPager
from .._async_polling import poll_until
from .._auth import SessionKeyAuth, session_key_from
from .._paging import check_limit
from .._secret import MASK, Secret
from .._settle import DEFAULT_SETTLE_S, PollSettle
from . import _generated as G
from ._async_operations import AsyncAgentOperations
from ._requests import (
    bash_request,
    bash_result,
    message_request,
    require_absolute,
    start_request,
    upload_body,
    upload_source,
)
from ._types import BashResult, TerminalType, event_classes

if TYPE_CHECKING:
    from .._async_follow import AsyncFollowClient, AsyncFollower
    from ._types import Event


class AsyncAgentServerClient(AsyncAgentOperations, AsyncBaseClient):
    """A client for one agent server (``url`` + session key).

    ``session_key`` defaults to ``$OH_SESSION_API_KEY``. One keep-alive connection pool is shared by
    every call; close it with :meth:`aclose` or use the client as a context manager. Interrupt,
    confirmation, rename, background bash, git and trajectory come from :class:`AsyncAgentOperations`.
    """

    def __init__(
        self,
        url: str,
        session_key: str | Secret | None = None,
        *,
        timeout: httpx.Timeout | float | None = None,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        limiter: AsyncRateLimiter | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        deadline_s: float | None = None,
    ) -> None:
        self._key = session_key_from(session_key)
        super().__init__(url, auth=SessionKeyAuth(self._key), timeout=timeout, max_retries=max_retries, limiter=limiter,
                         http_transport=http_transport, sleep=sleep, deadline_s=deadline_s)

    @property
    def url(self) -> str:
        return self._transport.base_url

    @property
    def session_key(self) -> Secret | None:
        """The session key, as a :class:`Secret` (masked in repr/str; ``.reveal()`` gives the text)."""
        return self._key

    def _repr_fields(self) -> dict[str, object]:
        return {"url": self.url, "session_key": MASK}

    # --- server -------------------------------------------------------------------------------------

    async def server_info(self) -> G.ServerInfo:
        return await self._transport.call(G.get_server_info, expect=G.ServerInfo)

    async def is_alive(self) -> bool:
        """True when ``/health`` answers ok (no key needed)."""
        answer = await self._transport.call(G.get_health, expect=G.StatusMessage)
        return answer.status == "ok"

    async def is_ready(self) -> bool:
        """True when ``/ready`` answers ready: the server accepts conversations (no key needed)."""
        answer = await self._transport.call(G.get_ready, expect=G.StatusMessage)
        return answer.status == "ready"

    # --- conversations ------------------------------------------------------------------------------

    async def start_conversation(
        self,
        *,
        working_dir: str,
        llm_model: str,
        llm_api_key: str | Secret | None = None,
        llm_base_url: str | None = None,
        prompt: str | None = None,
        tools: Sequence[str] = ("terminal",),
        terminal_type: TerminalType | None = None,
        max_iterations: int | None = None,
        conversation_id: str | None = None,
        autotitle: bool | None = None,
        tags: dict[str, str] | None = None,
        llm_extra: dict[str, Any] | None = None,
        confirm_actions: bool = False,
    ) -> G.ConversationInfo:
        """Start a conversation; with ``prompt`` the agent starts running at once.

        ``terminal_type="subprocess"`` makes terminal output deterministic (the default tmux
        terminal's text varies between runs). The LLM key is sent once and never echoed back.
        ``confirm_actions=True``: every action waits (``waiting_for_confirmation``) for
        :meth:`respond_to_confirmation`.
        """
        body = start_request(
            working_dir=working_dir, llm_model=llm_model, llm_api_key=llm_api_key, llm_base_url=llm_base_url, prompt=prompt,
            tools=tools, terminal_type=terminal_type, max_iterations=max_iterations, conversation_id=conversation_id,
            autotitle=autotitle, tags=tags, llm_extra=llm_extra, confirm_actions=confirm_actions,
        )
        # Not retried: a retry after a lost answer would start a second conversation.
        return await self._transport.call(G.start_conversation, expect=G.ConversationInfo, body=body, retry=False)

    async def get_conversation(self, conversation_id: str) -> G.ConversationInfo:
        return await self._transport.call(G.get_conversation, expect=G.ConversationInfo, conversation_id=conversation_id)

    async def get_conversations(self, conversation_ids: Sequence[str]) -> list[G.ConversationInfo | None]:
        """Several conversations at once, in order; ``None`` where an id is unknown."""
        return await self._transport.call_batch(G.get_conversations_batch, item=G.ConversationInfo, ids=list(conversation_ids))

    async def search_conversations(
        self, *, limit: int | None = None, page_id: str | None = None, status: str | None = None, sort_order: str | None = None
    ) -> G.ConversationPage:
        """One page of conversations (newest first by default)."""
        check_limit(limit)
        return await self._transport.call(G.search_conversations, expect=G.ConversationPage, limit=limit,
                                          page_id=page_id or None, status=status, sort_order=sort_order)

    def iter_conversations(
        self, *, status: str | None = None, sort_order: str | None = None, page_size: int = C.DEFAULT_PAGE_SIZE, max_items: int | None = None
    ) -> AsyncPager[G.ConversationInfo]:
        """Every conversation, fetching pages lazily."""
        return AsyncPager.over(self.search_conversations, page_size=page_size, max_items=max_items, status=status, sort_order=sort_order)

    async def count_conversations(self, status: str | None = None) -> int:
        return await self._transport.call(G.count_conversations, expect=int, status=status)

    async def delete_conversation(self, conversation_id: str) -> None:
        await self._transport.send(G.delete_conversation, conversation_id=conversation_id)

    async def run(self, conversation_id: str) -> None:
        """Start or resume the agent loop (ConflictError if it is already running)."""
        await self._transport.send(G.run_conversation, conversation_id=conversation_id, retry=False)

    async def pause(self, conversation_id: str) -> None:
        """Ask the agent to pause; it stops after the step in flight."""
        await self._transport.send(G.pause_conversation, conversation_id=conversation_id, retry=False)

    async def send_message(self, conversation_id: str, text: str, *, run: bool = False) -> None:
        """Append a user message; ``run=True`` also starts the agent loop.

        With ``run=True`` a 429 is not repeated: agent server 1.58 at its run capacity stores the
        message first and then answers 429, so a repeat would send the message twice (RateLimitError
        is raised instead; the message is there, start it later with :meth:`run`).
        """
        await self._transport.send(G.send_message, conversation_id=conversation_id, body=message_request(text, run),
                                   retry="never" if run else False)

    async def wait_until_finished(
        self,
        conversation_id: str,
        *,
        timeout_s: float = C.DEFAULT_WAIT_TIMEOUT_S,
        on_progress: Callable[[G.ConversationInfo], None] | None = None,
        stop_on: Iterable[str] = C.FINISHED_STATUSES | C.NEEDS_USER_STATUSES,
        settle_s: float = DEFAULT_SETTLE_S,
    ) -> G.ConversationInfo:
        """Poll the conversation (with backoff) until it has *settled* in a status of ``stop_on``.

        By default that is finished/error/stuck, plus paused/waiting_for_confirmation, which never
        move on without you. Settled (:mod:`openhands_api._settle`, the rule ``follow()`` uses): the
        status held for ``settle_s`` seconds of polling with ``updated_at`` unchanged, so a stop hook
        that puts the conversation back to running does not end the wait early; ``settle_s=0``
        returns on the first such status. Raises :class:`WaitTimeoutError` naming the last status.
        """
        settle: PollSettle[G.ConversationInfo] = PollSettle(
            lambda conv: str(conv.execution_status), lambda conv: conv.raw.get("updated_at"),
            settle_s=settle_s, final_statuses=stop_on)
        return await poll_until(
            lambda: self.get_conversation(conversation_id),
            settle.done,
            timeout_s=timeout_s,
            describe=lambda conv: f"execution_status={conv.execution_status}",
            on_progress=on_progress,
            what=f"conversation {conversation_id}",
            sleep=self._sleep,
            clock=self._clock,
            pace=settle.pace,
        )

    def follow(
        self,
        conversation_id: str,
        *,
        since: str | datetime | None = None,
        deadline_s: float = C.DEFAULT_WAIT_TIMEOUT_S,
        settle_s: float = DEFAULT_SETTLE_S,
        final_statuses: Iterable[str] = C.FINISHED_STATUSES | C.NEEDS_USER_STATUSES,
        reresolve: Callable[[], Awaitable[AsyncFollowClient]] | None = None,
    ) -> AsyncFollower:
        """Follow the conversation's events live over the event socket, until it settles.

        ``async with agent.follow(conv.id) as events: async for event in events: ...``; afterwards
        ``events.status``, ``events.settled``, ``events.last_event_id`` (pass it as ``since=`` to go
        on later). Every event exactly once, in order; see :class:`~openhands_api.AsyncFollower`.
        The socket is opened when iteration starts; the client must stay open until then.
        """
        from .._async_follow import AsyncFollower  # lazily: the WebSocket library loads only for follow()

        return AsyncFollower(self, conversation_id, since=since, deadline_s=deadline_s, settle_s=settle_s,
                             final_statuses=final_statuses, reresolve=reresolve, clock=self._clock)

    # --- events -------------------------------------------------------------------------------------

    async def search_events(
        self,
        conversation_id: str,
        *,
        limit: int | None = None,
        page_id: str | None = None,
        kind: str | None = None,
        source: str | None = None,
        body: str | None = None,
        sort_order: str | None = None,
        timestamp_gte: str | None = None,
        timestamp_lt: str | None = None,
    ) -> G.EventPage:
        """One page of events (oldest first by default; ``kind`` is an event class such as ActionEvent).

        Agent server 1.34 (what V1 sandboxes run) matches ``kind`` against the qualified class name
        (``openhands.sdk.event.llm_convertible.action.ActionEvent``); the short name matches nothing there.
        """
        check_limit(limit)
        return await self._transport.call(
            G.search_events, expect=G.EventPage, conversation_id=conversation_id, limit=limit, page_id=page_id, kind=kind,
            source=source, body=body, sort_order=sort_order, timestamp_gte=timestamp_gte, timestamp_lt=timestamp_lt,
        )

    def iter_events(
        self,
        conversation_id: str,
        *,
        kind: str | None = None,
        source: str | None = None,
        sort_order: str | None = None,
        page_size: int = C.DEFAULT_PAGE_SIZE,
        max_items: int | None = None,
    ) -> AsyncPager[Event]:
        """Every event, following ``next_page_id`` lazily (one request per page, when reached)."""
        return AsyncPager.over(functools.partial(self.search_events, conversation_id), page_size=page_size,
                               max_items=max_items, kind=kind, source=source, sort_order=sort_order)

    async def count_events(self, conversation_id: str, *, kind: str | None = None, source: str | None = None) -> int:
        """The server's own count (404 → NotFoundError for an unknown conversation)."""
        return await self._transport.call(G.count_events, expect=int, conversation_id=conversation_id, kind=kind, source=source)

    async def count_events_by_kind(self, conversation_id: str) -> Counter[str]:
        """Events per ``kind`` (ActionEvent, ObservationEvent ...), read through every page."""
        return Counter([str(event.kind) async for event in self.iter_events(conversation_id)])

    async def get_event(self, conversation_id: str, event_id: str) -> Event:
        event: Event = await self._transport.call_union(G.get_event, expect=event_classes(),
                                                        conversation_id=conversation_id, event_id=event_id)
        return event

    # --- bash ---------------------------------------------------------------------------------------

    async def bash(self, command: str, *, cwd: str | None = None, timeout_s: int | None = None) -> BashResult:
        """Run ``command`` and wait for it. A non-zero exit is returned, not raised.

        When the command outlives ``timeout_s`` (server default 300 s) the server kills it and
        answers exit code -1 with the output so far: ``timed_out`` is then True.
        """
        body, http_timeout = bash_request(command, cwd, timeout_s)
        out = await self._transport.call(G.execute_bash_command, expect=G.BashOutput, body=body, retry=False, timeout=http_timeout)
        return bash_result(command, out)

    # --- files --------------------------------------------------------------------------------------

    async def upload_file(self, source: str | os.PathLike[str] | bytes | IO[bytes], remote_path: str) -> G.UploadResult:
        """Write ``source`` (a local path, bytes, or a binary file object) to ``remote_path`` (absolute).

        Parent folders are created; an existing file is overwritten. A local file is streamed.
        """
        require_absolute(remote_path)
        payload, opened = upload_source(source)
        try:
            return await self._transport.call(G.upload_file, expect=G.UploadResult, path=remote_path,
                                              body=upload_body(payload, remote_path), retry=False)
        finally:
            if opened:
                payload.close()

    async def download_file(self, remote_path: str, local_path: str | os.PathLike[str]) -> int:
        """Stream ``remote_path`` into ``local_path``; return the number of bytes written.

        The bytes go to a temporary file beside ``local_path`` that is renamed only when the whole
        body has arrived: on any error (NotFoundError for a missing file ...) no partial file is left.
        """
        require_absolute(remote_path)
        return await self._transport.download("/api/file/download", local_path, params={"path": remote_path})

    async def read_file(self, remote_path: str) -> bytes:
        """The whole content of ``remote_path`` in memory (use :meth:`download_file` for large files)."""
        require_absolute(remote_path)
        result = await self._transport.call(G.download_file, expect=G.File, path=remote_path)
        return result.payload.read()


__all__ = ["AsyncAgentServerClient"]
