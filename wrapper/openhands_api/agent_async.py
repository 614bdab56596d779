"""The async twin of :class:`~openhands_api.agent.AgentServerClient`.

    from openhands_api import AsyncAgentServerClient

    async with AsyncAgentServerClient(url, session_key) as agent:
        conv = await agent.start_conversation(prompt="say hello", working_dir="/ws", llm_model="openai/gpt-4o")
        await agent.wait_until_finished(conv.id)
        async for event in agent.iter_events(conv.id):
            print(event.kind)

Same methods, arguments, results and errors as the sync client. Request bodies and result shaping
are the sync module's own helpers (``start_request``, ``bash_request``, ``bash_result`` ...), so the
two clients cannot drift apart in what they send.
"""

from __future__ import annotations

import functools
import io
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any, cast

import anyio
import httpx

from . import _constants as C
from ._async_transport import AsyncTransport
from ._auth import SessionKeyAuth, session_key_from
from ._pagination import AsyncPager, check_limit
from ._polling import apoll_until
from ._secret import MASK, Secret
from .agent import (
    FINISHED_STATUSES,
    NEEDS_USER_STATUSES,
    BashResult,
    TerminalType,
    _require_absolute,
    bash_request,
    bash_result,
    message_request,
    start_request,
    upload_body,
)

if TYPE_CHECKING:
    from openhands_api_agent.models import ConversationInfo, ConversationPage, EventPage, ServerInfo, UploadResult

    from .agent import Event


class AsyncAgentServerClient:
    """An async client for one agent server (``url`` + session key, default ``$OH_SESSION_API_KEY``)."""

    def __init__(
        self,
        url: str,
        session_key: str | Secret | None = None,
        *,
        timeout: httpx.Timeout | float | None = None,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        http_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._key = session_key_from(session_key)
        self._transport = AsyncTransport(
            url, auth=SessionKeyAuth(self._key), timeout=timeout, max_retries=max_retries, http_transport=http_transport
        )

    @property
    def url(self) -> str:
        return self._transport.base_url

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def __aenter__(self) -> AsyncAgentServerClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"AsyncAgentServerClient(url={self.url!r}, session_key={MASK!r})"

    # --- server -------------------------------------------------------------------------------------

    async def server_info(self) -> ServerInfo:
        from openhands_api_agent.api.server import get_server_info

        return cast("ServerInfo", await self._transport.call(get_server_info))

    async def is_alive(self) -> bool:
        from openhands_api_agent.api.server import get_health

        return getattr(await self._transport.call(get_health), "status", None) == "ok"

    async def is_ready(self) -> bool:
        from openhands_api_agent.api.server import get_ready

        return getattr(await self._transport.call(get_ready), "status", None) == "ready"

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
    ) -> ConversationInfo:
        """See :meth:`AgentServerClient.start_conversation`."""
        from openhands_api_agent.api.conversations import start_conversation

        body = start_request(
            working_dir=working_dir, llm_model=llm_model, llm_api_key=llm_api_key, llm_base_url=llm_base_url, prompt=prompt,
            tools=tools, terminal_type=terminal_type, max_iterations=max_iterations, conversation_id=conversation_id,
            autotitle=autotitle, tags=tags, llm_extra=llm_extra,
        )
        return cast("ConversationInfo", await self._transport.call(start_conversation, body=body, retry=False))

    async def get_conversation(self, conversation_id: str) -> ConversationInfo:
        from openhands_api_agent.api.conversations import get_conversation

        return cast("ConversationInfo", await self._transport.call(get_conversation, conversation_id=conversation_id))

    async def get_conversations(self, conversation_ids: Sequence[str]) -> list[ConversationInfo | None]:
        from openhands_api_agent.api.conversations import get_conversations_batch

        return cast("list[ConversationInfo | None]", await self._transport.call(get_conversations_batch, ids=list(conversation_ids)))

    async def search_conversations(
        self, *, limit: int | None = None, page_id: str | None = None, status: str | None = None, sort_order: str | None = None
    ) -> ConversationPage:
        from openhands_api_agent.api.conversations import search_conversations

        check_limit(limit)
        return cast("ConversationPage", await self._transport.call(
            search_conversations, limit=limit, page_id=page_id or None, status=status, sort_order=sort_order
        ))

    def iter_conversations(
        self, *, status: str | None = None, sort_order: str | None = None, page_size: int = C.DEFAULT_PAGE_SIZE, max_items: int | None = None
    ) -> AsyncPager[ConversationInfo]:
        return AsyncPager.over(self.search_conversations, page_size=page_size, max_items=max_items, status=status, sort_order=sort_order)

    async def count_conversations(self, status: str | None = None) -> int:
        from openhands_api_agent.api.conversations import count_conversations

        return cast(int, await self._transport.call(count_conversations, status=status))

    async def delete_conversation(self, conversation_id: str) -> None:
        from openhands_api_agent.api.conversations import delete_conversation

        await self._transport.call(delete_conversation, conversation_id=conversation_id)

    async def run(self, conversation_id: str) -> None:
        from openhands_api_agent.api.conversations import run_conversation

        await self._transport.call(run_conversation, conversation_id=conversation_id, retry=False)

    async def pause(self, conversation_id: str) -> None:
        from openhands_api_agent.api.conversations import pause_conversation

        await self._transport.call(pause_conversation, conversation_id=conversation_id, retry=False)

    async def send_message(self, conversation_id: str, text: str, *, run: bool = False) -> None:
        from openhands_api_agent.api.conversations import send_message

        await self._transport.call(send_message, conversation_id=conversation_id, body=message_request(text, run), retry=False)

    async def wait_until_finished(
        self,
        conversation_id: str,
        *,
        timeout_s: float = C.DEFAULT_WAIT_TIMEOUT_S,
        on_progress: Callable[[ConversationInfo], None] | None = None,
        stop_on: Iterable[str] = FINISHED_STATUSES | NEEDS_USER_STATUSES,
    ) -> ConversationInfo:
        """See :meth:`AgentServerClient.wait_until_finished`."""
        stops = frozenset(stop_on)
        return await apoll_until(
            lambda: self.get_conversation(conversation_id),
            lambda conv: str(conv.execution_status) in stops,
            timeout_s=timeout_s,
            describe=lambda conv: f"execution_status={conv.execution_status}",
            on_progress=on_progress,
            what=f"conversation {conversation_id}",
        )

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
    ) -> EventPage:
        from openhands_api_agent.api.events import search_events

        check_limit(limit)
        return cast("EventPage", await self._transport.call(
            search_events, conversation_id=conversation_id, limit=limit, page_id=page_id, kind=kind, source=source,
            body=body, sort_order=sort_order, timestamp_gte=timestamp_gte, timestamp_lt=timestamp_lt,
        ))

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
        return AsyncPager.over(functools.partial(self.search_events, conversation_id), page_size=page_size, max_items=max_items,
                               kind=kind, source=source, sort_order=sort_order)

    async def count_events(self, conversation_id: str, *, kind: str | None = None, source: str | None = None) -> int:
        from openhands_api_agent.api.events import count_events

        return cast(int, await self._transport.call(count_events, conversation_id=conversation_id, kind=kind, source=source))

    async def count_events_by_kind(self, conversation_id: str) -> Counter[str]:
        return Counter([str(event.kind) async for event in self.iter_events(conversation_id)])

    async def get_event(self, conversation_id: str, event_id: str) -> Event:
        from openhands_api_agent.api.events import get_event

        return cast("Event", await self._transport.call(get_event, conversation_id=conversation_id, event_id=event_id))

    # --- bash and files -----------------------------------------------------------------------------

    async def bash(self, command: str, *, cwd: str | None = None, timeout_s: int | None = None) -> BashResult:
        """See :meth:`AgentServerClient.bash`."""
        from openhands_api_agent.api.bash import execute_bash_command

        body, http_timeout = bash_request(command, cwd, timeout_s)
        out = await self._transport.call(execute_bash_command, body=body, retry=False, timeout=http_timeout)
        return bash_result(command, out)

    async def upload_file(self, source: str | os.PathLike[str] | bytes | IO[bytes], remote_path: str) -> UploadResult:
        """See :meth:`AgentServerClient.upload_file` (a local file is read in a worker thread)."""
        from openhands_api_agent.api.files import upload_file

        _require_absolute(remote_path)
        if isinstance(source, str | os.PathLike):
            source = await anyio.Path(source).read_bytes()
        if isinstance(source, bytes | bytearray):
            source = io.BytesIO(bytes(source))
        return cast("UploadResult", await self._transport.call(upload_file, path=remote_path, body=upload_body(source, remote_path), retry=False))

    async def download_file(self, remote_path: str, local_path: str | os.PathLike[str]) -> int:
        """See :meth:`AgentServerClient.download_file`: no partial file is ever left behind."""
        _require_absolute(remote_path)
        return await self._transport.download("/api/file/download", local_path, params={"path": remote_path})

    async def read_file(self, remote_path: str) -> bytes:
        from openhands_api_agent.api.files import download_file

        _require_absolute(remote_path)
        result = await self._transport.call(download_file, path=remote_path)
        return cast(bytes, result.payload.read())
