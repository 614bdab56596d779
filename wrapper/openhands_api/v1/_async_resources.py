"""The V1 app server's endpoints, one method each: server, settings, start tasks, conversations,
events, sandboxes. The workflows built on them (start and wait, resolve, count) are in
:mod:`._async_client`.

Things about the real server these methods hide (details in docs/v1-app-server.md):

* there is no ``GET /app-conversations/{id}``: single reads go through the batch endpoints, whose
  ``null`` entries become :class:`~openhands_api.NotFoundError` here;
* an unknown conversation has 0 events and an empty event page (200, no 404), and a non-UUID id
  is answered with a bare 500: ids are checked locally and conversations are looked up first, so
  a typo is reported as "invalid id" / "not found", never as 0 events;
* ``DELETE /sandboxes/{id}`` really reads the query ``sandbox_id``;
* the trajectory download is a zip (declared JSON upstream) and is streamed to disk here;
* 10 requests/s per client, then 429 + Retry-After: retried by the transport.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import httpx
from openhands_api_v1.api.app_conversations import (
    batch_get_app_conversations,
    count_app_conversations,
    delete_app_conversation,
    search_app_conversations,
)
from openhands_api_v1.api.events import count_events as count_events_endpoint
from openhands_api_v1.api.events import search_events as search_events_endpoint
from openhands_api_v1.api.sandboxes import (
    batch_get_sandboxes,
    delete_sandbox,
    pause_sandbox,
    resume_sandbox,
    search_sandbox_specs,
    search_sandboxes,
)
from openhands_api_v1.api.server import get_health
from openhands_api_v1.api.settings import get_settings, store_settings
from openhands_api_v1.api.start_tasks import batch_get_start_tasks, count_start_tasks, search_start_tasks
from openhands_api_v1.api.users import get_current_user
from openhands_api_v1.models import (
    AppConversation,
    AppConversationPage,
    AppConversationStartTask,
    AppConversationStartTaskPage,
    EventPage,
    SandboxInfo,
    SandboxPage,
    SandboxSpecInfo,
    SandboxSpecPage,
    Settings,
    UserInfo,
)

from .. import _constants as C
from .._async_base import AsyncBaseClient
from .._async_limiter import AsyncRateLimiter
from .._async_pagination import AsyncPager
from .._async_polling import poll_until
from .._auth import AppCredentials, AuthScheme, discover_app_credentials
from .._exceptions import OpenHandsAPIError
from .._models import present
from .._paging import check_limit
from .._secret import Secret
from ._shapes import Event, check_conversation_id, check_sandbox_usable, llm_diff, not_found, settings_update


class AsyncV1Resources(AsyncBaseClient):
    """A client for one V1 app server: its endpoints, typed.

    Credentials come from :func:`openhands_api.discover_app_credentials`: ``api_key=``, then
    ``OPENHANDS_API_KEY`` / ``OPENHANDS_CLOUD_API_KEY`` / ``OH_API_KEY``, then a key file; the base
    URL from ``base_url=``, ``OPENHANDS_BASE_URL`` / ``OPENHANDS_APP_BASE``, else Cloud. Cloud gets
    ``Authorization: Bearer``, a loopback/private host ``X-Session-API-Key`` (override with
    ``auth_scheme=``). ``credentials=`` takes an already discovered :class:`AppCredentials`.

    ``http_transport`` is used for the app server and ``agent_http_transport`` for the agent
    servers the resolver finds (tests pass ``httpx.MockTransport`` objects here).
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | Secret | None = None,
        auth_scheme: AuthScheme | None = None,
        credentials: AppCredentials | None = None,
        timeout: httpx.Timeout | float | None = None,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        limiter: AsyncRateLimiter | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
        agent_http_transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        deadline_s: float | None = None,
    ) -> None:
        self.credentials = credentials or discover_app_credentials(api_key, base_url, auth_scheme)
        super().__init__(self.credentials.base_url, auth=self.credentials.auth(), timeout=timeout,
                         max_retries=max_retries, limiter=limiter, http_transport=http_transport, sleep=sleep, clock=clock,
                         deadline_s=deadline_s)
        # What the agent-server clients built for resolved servers get: the same timeouts, retries, deadline.
        self._agent_client_kwargs: dict[str, Any] = {
            "timeout": timeout, "max_retries": max_retries, "http_transport": agent_http_transport, "deadline_s": deadline_s,
        }

    @property
    def base_url(self) -> str:
        return self.credentials.base_url

    @property
    def api_v1_url(self) -> str:
        return f"{self.base_url}/api/v1"

    def _repr_fields(self) -> dict[str, object]:
        return {**super()._repr_fields(), "scheme": self.credentials.scheme}

    # --- server, user, settings ---------------------------------------------------------------------

    async def health(self) -> str:
        """``"OK"`` when the server is up (no key needed)."""
        return await self._transport.call(get_health, expect=str)

    async def me(self) -> UserInfo:
        """The current user. Self-hosted: the stored settings with ``id`` null and secrets masked."""
        return await self._transport.call(get_current_user, expect=UserInfo)

    async def get_settings(self) -> Settings:
        """The stored settings (NotFoundError until something was stored; the LLM key comes back null)."""
        return await self._transport.call(get_settings, expect=Settings)

    async def store_settings(self, *, agent_settings_diff: Mapping[str, Any] | None = None,
                             conversation_settings_diff: Mapping[str, Any] | None = None) -> None:
        """Merge partial settings into the stored ones (the server wants these *_diff objects)."""
        await self._transport.send(store_settings, body=settings_update(agent_settings_diff, conversation_settings_diff))

    async def set_llm(self, model: str, *, base_url: str | None = None, api_key: str | Secret | None = None) -> None:
        """Store the LLM the agent of every new conversation uses (model, base URL, key)."""
        await self.store_settings(agent_settings_diff=llm_diff(model, base_url, api_key))

    # --- start tasks --------------------------------------------------------------------------------

    async def get_start_tasks(self, task_ids: Sequence[str]) -> list[AppConversationStartTask | None]:
        """Start tasks by id, in order; ``None`` where an id is unknown."""
        if not task_ids:
            return []
        ids = [check_conversation_id(task_id, what="start task id") for task_id in task_ids]
        return await self._transport.call_batch(batch_get_start_tasks, item=AppConversationStartTask, ids=ids)

    async def get_start_task(self, task_id: str) -> AppConversationStartTask:
        """One start task (NotFoundError if unknown; says so when the id is a conversation id)."""
        task = (await self.get_start_tasks([task_id]))[0]
        if task is None:
            hint = "check the id"
            if (await self.get_conversations([task_id]))[0] is not None:
                hint = "this is a conversation id, not a start-task id: use get_conversation() with it"
            raise not_found(self.base_url, f"no start task has id {task_id}", hint,
                            f"/api/v1/app-conversations/start-tasks?ids={task_id}")
        return task

    async def search_start_tasks(self, *, limit: int | None = None, page_id: str | None = None,
                                 conversation_id: str | None = None,
                                 sort_order: str | None = None) -> AppConversationStartTaskPage:
        check_limit(limit)
        return await self._transport.call(search_start_tasks, expect=AppConversationStartTaskPage, limit=limit,
                                          page_id=page_id, conversation_id_eq=conversation_id, sort_order=sort_order)

    def iter_start_tasks(self, *, conversation_id: str | None = None, sort_order: str | None = None,
                         page_size: int = C.DEFAULT_PAGE_SIZE,
                         max_items: int | None = None) -> AsyncPager[AppConversationStartTask]:
        return AsyncPager.over(self.search_start_tasks, page_size=page_size, max_items=max_items,
                               conversation_id=conversation_id, sort_order=sort_order)

    async def count_start_tasks(self) -> int:
        return await self._transport.call(count_start_tasks, expect=int)

    # --- app conversations --------------------------------------------------------------------------

    async def get_conversations(self, conversation_ids: Sequence[str]) -> list[AppConversation | None]:
        """Conversations by id, in order; ``None`` where an id is unknown (InvalidArgumentError for a non-UUID)."""
        if not conversation_ids:
            return []
        ids = [check_conversation_id(cid) for cid in conversation_ids]
        return await self._transport.call_batch(batch_get_app_conversations, item=AppConversation, ids=ids)

    async def get_conversation(self, conversation_id: str) -> AppConversation:
        """One conversation. Unknown → NotFoundError; a start-task id gets a hint naming its conversation."""
        conv = (await self.get_conversations([conversation_id]))[0]
        if conv is not None:
            return conv
        hint = "check the id with `openhands-api search-conversations`"
        try:
            task = (await self.get_start_tasks([conversation_id]))[0]
        except OpenHandsAPIError:
            task = None
        if task is not None:
            target = present(task.app_conversation_id)
            hint = (
                f"{conversation_id} is a start-task id, not a conversation id; "
                + (f"its conversation is {target}" if target else f"its conversation is not ready yet (status {task.status})")
            )
        raise not_found(self.base_url, f"no conversation has id {conversation_id}", hint,
                        f"/api/v1/app-conversations?ids={conversation_id}")

    async def search_conversations(
        self,
        *,
        limit: int | None = None,
        page_id: str | None = None,
        title_contains: str | None = None,
        sandbox_id: str | None = None,
        include_sub_conversations: bool | None = None,
    ) -> AppConversationPage:
        """One page of conversations, newest first."""
        check_limit(limit)
        return await self._transport.call(
            search_app_conversations, expect=AppConversationPage, limit=limit, page_id=page_id,
            title_contains=title_contains, sandbox_id_eq=sandbox_id, include_sub_conversations=include_sub_conversations,
        )

    def iter_conversations(self, *, title_contains: str | None = None, sandbox_id: str | None = None,
                           page_size: int = C.DEFAULT_PAGE_SIZE,
                           max_items: int | None = None) -> AsyncPager[AppConversation]:
        """Every conversation, newest first, fetching pages lazily."""
        return AsyncPager.over(self.search_conversations, page_size=page_size, max_items=max_items,
                               title_contains=title_contains, sandbox_id=sandbox_id)

    async def count_conversations(self) -> int:
        return await self._transport.call(count_app_conversations, expect=int)

    async def delete_conversation(self, conversation_id: str) -> None:
        """Delete a conversation (its sandbox goes too unless shared; stored events stay on the server)."""
        await self._transport.send(delete_app_conversation, conversation_id=check_conversation_id(conversation_id))

    async def download_trajectory(self, conversation_id: str, path: str | os.PathLike[str]) -> int:
        """Stream the conversation's trajectory zip to ``path``; return its size in bytes.

        Written to a temporary file beside ``path`` and renamed at the end: no partial file is
        left on error. Unknown conversation → NotFoundError.
        """
        cid = check_conversation_id(conversation_id)  # the checked (stripped) id: a UUID is one path segment
        return await self._transport.download(f"/api/v1/app-conversations/{cid}/download", path,
                                              html_is_error=True)

    # --- events -------------------------------------------------------------------------------------

    async def search_events(
        self,
        conversation_id: str,
        *,
        limit: int | None = None,
        page_id: str | None = None,
        kind: str | None = None,
        sort_order: str | None = None,
        timestamp_gte: str | None = None,
        timestamp_lt: str | None = None,
    ) -> EventPage:
        """One page of the events the app server stored (oldest first by default).

        Raw endpoint semantics: an unknown conversation gives an empty page. :meth:`iter_events`
        checks that the conversation exists first.
        """
        check_conversation_id(conversation_id)
        check_limit(limit)
        return await self._transport.call(
            search_events_endpoint, expect=EventPage, conversation_id=conversation_id, limit=limit, page_id=page_id,
            kind_eq=kind, sort_order=sort_order, timestamp_gte=timestamp_gte, timestamp_lt=timestamp_lt,
        )

    async def iter_events(self, conversation_id: str, *, kind: str | None = None, sort_order: str | None = None,
                          page_size: int = C.DEFAULT_PAGE_SIZE, max_items: int | None = None,
                          check_exists: bool = True) -> AsyncPager[Event]:
        """Every stored event of an existing conversation (NotFoundError otherwise), pages fetched lazily."""
        check_limit(page_size)
        if check_exists:
            await self.get_conversation(conversation_id)
        return AsyncPager.over(functools.partial(self.search_events, conversation_id), page_size=page_size,
                               max_items=max_items, kind=kind, sort_order=sort_order)

    async def count_events_app(self, conversation_id: str, *, kind: str | None = None) -> int:
        """The app server's raw count. It answers 0 for an unknown id: prefer ``count_events``."""
        check_conversation_id(conversation_id)
        return await self._transport.call(count_events_endpoint, expect=int, conversation_id=conversation_id,
                                          kind_eq=kind)

    # --- sandboxes ----------------------------------------------------------------------------------

    async def search_sandboxes(self, *, limit: int | None = None, page_id: str | None = None) -> SandboxPage:
        check_limit(limit)
        return await self._transport.call(search_sandboxes, expect=SandboxPage, limit=limit, page_id=page_id)

    def iter_sandboxes(self, *, page_size: int = C.DEFAULT_PAGE_SIZE,
                       max_items: int | None = None) -> AsyncPager[SandboxInfo]:
        return AsyncPager.over(self.search_sandboxes, page_size=page_size, max_items=max_items)

    async def get_sandboxes(self, sandbox_ids: Sequence[str]) -> list[SandboxInfo | None]:
        """Sandboxes by id, in order; ``None`` where unknown."""
        if not sandbox_ids:
            return []
        return await self._transport.call_batch(batch_get_sandboxes, item=SandboxInfo, ids=list(sandbox_ids),
                                                id_param="id")

    async def get_sandbox(self, sandbox_id: str) -> SandboxInfo:
        sandbox = (await self.get_sandboxes([sandbox_id]))[0]
        if sandbox is None:
            raise not_found(self.base_url, f"no sandbox has id {sandbox_id}",
                            "it may have been deleted; list them with `openhands-api sandboxes`",
                            f"/api/v1/sandboxes?id={sandbox_id}")
        return sandbox

    async def pause_sandbox(self, sandbox_id: str) -> None:
        """Pause a sandbox. Its agent server then hangs (no error) until resumed."""
        await self._transport.send(pause_sandbox, sandbox_id=sandbox_id, retry=False)

    async def resume_sandbox(self, sandbox_id: str, *, wait: bool = False,
                             timeout_s: float = C.V1_SANDBOX_WAIT_TIMEOUT_S) -> SandboxInfo | None:
        """Resume a paused sandbox (fine on a running one); ``wait=True`` waits until RUNNING and returns it."""
        await self._transport.send(resume_sandbox, sandbox_id=sandbox_id, retry=False)
        if not wait:
            return None
        return await self.wait_sandbox_running(sandbox_id, timeout_s=timeout_s)

    async def wait_sandbox_running(self, sandbox_id: str, *, timeout_s: float = C.V1_SANDBOX_WAIT_TIMEOUT_S,
                                   on_progress: Callable[[SandboxInfo], None] | None = None) -> SandboxInfo:
        """Poll a sandbox until RUNNING; MISSING/ERROR raise :class:`~openhands_api.ResolverError`."""
        def done(sandbox: SandboxInfo) -> bool:
            status = str(sandbox.status)
            check_sandbox_usable(status, f"sandbox {sandbox_id}", paused_ok=True)
            return status == "RUNNING"

        return await poll_until(
            lambda: self.get_sandbox(sandbox_id), done, timeout_s=timeout_s, describe=lambda s: f"status={s.status}",
            on_progress=on_progress, initial_interval_s=C.V1_SANDBOX_POLL_INITIAL_S,
            max_interval_s=C.V1_SANDBOX_POLL_MAX_S, what=f"sandbox {sandbox_id}", sleep=self._sleep, clock=self._clock,
        )

    async def delete_sandbox(self, sandbox_id: str) -> None:
        """Delete a sandbox and stop its agent server (the route reads the query ``sandbox_id``)."""
        await self._transport.send(delete_sandbox, id=sandbox_id, sandbox_id=sandbox_id)

    async def search_sandbox_specs(self, *, limit: int | None = None, page_id: str | None = None) -> SandboxSpecPage:
        check_limit(limit)
        return await self._transport.call(search_sandbox_specs, expect=SandboxSpecPage, limit=limit, page_id=page_id)

    def iter_sandbox_specs(self, *, page_size: int = C.DEFAULT_PAGE_SIZE,
                           max_items: int | None = None) -> AsyncPager[SandboxSpecInfo]:
        return AsyncPager.over(self.search_sandbox_specs, page_size=page_size, max_items=max_items)
