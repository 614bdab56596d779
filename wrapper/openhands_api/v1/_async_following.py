"""Follow a V1 conversation by any id: resolve it to its agent server, follow, re-resolve on the way.

    async with oh.follow(any_id, resume=True) as events:   # a conversation, start-task or sandbox id
        async for event in events:
            print(event.kind)
    print(events.status, events.settled, events.reresolved)

A start task is waited for until READY (its conversation id comes then); a sandbox id follows the
newest conversation in that sandbox. The agent server is the one :func:`resolve_agent_server`
finds (URL + key, never printed). When it stops answering or refuses the key (the sandbox paused;
on resume a sandbox may get a new URL or key) the follow engine asks ``_reresolve``: the app
server is asked again, the sandbox resumed if ``resume=True`` (else the ResolverError saying it is
paused ends the follow), and following goes on from the last event delivered, nothing repeated.

The agent-server clients made here fail fast (:data:`FOLLOW_TIMEOUT`, one retry): a paused process
sandbox makes calls hang rather than fail, and a hang is what must turn into a re-resolve.
Every client made here is closed when following ends (the generator's ``finally``, which
``aclose()`` and leaving the ``async with`` block run too).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

import httpx
from openhands_api_v1.models import AppConversation, AppConversationStartTask

from .. import _constants as C
from .._async_follow import AsyncEventStream, AsyncFollowClient, AsyncFollower
from .._async_pagination import AsyncPager
from .._exceptions import ResolverError
from .._ids import is_uuid
from .._models import present
from .._settle import DEFAULT_SETTLE_S
from ..agent import AsyncAgentServerClient
from ..agent._types import Event
from ._async_resolver import AsyncResolvedAgentServer

FOLLOW_TIMEOUT = httpx.Timeout(20.0, connect=C.DEFAULT_TIMEOUT.connect)


class AsyncV1FollowLookups(Protocol):
    """What following by any id needs from the V1 client."""

    async def get_start_tasks(self, task_ids: Sequence[str]) -> list[AppConversationStartTask | None]: ...
    async def wait_until_ready(self, task_id: str, *, timeout_s: float = ...) -> AppConversationStartTask: ...
    async def resolve_agent_server(self, any_id: str, *, resume: bool = ..., timeout_s: float = ...,
                                   on_progress: Callable[[str], None] | None = ...) -> AsyncResolvedAgentServer: ...
    def iter_conversations(self, *, title_contains: str | None = ..., sandbox_id: str | None = ...,
                           page_size: int = ..., max_items: int | None = ...) -> AsyncPager[AppConversation]: ...


class AsyncV1Follower(AsyncEventStream):
    """Events of the conversation ``any_id`` names, live (see the module docstring).

    After iteration, as on :class:`~openhands_api.AsyncFollower`: ``status``, ``settled``,
    ``last_event_id``, ``reconnects``; also ``conversation_id``, ``resolved`` (the agent server
    in use: URL, sandbox; the key masked), ``reresolved`` (how many times it changed) and
    ``delivered`` (events yielded so far).
    """

    def __init__(
        self,
        api: AsyncV1FollowLookups,
        any_id: str,
        *,
        resume: bool = False,
        since: str | datetime | None = None,
        deadline_s: float = C.DEFAULT_WAIT_TIMEOUT_S,
        settle_s: float = DEFAULT_SETTLE_S,
        final_statuses: Iterable[str] = C.FINISHED_STATUSES | C.NEEDS_USER_STATUSES,
        on_progress: Callable[[str], None] | None = None,
        follower_options: dict[str, Any] | None = None,
    ) -> None:
        self.any_id = any_id.strip()
        self.conversation_id: str | None = None
        self.resolved: AsyncResolvedAgentServer | None = None
        self.reresolved = 0
        self.delivered = 0
        self._api = api
        self._resume = resume
        self._on_progress = on_progress
        self._options: dict[str, Any] = {"since": since, "deadline_s": deadline_s, "settle_s": settle_s,
                                         "final_statuses": final_statuses, **(follower_options or {})}
        self._follower: AsyncFollower | None = None
        self._clients: list[AsyncAgentServerClient] = []

    @property
    def status(self) -> str | None:
        return self._follower.status if self._follower is not None else None

    @property
    def settled(self) -> bool:
        return self._follower is not None and self._follower.settled

    @property
    def last_event_id(self) -> str | None:
        return self._follower.last_event_id if self._follower is not None else None

    @property
    def reconnects(self) -> int:
        return self._follower.reconnects if self._follower is not None else 0

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(any_id={self.any_id!r}, conversation_id={self.conversation_id!r}, "
                f"status={self.status!r}, settled={self.settled})")

    async def _run(self) -> AsyncGenerator[Event, None]:
        try:
            conversation_id = await self._conversation_id()
            self._follower = AsyncFollower(self._client_for(self.resolved), conversation_id,
                                           reresolve=self._reresolve, **self._options)
            async for event in self._follower:
                self.delivered += 1
                yield event
        finally:
            if self._follower is not None:
                await self._follower.aclose()
            await self._close_clients()

    async def _conversation_id(self) -> str:
        """Resolve ``any_id``: a start task is waited for until READY, a sandbox gives its newest conversation."""
        any_id = self.any_id
        if is_uuid(any_id) and (await self._api.get_start_tasks([any_id]))[0] is not None:
            self._note(f"{any_id} is a start task: waiting until it is READY")
            task = await self._api.wait_until_ready(any_id, timeout_s=C.V1_START_TIMEOUT_S)
            any_id = str(present(task.app_conversation_id))
        self.resolved = await self._api.resolve_agent_server(any_id, resume=self._resume, on_progress=self._on_progress)
        conversation_id = self.resolved.conversation_id
        if conversation_id is None:  # a sandbox id
            newest = [c async for c in self._api.iter_conversations(sandbox_id=self.resolved.sandbox_id, page_size=1,
                                                                     max_items=1)]
            if not newest:
                raise ResolverError(f"sandbox {self.resolved.sandbox_id} runs no conversation", step="conversation",
                                    hint="follow a conversation id, or start a conversation first")
            conversation_id = str(newest[0].id)
        self.conversation_id = conversation_id
        return conversation_id

    async def _reresolve(self) -> AsyncFollowClient:
        """Called by the follow engine when the agent server is gone or refuses the key."""
        assert self.conversation_id is not None  # the engine runs only after _conversation_id()
        self._note(f"agent server of {self.conversation_id} unreachable or key refused: asking the app server again")
        self.resolved = await self._api.resolve_agent_server(self.conversation_id, resume=self._resume,
                                                             on_progress=self._on_progress)
        self.reresolved += 1
        return self._client_for(self.resolved)

    def _client_for(self, resolved: AsyncResolvedAgentServer | None) -> AsyncAgentServerClient:
        assert resolved is not None
        client = resolved.client(timeout=FOLLOW_TIMEOUT, max_retries=1)
        self._clients.append(client)
        return client

    async def _close_clients(self) -> None:
        while self._clients:
            await self._clients.pop().aclose()

    def _note(self, message: str) -> None:
        if self._on_progress is not None:
            self._on_progress(message)
