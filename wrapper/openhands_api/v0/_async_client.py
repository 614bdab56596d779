"""The legacy V0 app server client (``/api/conversations`` ...).

    async with AsyncV0Client() as api:          # key and URL by discovery, like the V1 client
        conv = await api.create_conversation(initial_user_msg="Please run echo hello")
        final = await api.poll_until_terminal(conv.conversation_id)
        print(final["status"], final.get("url"), final.ended_by, final.agent_state)

One source for the async and the sync client: the async module is the source, the sync one is
derived from it by ``scripts/unasync.py`` (its first line says so). What the client adds to the raw API (and why):

* ``poll_until_terminal`` also ends when the agent is done: on a real server ``status`` stays
  ``RUNNING`` after the agent finished, and only the last ``agent_state_changed`` event tells
  (finished, awaiting_user_input, error, stopped, rejected). The result says which signal ended it.
* An unknown id (the server answers 200 ``null``) is :class:`~openhands_api.NotFoundError`; ``limit``
  outside 1..100 is :class:`~openhands_api.InvalidArgumentError` before any request; a page cursor
  the server cannot decode is :class:`~openhands_api.v0.InvalidCursorError` (the server: 500).
* Results are typed and read like the seed's dicts (:mod:`._results`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
from openhands_api_v0.api.conversations import (
    add_message,
    create_conversation,
    delete_conversation,
    get_conversation,
    get_conversation_config,
    search_conversations,
    start_conversation,
    stop_conversation,
    update_conversation,
)
from openhands_api_v0.api.events import get_trajectory, search_events
from openhands_api_v0.api.health import alive, health, ready
from openhands_api_v0.api.options import get_agents, get_models, get_security_analyzers, get_server_config
from openhands_api_v0.api.settings import load_settings, store_settings
from openhands_api_v0.models import (
    AddMessageRequest,
    AddMessageResponse,
    AliveResponse,
    ConversationConfig,
    ConversationInfo,
    ConversationInfoResultSet,
    ConversationResponse,
    ServerOptionsConfig,
    Settings,
    StoredSettings,
    UpdateConversationRequest,
)
from openhands_api_v0.models import EventPage as EventPageModel
from openhands_api_v0.models import Trajectory as TrajectoryModel

from .. import _constants as C
from .. import _seam
from .._async_base import AsyncBaseClient
from .._async_limiter import AsyncRateLimiter
from .._async_pagination import AsyncPager
from .._async_polling import poll_until
from .._auth import AuthScheme, discover_app_credentials
from .._exceptions import (
    ConversationNotRunningError,
    InvalidArgumentError,
    InvalidCursorError,
    NotFoundError,
    ServerError,
    UnexpectedContentError,
)
from .._paging import check_limit, next_cursor
from .._secret import Secret
from ._results import (
    LIMIT_HINT,
    PROVIDER_TOKEN_HINT,
    AgentStateTracker,
    Conversation,
    ConversationPage,
    CreatedConversation,
    Event,
    EventPage,
    PollProgress,
    PollResult,
    Trajectory,
    create_request,
    event_id_of,
    short,
    start_request,
)


class AsyncV0Client(AsyncBaseClient):
    """A client for the legacy V0 app server (OpenHands Cloud, or a self-hosted ``openhands-ai`` <= 1.6).

    ``api_key`` and ``base_url`` follow the app-server discovery (argument, then ``OPENHANDS_API_KEY`` /
    ``OPENHANDS_CLOUD_API_KEY`` / ``OH_API_KEY`` / key file; ``OPENHANDS_BASE_URL`` /
    ``OPENHANDS_APP_BASE``; default OpenHands Cloud). ``auth_scheme`` forces ``"bearer"`` or
    ``"session-key"``; by default loopback/private hosts get ``X-Session-API-Key``, others Bearer.
    One keep-alive connection pool serves every call: use the client as a context manager or
    close it.
    """

    def __init__(
        self,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        *,
        auth_scheme: AuthScheme | None = None,
        timeout: httpx.Timeout | float | None = None,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        limiter: AsyncRateLimiter | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        deadline_s: float | None = None,
    ) -> None:
        self._credentials = discover_app_credentials(api_key, base_url, auth_scheme)
        super().__init__(self._credentials.base_url, auth=self._credentials.auth(), timeout=timeout,
                         max_retries=max_retries, limiter=limiter, http_transport=http_transport, sleep=sleep, clock=clock,
                         deadline_s=deadline_s)

    @property
    def base_url(self) -> str:
        return self._credentials.base_url

    @property
    def auth_scheme(self) -> AuthScheme:
        return self._credentials.scheme

    def _repr_fields(self) -> dict[str, object]:
        return {**super()._repr_fields(), "auth_scheme": self.auth_scheme}

    def web_url(self, conversation_id: str) -> str:
        """The conversation's page in the web UI (what the seed CLI printed for humans)."""
        return f"{self.base_url}/conversations/{conversation_id}"

    # --- conversations --------------------------------------------------------------------------------

    async def create_conversation(
        self,
        initial_user_msg: str | None = None,
        repository: str | None = None,
        selected_branch: str | None = None,
        git_provider: str | None = None,
        conversation_instructions: str | None = None,
        *,
        image_urls: Sequence[str] | None = None,
        replay_json: str | None = None,
        suggested_task: Mapping[str, Any] | None = None,
        create_microagent: Mapping[str, Any] | None = None,
        mcp_config: Mapping[str, Any] | None = None,
    ) -> CreatedConversation:
        """``POST /api/conversations``: create a conversation; its agent starts at once.

        Every argument is optional (no message: the agent waits for input). A ``repository`` needs
        a git token stored for its provider on the server; without one the server fails (HTTP 500),
        raised as :class:`~openhands_api.ServerError` with a hint about provider tokens. Not retried:
        a retry after a lost answer would create a second conversation.
        """
        body = create_request(initial_user_msg, repository, selected_branch, git_provider, conversation_instructions,
                              image_urls, replay_json, suggested_task, create_microagent, mcp_config)
        try:
            created = await self._transport.call(create_conversation, expect=ConversationResponse, body=body, retry=False)
        except ServerError as exc:
            if repository:
                raise ServerError(
                    f"creating a conversation on repository {repository!r} failed: {exc.message}",
                    response=exc.response, body=exc.body, hint=PROVIDER_TOKEN_HINT,
                ) from exc
            raise
        return CreatedConversation(created)

    async def create_conversation_from_prompt_files(
        self,
        prompt_file: str | Path,
        *,
        repository: str | None = None,
        selected_branch: str | None = None,
        append_file: str | Path | None = None,
    ) -> CreatedConversation:
        """Seed helper: the prompt is ``prompt_file``'s text, plus ``append_file``'s if it exists."""
        text = Path(prompt_file).read_text(encoding="utf-8")
        if append_file and Path(append_file).exists():
            text = f"{text}\n\n{Path(append_file).read_text(encoding='utf-8')}"
        return await self.create_conversation(initial_user_msg=text, repository=repository,
                                              selected_branch=selected_branch)

    async def get_conversation(self, conversation_id: str) -> Conversation:
        """``GET /api/conversations/{id}``. An unknown or deleted id raises NotFoundError (server: 200 ``null``)."""
        # expect=object: a null body is this endpoint's "not found", checked before the type is.
        result, response = await self._transport.call_with_response(get_conversation, expect=object,
                                                                     conversation_id=conversation_id)
        if result is None:
            raise NotFoundError(
                f"conversation {conversation_id!r} not found (the server answered 200 null)",
                response=response, body=None,
                hint="check the id (32 hex characters); deleted conversations are gone for good",
            )
        return Conversation(_seam.expect(result, ConversationInfo, response))

    async def list_conversations(
        self,
        *,
        limit: int = C.V0_LIST_LIMIT,
        page_id: str | None = None,
        selected_repository: str | None = None,
        conversation_trigger: str | None = None,
        include_sub_conversations: bool | None = None,
    ) -> ConversationPage:
        """``GET /api/conversations``: one page, newest first. ``limit`` must be 1..100.

        A ``page_id`` the server cannot decode raises :class:`~openhands_api.v0.InvalidCursorError`
        at once (the server answers 500 for it; that is not retried).
        """
        check_limit(limit, hint=LIMIT_HINT)
        try:
            page = await self._transport.call(
                search_conversations, expect=ConversationInfoResultSet,
                # A 500 with a cursor is (nearly always) the cursor: do not hammer the server with retries.
                retry=False if page_id else None,
                limit=limit, page_id=page_id or None, selected_repository=selected_repository or None,
                conversation_trigger=conversation_trigger or None, include_sub_conversations=include_sub_conversations,
            )
        except ServerError as exc:
            if page_id:
                raise InvalidCursorError(
                    f"the server could not use page_id {short(page_id)!r} (HTTP {exc.status_code}): it is not a valid page cursor",
                    response=exc.response, body=exc.body,
                ) from exc
            raise
        return ConversationPage(page, next_cursor(page.next_page_id))

    def iter_conversations(
        self,
        *,
        page_size: int = C.V0_LIST_LIMIT,
        max_items: int | None = None,
        selected_repository: str | None = None,
        conversation_trigger: str | None = None,
    ) -> AsyncPager[Conversation]:
        """Every conversation, newest first, fetching pages lazily as iteration reaches them."""
        check_limit(page_size, name="page_size", hint=LIMIT_HINT)

        async def fetch(page_id: str | None) -> tuple[Sequence[Conversation], str | None]:
            page = await self.list_conversations(limit=page_size, page_id=page_id, selected_repository=selected_repository,
                                                 conversation_trigger=conversation_trigger)
            return page.results, page.next_page_id

        return AsyncPager(fetch, max_items=max_items)

    async def get_conversation_config(self, conversation_id: str) -> Mapping[str, Any]:
        """``GET .../config``: runtime ids (``{"runtime_id": null, "session_id": "<id>"}`` on a local server)."""
        config = await self._transport.call(get_conversation_config, expect=ConversationConfig,
                                            conversation_id=conversation_id)
        return config.raw

    async def update_conversation_title(self, conversation_id: str, title: str) -> bool:
        """``PATCH /api/conversations/{id}``: rename (1..200 characters). NotFoundError for an unknown id."""
        if not isinstance(title, str) or not 1 <= len(title) <= C.V0_TITLE_MAX_CHARS:
            raise InvalidArgumentError(f"title must be a string of 1 to {C.V0_TITLE_MAX_CHARS} characters")
        return await self._transport.call(update_conversation, expect=bool, conversation_id=conversation_id,
                                          body=UpdateConversationRequest(title=title))

    async def delete_conversation(self, conversation_id: str) -> bool:
        """``DELETE /api/conversations/{id}``: True if deleted, False if there was nothing to delete."""
        return await self._transport.call(delete_conversation, expect=bool, conversation_id=conversation_id)

    async def start_conversation(self, conversation_id: str, providers_set: Sequence[str] | None = None) -> CreatedConversation:
        """``POST .../start``: start a stopped conversation's agent loop again (NotFoundError if unknown)."""
        started = await self._transport.call(start_conversation, expect=ConversationResponse,
                                             conversation_id=conversation_id, body=start_request(providers_set),
                                             retry=False)
        return CreatedConversation(started)

    async def stop_conversation(self, conversation_id: str) -> CreatedConversation:
        """``POST .../stop``. The server answers 200 even for an unknown or stopped id ("was not running")."""
        # Stopping twice is harmless, so a retry is safe.
        stopped = await self._transport.call(stop_conversation, expect=ConversationResponse,
                                             conversation_id=conversation_id, retry=True)
        return CreatedConversation(stopped)

    async def add_message(self, conversation_id: str, message: str) -> bool:
        """``POST .../message``: a user message to a *running* conversation (the agent runs again).

        A stopped conversation raises :class:`~openhands_api.v0.ConversationNotRunningError` (server:
        500 ``no_conversation``); an unknown one NotFoundError.
        """
        try:
            answer = await self._transport.call(add_message, expect=AddMessageResponse, conversation_id=conversation_id,
                                                body=AddMessageRequest(message=message), retry=False)
        except ServerError as exc:
            body = exc.body if isinstance(exc.body, Mapping) else {}
            if "no_conversation" in str(body.get("error", "")):
                raise ConversationNotRunningError(
                    f"conversation {conversation_id!r} is not running, so it cannot take a message",
                    response=exc.response, body=exc.body,
                ) from exc
            raise
        return bool(answer.success)

    send_message = add_message

    # --- events ---------------------------------------------------------------------------------------

    async def get_events(
        self,
        conversation_id: str,
        *,
        start_id: int = 0,
        end_id: int | None = None,
        reverse: bool = False,
        limit: int = C.V0_EVENTS_LIMIT,
    ) -> EventPage:
        """``GET .../events``: ids from ``start_id`` to ``end_id`` (inclusive), oldest first unless ``reverse``.

        ``limit`` must be 1..100. Unknown conversation: NotFoundError.
        """
        check_limit(limit, hint=LIMIT_HINT)
        page = await self._transport.call(search_events, expect=EventPageModel, conversation_id=conversation_id,
                                          start_id=start_id, end_id=end_id, reverse=reverse, limit=limit)
        return EventPage(page)

    async def iter_events(self, conversation_id: str, *, start_id: int = 0,
                          page_size: int = C.MAX_PAGE_SIZE) -> AsyncIterator[Event]:
        """Every event from ``start_id`` on, oldest first, one request per ``page_size`` events."""
        check_limit(page_size, name="page_size", hint=LIMIT_HINT)
        next_id = start_id
        while True:
            page = await self.get_events(conversation_id, start_id=next_id, limit=page_size)
            last_id: int | None = None
            for event in page.events:
                yield event
                event_id = event_id_of(event)
                if event_id is not None:
                    last_id = event_id
            if not page.has_more or last_id is None:
                return
            if last_id < next_id:  # the server ignored start_id: asking again would loop forever
                raise UnexpectedContentError(f"asked for events from id {next_id}, got up to id {last_id}; stopping")
            next_id = last_id + 1

    async def last_event_id(self, conversation_id: str) -> int | None:
        """Id of the newest event (None if there is none yet)."""
        page = await self.get_events(conversation_id, reverse=True, limit=1)
        return event_id_of(page.events[0]) if page.events else None

    async def get_trajectory(self, conversation_id: str) -> Trajectory:
        """``GET .../trajectory``: the whole event history in one body (NotFoundError if unknown)."""
        return Trajectory(await self._transport.call(get_trajectory, expect=TrajectoryModel,
                                                     conversation_id=conversation_id))

    # --- waiting --------------------------------------------------------------------------------------

    async def poll_until_terminal(
        self,
        conversation_id: str,
        *,
        timeout_s: float = C.V0_POLL_TIMEOUT_S,
        poll_interval_s: float = C.V0_POLL_INTERVAL_S,
        on_progress: Callable[[PollProgress], None] | None = None,
        after_event_id: int | None = None,
    ) -> PollResult:
        """Wait until the conversation stops running by itself, with backoff.

        Ends on either signal: ``status`` STOPPED/ERROR/ARCHIVED (hosted deployments), or the last
        ``agent_state_changed`` event's ``agent_state`` in finished/awaiting_user_input/error/stopped/
        rejected (a real server keeps ``status`` RUNNING after the agent finished). The first poll is
        immediate, the second a second later, later ones further apart up to ``poll_interval_s``.
        Each poll reads the conversation plus only the events that are new since the previous poll.

        ``after_event_id``: only agent-state changes after this event id count. Pass the last event id
        seen before :meth:`add_message`, or the poll may end on the *previous* run's "finished".

        Raises NotFoundError for an unknown id, WaitTimeoutError (also a ``TimeoutError``; naming the
        last status and agent state, with the last :class:`PollProgress` in ``last_status``) when
        ``timeout_s`` runs out.
        """
        if poll_interval_s <= 0 or timeout_s <= 0:
            raise InvalidArgumentError("timeout_s and poll_interval_s must be positive")
        started = self._clock()
        tracker = AgentStateTracker(after_event_id)

        async def fetch() -> PollProgress:
            conversation = await self.get_conversation(conversation_id)
            await self._read_new_events(conversation_id, tracker)
            tracker.polls += 1
            return PollProgress(
                conversation_id=conversation_id, status=conversation.status, runtime_status=conversation.runtime_status,
                agent_state=tracker.agent_state, last_event_id=tracker.last_id, polls=tracker.polls,
                elapsed_s=self._clock() - started, conversation=conversation,
            )

        final = await poll_until(
            fetch, lambda progress: progress.terminal is not None, timeout_s=timeout_s,
            describe=lambda progress: progress.describe(), on_progress=on_progress,
            initial_interval_s=min(C.V0_FIRST_POLL_INTERVAL_S, poll_interval_s), max_interval_s=poll_interval_s,
            what=f"conversation {conversation_id}", sleep=self._sleep, clock=self._clock,
        )
        return final.result()

    async def _read_new_events(self, conversation_id: str, tracker: AgentStateTracker) -> None:
        """Read the events after the last one seen (the tracker remembers the latest agent_state)."""
        try:
            async for event in self.iter_events(conversation_id, start_id=tracker.next_id):
                tracker.observe(event)
        except NotFoundError:
            # The conversation exists (GET just answered) but has no event stream yet (a hosted
            # runtime still starting): status alone decides this round.
            pass

    # --- settings, options, health ----------------------------------------------------------------------

    async def store_settings(self, settings: Mapping[str, Any]) -> None:
        """``POST /api/settings`` (a fresh self-hosted server needs LLM settings before the first conversation).

        ``settings`` is the server's settings JSON, parsed into the generated model before sending.
        """
        await self._transport.send(store_settings, body=Settings.from_dict(settings))

    async def load_settings(self) -> Mapping[str, Any]:
        """``GET /api/settings`` as JSON (secrets come back null, with ``*_set`` flags); NotFoundError if none."""
        return (await self._transport.call(load_settings, expect=StoredSettings)).raw

    async def list_models(self) -> list[str]:
        return list(await self._transport.call(get_models, expect=list))

    async def list_agents(self) -> list[str]:
        return list(await self._transport.call(get_agents, expect=list))

    async def list_security_analyzers(self) -> list[str]:
        return list(await self._transport.call(get_security_analyzers, expect=list))

    async def server_config(self) -> Mapping[str, Any]:
        """``GET /api/options/config`` (APP_MODE, feature flags ...)."""
        return (await self._transport.call(get_server_config, expect=ServerOptionsConfig)).raw

    async def is_alive(self) -> bool:
        """True when ``/alive`` answers ``{"status": "ok"}`` (no key needed)."""
        return (await self._transport.call(alive, expect=AliveResponse)).status == "ok"

    async def is_ready(self) -> bool:
        """True when ``/ready`` answers ``"OK"``."""
        return await self._transport.call(ready, expect=str) == "OK"

    async def health(self) -> str:
        return await self._transport.call(health, expect=str)
