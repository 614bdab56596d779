"""The legacy V0 app server client (``/api/conversations`` ...), seed-compatible.

    from openhands_api import OpenHandsAPI          # was: from scripts.openhands_api import OpenHandsAPI

    api = OpenHandsAPI(api_key="...")              # or OPENHANDS_API_KEY; base URL from OPENHANDS_BASE_URL
    conv = api.create_conversation(initial_user_msg="...", repository="owner/repo", selected_branch="main")
    final = api.poll_until_terminal(conv["conversation_id"], timeout_s=1800, poll_interval_s=30)
    print(final["status"], final.get("url"), final.ended_by, final.agent_state)

What differs from the seed script (and why):

* Results are typed objects (:class:`Conversation`, :class:`CreatedConversation`, ...) that still
  read like the seed's dicts: ``conv["conversation_id"]``, ``final["status"]``, ``final.get("url")``
  work because each one is a read-only mapping over the JSON the server sent (``.raw``).
* ``poll_until_terminal`` also ends when the agent is done: on a real server ``status`` stays
  ``RUNNING`` after the agent finished, and only the last ``agent_state_changed`` event tells
  (finished, awaiting_user_input, error, stopped, rejected). The result says which signal ended it.
* Errors are the package's typed errors, never a bare ``requests.HTTPError``: an unknown id (the
  server answers 200 ``null``) is :class:`~openhands_api.NotFoundError`; ``limit`` outside 1..100
  is :class:`~openhands_api.InvalidArgumentError` before any request.
* Auth follows the app-server discovery of :mod:`openhands_api._auth`: Cloud gets
  ``Authorization: Bearer``, a self-hosted (loopback/private) server ``X-Session-API-Key``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, cast

import httpx

from . import _constants as C
from ._auth import AuthScheme, discover_app_credentials
from ._exceptions import (
    ConversationNotRunningError,
    InvalidArgumentError,
    InvalidCursorError,
    NotFoundError,
    ServerError,
    UnexpectedContentError,
)
from ._pagination import Pager, check_limit, next_cursor
from ._polling import poll_until
from ._secret import MASK, Secret
from ._transport import Transport

if TYPE_CHECKING:
    from openhands_api_v0.models import (
        ActionEvent,
        ConversationInfo,
        ConversationResponse,
        ObservationEvent,
        OtherEvent,
    )

    #: One V0 event: an action, an observation, or (catch-all) anything else; every key is kept.
    Event: TypeAlias = ActionEvent | ObservationEvent | OtherEvent

#: ``status`` values after which a conversation does not run by itself (hosted deployments).
TERMINAL_STATUSES = frozenset({"STOPPED", "ERROR", "ARCHIVED"})
#: ``agent_state`` values (last ``agent_state_changed`` event) after which the agent waits or is done.
TERMINAL_AGENT_STATES = frozenset({"finished", "awaiting_user_input", "error", "stopped", "rejected"})
#: The seed's default waits.
DEFAULT_POLL_TIMEOUT_S = 20 * 60
DEFAULT_POLL_INTERVAL_S = 30.0
# The first poll is immediate; the next one this many seconds later, then x1.5 up to ``poll_interval_s``.
# A local run ends in ~1 s, a Cloud run in minutes: a fixed 30 s interval would make short runs look slow.
FIRST_POLL_INTERVAL_S = 1.0
EVENTS_PAGE_SIZE = C.MAX_PAGE_SIZE
DEFAULT_LIST_LIMIT = 20
EndedBy = Literal["status", "agent_state"]

PROVIDER_TOKEN_HINT = (
    "the server could not use the repository: store a git provider token for it first (OpenHands UI: "
    "Settings > Integrations, or POST /api/add-git-providers on a self-hosted server), check the "
    "owner/repo spelling and git_provider, or leave repository out"
)
# --- results: typed, and still readable like the seed's dicts ----------------------------------------


class _JSONView(Mapping[str, Any]):
    """A read-only mapping over the JSON object a result was parsed from.

    This is what keeps the seed's ``conv["conversation_id"]`` / ``final.get("url")`` working while
    attributes are typed. ``raw`` is the exact server JSON.
    """

    __slots__ = ("_raw",)

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = raw

    @property
    def raw(self) -> Mapping[str, Any]:
        return self._raw

    def __getitem__(self, key: str) -> Any:
        return self._raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def to_dict(self) -> dict[str, Any]:
        return dict(self._raw)


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class CreatedConversation(_JSONView):
    """Answer of create/start/stop: ``{"status": "ok", "conversation_id": ..., "conversation_status": ...}``."""

    __slots__ = ("model",)

    def __init__(self, model: ConversationResponse) -> None:
        super().__init__(model.raw)
        self.model = model

    @property
    def conversation_id(self) -> str:
        return self.model.conversation_id

    @property
    def status(self) -> str:
        """The request's outcome ("ok"), not the conversation's status (see ``conversation_status``)."""
        return self.model.status

    @property
    def conversation_status(self) -> str | None:
        return _str_or_none(self.model.conversation_status)

    @property
    def message(self) -> str | None:
        return _str_or_none(self.model.message)

    def __repr__(self) -> str:
        return f"CreatedConversation(conversation_id={self.conversation_id!r}, conversation_status={self.conversation_status!r})"


class Conversation(_JSONView):
    """One conversation (``ConversationInfo``); ``model`` is the generated, typed object."""

    __slots__ = ("model",)

    def __init__(self, model: ConversationInfo) -> None:
        super().__init__(model.raw)
        self.model = model

    @property
    def conversation_id(self) -> str:
        return self.model.conversation_id

    @property
    def title(self) -> str:
        return self.model.title

    @property
    def status(self) -> str:
        """STARTING, RUNNING, STOPPED, ARCHIVED, ERROR (or a newer value, kept as is)."""
        return str(self.model.status)

    @property
    def runtime_status(self) -> str | None:
        return _str_or_none(self.model.runtime_status)

    @property
    def url(self) -> str | None:
        """What the server says (relative ``/api/conversations/<id>`` on a local server; None when stopped)."""
        return _str_or_none(self.model.url)

    @property
    def selected_repository(self) -> str | None:
        return _str_or_none(self.model.selected_repository)

    @property
    def selected_branch(self) -> str | None:
        return _str_or_none(self.model.selected_branch)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(conversation_id={self.conversation_id!r}, status={self.status!r}, title={self.title!r})"


class PollResult(Conversation):
    """The conversation when :meth:`V0Client.poll_until_terminal` ended, plus why it ended.

    ``ended_by`` is ``"status"`` when ``status`` became STOPPED/ERROR/ARCHIVED, ``"agent_state"`` when
    the last ``agent_state_changed`` event was terminal while ``status`` still said RUNNING.
    ``final["status"]`` is the server's status field as the seed read it.
    """

    __slots__ = ("agent_state", "elapsed_s", "ended_by", "last_event_id", "polls")

    def __init__(self, model: ConversationInfo, *, ended_by: EndedBy, agent_state: str | None,
                 last_event_id: int | None, polls: int, elapsed_s: float) -> None:
        super().__init__(model)
        self.ended_by: EndedBy = ended_by
        self.agent_state = agent_state
        self.last_event_id = last_event_id
        self.polls = polls
        self.elapsed_s = elapsed_s

    def __repr__(self) -> str:
        return (f"PollResult(conversation_id={self.conversation_id!r}, status={self.status!r}, "
                f"agent_state={self.agent_state!r}, ended_by={self.ended_by!r})")


@dataclass(frozen=True)
class PollProgress:
    """What one poll saw; passed to ``on_progress`` after every poll."""

    conversation_id: str
    status: str
    runtime_status: str | None
    agent_state: str | None
    last_event_id: int | None
    polls: int
    elapsed_s: float
    conversation: Conversation

    @property
    def terminal(self) -> EndedBy | None:
        if self.status.upper() in TERMINAL_STATUSES:
            return "status"
        if self.agent_state in TERMINAL_AGENT_STATES:
            return "agent_state"
        return None

    def describe(self) -> str:
        return f"status={self.status}, agent_state={self.agent_state or 'unknown'}"


class ConversationPage(_JSONView):
    """One page of the list: ``results`` (typed) and ``next_page_id`` (None on the last page)."""

    __slots__ = ("next_page_id", "results")

    def __init__(self, raw: Mapping[str, Any], results: list[Conversation], next_page_id: str | None) -> None:
        super().__init__(raw)
        self.results = results
        self.next_page_id = next_page_id


class EventPage(_JSONView):
    """A window of events (``events``, typed) and whether more match after it (``has_more``)."""

    __slots__ = ("events", "has_more")

    def __init__(self, raw: Mapping[str, Any], events: list[Event], has_more: bool) -> None:
        super().__init__(raw)
        self.events = events
        self.has_more = has_more


class Trajectory(_JSONView):
    """Every (non-hidden) event of a conversation: ``trajectory`` (typed); ``raw`` is what to save."""

    __slots__ = ("trajectory",)

    def __init__(self, raw: Mapping[str, Any], trajectory: list[Event]) -> None:
        super().__init__(raw)
        self.trajectory = trajectory


def agent_state_of(event: Any) -> str | None:
    """``extras.agent_state`` if ``event`` is an ``agent_state_changed`` observation, else None."""
    from openhands_api_v0.models import ObservationEvent

    if isinstance(event, ObservationEvent) and event.observation == "agent_state_changed":
        state = event.raw.get("extras", {}).get("agent_state") if isinstance(event.raw.get("extras"), Mapping) else None
        return state if isinstance(state, str) else None
    return None


# The V0 server answers other values with 400 (events) or mishandles them (list: limit=0 never ends).
_LIMIT_HINT = f"use 1..{C.MAX_PAGE_SIZE}: the V0 server rejects (events) or mishandles (list: limit=0 never ends) other values"


class V0Client:
    """A client for the legacy V0 app server (OpenHands Cloud, or a self-hosted ``openhands-ai`` <= 1.6).

    ``api_key`` and ``base_url`` follow the app-server discovery (argument, then ``OPENHANDS_API_KEY`` /
    ``OPENHANDS_CLOUD_API_KEY`` / ``OH_API_KEY`` / key file; ``OPENHANDS_BASE_URL`` /
    ``OPENHANDS_APP_BASE``; default OpenHands Cloud). ``auth_scheme`` forces ``"bearer"`` or
    ``"session-key"``; by default loopback/private hosts get ``X-Session-API-Key``, others Bearer.
    One keep-alive connection pool serves every call: use the client as a context manager or
    call :meth:`close`.
    """

    def __init__(
        self,
        api_key: str | Secret | None = None,
        base_url: str | None = None,
        *,
        auth_scheme: AuthScheme | None = None,
        timeout: httpx.Timeout | float | None = None,
        max_retries: int = C.DEFAULT_MAX_RETRIES,
        http_transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._credentials = discover_app_credentials(api_key, base_url, auth_scheme)
        self._sleep = sleep
        self._clock = clock
        self._transport = Transport(
            self._credentials.base_url,
            auth=self._credentials.auth(),
            timeout=timeout,
            max_retries=max_retries,
            http_transport=http_transport,
            sleep=sleep,
        )

    @property
    def base_url(self) -> str:
        return self._credentials.base_url

    @property
    def auth_scheme(self) -> AuthScheme:
        return self._credentials.scheme

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> V0Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        key = MASK if self._credentials.key is not None else None
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key={key!r}, auth_scheme={self.auth_scheme!r})"

    def web_url(self, conversation_id: str) -> str:
        """The conversation's page in the web UI (what the seed CLI printed for humans)."""
        return f"{self.base_url}/conversations/{conversation_id}"

    # --- plumbing -------------------------------------------------------------------------------------

    def _call(self, endpoint: ModuleType, /, *, retry: bool | None = None, **kwargs: Any) -> tuple[Any, httpx.Response]:
        """Typed result and response (to build errors from 2xx quirks such as a ``null`` body)."""
        return self._transport.call_with_response(endpoint, retry=retry, **kwargs)

    @staticmethod
    def _expect(value: Any, cls: type, response: httpx.Response) -> Any:
        """The generated parsers fall back to the raw value when a union member fails: refuse that."""
        if not isinstance(value, cls):
            raise UnexpectedContentError(
                f"expected a {cls.__name__} object, got {type(value).__name__}", response=response, raw=value
            )
        return value

    # --- conversations --------------------------------------------------------------------------------

    def create_conversation(
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
        from openhands_api_v0.api.conversations import create_conversation
        from openhands_api_v0.models import ConversationResponse, InitSessionRequest

        body: dict[str, Any] = {}
        for key, value in (
            ("initial_user_msg", initial_user_msg), ("repository", repository), ("selected_branch", selected_branch),
            ("git_provider", git_provider), ("conversation_instructions", conversation_instructions),
            ("replay_json", replay_json),
        ):
            if value is not None:
                body[key] = value
        if image_urls is not None:
            body["image_urls"] = list(image_urls)
        for key, mapping in (("suggested_task", suggested_task), ("create_microagent", create_microagent), ("mcp_config", mcp_config)):
            if mapping is not None:
                body[key] = dict(mapping)
        try:
            result, response = self._call(create_conversation, body=InitSessionRequest.from_dict(body), retry=False)
        except ServerError as exc:
            if repository:
                raise ServerError(
                    f"creating a conversation on repository {repository!r} failed: {exc.message}",
                    response=exc.response, body=exc.body, hint=PROVIDER_TOKEN_HINT,
                ) from exc
            raise
        return CreatedConversation(self._expect(result, ConversationResponse, response))

    def create_conversation_from_prompt_files(
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
        return self.create_conversation(initial_user_msg=text, repository=repository, selected_branch=selected_branch)

    def get_conversation(self, conversation_id: str) -> Conversation:
        """``GET /api/conversations/{id}``. An unknown or deleted id raises NotFoundError (server: 200 ``null``)."""
        from openhands_api_v0.api.conversations import get_conversation
        from openhands_api_v0.models import ConversationInfo

        result, response = self._call(get_conversation, conversation_id=conversation_id)
        if result is None:
            raise NotFoundError(
                f"conversation {conversation_id!r} not found (the server answered 200 null)",
                response=response, body=None,
                hint="check the id (32 hex characters); deleted conversations are gone for good",
            )
        return Conversation(self._expect(result, ConversationInfo, response))

    def list_conversations(
        self,
        *,
        limit: int = DEFAULT_LIST_LIMIT,
        page_id: str | None = None,
        selected_repository: str | None = None,
        conversation_trigger: str | None = None,
        include_sub_conversations: bool | None = None,
    ) -> ConversationPage:
        """``GET /api/conversations``: one page, newest first. ``limit`` must be 1..100.

        A ``page_id`` the server cannot decode raises :class:`InvalidCursorError` at once (the server
        answers 500 for it; that is not retried).
        """
        from openhands_api_v0.api.conversations import search_conversations
        from openhands_api_v0.models import ConversationInfoResultSet

        check_limit(limit, hint=_LIMIT_HINT)
        try:
            result, response = self._call(
                search_conversations,
                # A 500 with a cursor is (nearly always) the cursor: do not hammer the server with retries.
                retry=False if page_id else None,
                limit=limit, page_id=page_id or None, selected_repository=selected_repository or None,
                conversation_trigger=conversation_trigger or None, include_sub_conversations=include_sub_conversations,
            )
        except ServerError as exc:
            if page_id:
                raise InvalidCursorError(
                    f"the server could not use page_id {_short(page_id)!r} (HTTP {exc.status_code}): it is not a valid page cursor",
                    response=exc.response, body=exc.body,
                ) from exc
            raise
        page = self._expect(result, ConversationInfoResultSet, response)
        return ConversationPage(page.raw, [Conversation(c) for c in page.results], next_cursor(page.next_page_id))

    def iter_conversations(
        self,
        *,
        page_size: int = DEFAULT_LIST_LIMIT,
        max_items: int | None = None,
        selected_repository: str | None = None,
        conversation_trigger: str | None = None,
    ) -> Pager[Conversation]:
        """Every conversation, newest first, fetching pages lazily as iteration reaches them."""
        check_limit(page_size, name="page_size", hint=_LIMIT_HINT)

        def fetch(page_id: str | None) -> tuple[Sequence[Conversation], str | None]:
            page = self.list_conversations(limit=page_size, page_id=page_id, selected_repository=selected_repository,
                                           conversation_trigger=conversation_trigger)
            return page.results, page.next_page_id

        return Pager(fetch, max_items=max_items)

    def get_conversation_config(self, conversation_id: str) -> Mapping[str, Any]:
        """``GET .../config``: runtime ids (``{"runtime_id": null, "session_id": "<id>"}`` on a local server)."""
        from openhands_api_v0.api.conversations import get_conversation_config

        result, _ = self._call(get_conversation_config, conversation_id=conversation_id)
        return cast("Mapping[str, Any]", getattr(result, "raw", None) or {})

    def update_conversation_title(self, conversation_id: str, title: str) -> bool:
        """``PATCH /api/conversations/{id}``: rename (1..200 characters). NotFoundError for an unknown id."""
        from openhands_api_v0.api.conversations import update_conversation
        from openhands_api_v0.models import UpdateConversationRequest

        if not isinstance(title, str) or not 1 <= len(title) <= 200:
            raise InvalidArgumentError("title must be a string of 1 to 200 characters")
        result, _ = self._call(update_conversation, conversation_id=conversation_id,
                               body=UpdateConversationRequest(title=title))
        return bool(result)

    def delete_conversation(self, conversation_id: str) -> bool:
        """``DELETE /api/conversations/{id}``: True if deleted, False if there was nothing to delete."""
        from openhands_api_v0.api.conversations import delete_conversation

        result, _ = self._call(delete_conversation, conversation_id=conversation_id)
        return bool(result)

    def start_conversation(self, conversation_id: str, providers_set: Sequence[str] | None = None) -> CreatedConversation:
        """``POST .../start``: start a stopped conversation's agent loop again (NotFoundError if unknown)."""
        from openhands_api_v0.api.conversations import start_conversation
        from openhands_api_v0.models import ConversationResponse, ProvidersSetModel

        body = ProvidersSetModel.from_dict({"providers_set": list(providers_set) if providers_set is not None else None})
        result, response = self._call(start_conversation, conversation_id=conversation_id, body=body, retry=False)
        return CreatedConversation(self._expect(result, ConversationResponse, response))

    def stop_conversation(self, conversation_id: str) -> CreatedConversation:
        """``POST .../stop``. The server answers 200 even for an unknown or stopped id ("was not running")."""
        from openhands_api_v0.api.conversations import stop_conversation
        from openhands_api_v0.models import ConversationResponse

        # Stopping twice is harmless, so a retry is safe.
        result, response = self._call(stop_conversation, conversation_id=conversation_id, retry=True)
        return CreatedConversation(self._expect(result, ConversationResponse, response))

    def add_message(self, conversation_id: str, message: str) -> bool:
        """``POST .../message``: a user message to a *running* conversation (the agent runs again).

        A stopped conversation raises :class:`ConversationNotRunningError` (server: 500
        ``no_conversation``); an unknown one NotFoundError.
        """
        from openhands_api_v0.api.conversations import add_message
        from openhands_api_v0.models import AddMessageRequest

        try:
            result, _ = self._call(add_message, conversation_id=conversation_id, body=AddMessageRequest(message=message), retry=False)
        except ServerError as exc:
            body = exc.body if isinstance(exc.body, Mapping) else {}
            if "no_conversation" in str(body.get("error", "")):
                raise ConversationNotRunningError(
                    f"conversation {conversation_id!r} is not running, so it cannot take a message",
                    response=exc.response, body=exc.body,
                ) from exc
            raise
        return bool(getattr(result, "success", False))

    send_message = add_message

    # --- events ---------------------------------------------------------------------------------------

    def get_events(
        self,
        conversation_id: str,
        *,
        start_id: int = 0,
        end_id: int | None = None,
        reverse: bool = False,
        limit: int = 20,
    ) -> EventPage:
        """``GET .../events``: ids from ``start_id`` to ``end_id`` (inclusive), oldest first unless ``reverse``.

        ``limit`` must be 1..100. Unknown conversation: NotFoundError.
        """
        from openhands_api_v0.api.events import search_events
        from openhands_api_v0.models import EventPage as _EventPage

        check_limit(limit, hint=_LIMIT_HINT)
        result, response = self._call(
            search_events, conversation_id=conversation_id, start_id=start_id,
            end_id=end_id, reverse=reverse, limit=limit,
        )
        page = self._expect(result, _EventPage, response)
        return EventPage(page.raw, list(page.events), bool(page.has_more))

    def iter_events(self, conversation_id: str, *, start_id: int = 0, page_size: int = EVENTS_PAGE_SIZE) -> Iterator[Event]:
        """Every event from ``start_id`` on, oldest first, one request per ``page_size`` events."""
        check_limit(page_size, name="page_size", hint=_LIMIT_HINT)
        next_id = start_id
        while True:
            page = self.get_events(conversation_id, start_id=next_id, limit=page_size)
            last_id: int | None = None
            for event in page.events:
                yield event
                event_id = event.raw.get("id")
                if isinstance(event_id, int):
                    last_id = event_id
            if not page.has_more or last_id is None:
                return
            next_id = last_id + 1

    def last_event_id(self, conversation_id: str) -> int | None:
        """Id of the newest event (None if there is none yet)."""
        page = self.get_events(conversation_id, reverse=True, limit=1)
        event_id = page.events[0].raw.get("id") if page.events else None
        return event_id if isinstance(event_id, int) else None

    def get_trajectory(self, conversation_id: str) -> Trajectory:
        """``GET .../trajectory``: the whole event history in one body (NotFoundError if unknown)."""
        from openhands_api_v0.api.events import get_trajectory
        from openhands_api_v0.models import Trajectory as _Trajectory

        result, response = self._call(get_trajectory, conversation_id=conversation_id)
        trajectory = self._expect(result, _Trajectory, response)
        return Trajectory(trajectory.raw, list(trajectory.trajectory))

    # --- waiting --------------------------------------------------------------------------------------

    def poll_until_terminal(
        self,
        conversation_id: str,
        *,
        timeout_s: float = DEFAULT_POLL_TIMEOUT_S,
        poll_interval_s: float = DEFAULT_POLL_INTERVAL_S,
        on_progress: Callable[[PollProgress], None] | None = None,
        after_event_id: int | None = None,
    ) -> PollResult:
        """Wait until the conversation stops running by itself, with backoff.

        Ends on either signal: ``status`` STOPPED/ERROR/ARCHIVED (hosted deployments), or the last
        ``agent_state_changed`` event's ``agent_state`` in finished/awaiting_user_input/error/stopped/
        rejected (a real server keeps ``status`` RUNNING after the agent finished). The first poll is
        immediate, the second a second later, later ones further apart up to ``poll_interval_s``. Each poll reads the
        conversation plus only the events that are new since the previous poll.

        ``after_event_id``: only agent-state changes after this event id count. Pass the last event id
        seen before :meth:`add_message`, or the poll may end on the *previous* run's "finished".

        Raises NotFoundError for an unknown id, WaitTimeoutError (naming the last status and agent
        state, with the last :class:`PollProgress` in ``last_status``) when ``timeout_s`` runs out.
        """
        if poll_interval_s <= 0 or timeout_s <= 0:
            raise InvalidArgumentError("timeout_s and poll_interval_s must be positive")
        started = self._clock()
        first_id = 0 if after_event_id is None else after_event_id + 1
        state: dict[str, Any] = {"agent_state": None, "next_id": first_id, "last_id": after_event_id, "polls": 0}

        def fetch() -> PollProgress:
            conversation = self.get_conversation(conversation_id)
            self._read_new_agent_states(conversation_id, state)
            state["polls"] += 1
            return PollProgress(
                conversation_id=conversation_id, status=conversation.status, runtime_status=conversation.runtime_status,
                agent_state=state["agent_state"], last_event_id=state["last_id"], polls=state["polls"],
                elapsed_s=self._clock() - started, conversation=conversation,
            )

        kwargs: dict[str, Any] = {"sleep": self._sleep} if self._sleep is not None else {}
        final = poll_until(
            fetch,
            lambda progress: progress.terminal is not None,
            timeout_s=timeout_s,
            describe=lambda progress: progress.describe(),
            on_progress=on_progress,
            initial_interval_s=min(FIRST_POLL_INTERVAL_S, poll_interval_s),
            max_interval_s=poll_interval_s,
            what=f"conversation {conversation_id}",
            clock=self._clock,
            **kwargs,
        )
        # poll_until returns only a value for which done() held, so terminal is set.
        ended_by = cast("EndedBy", final.terminal)
        return PollResult(final.conversation.model, ended_by=ended_by, agent_state=final.agent_state,
                          last_event_id=final.last_event_id, polls=final.polls, elapsed_s=final.elapsed_s)

    def _read_new_agent_states(self, conversation_id: str, state: dict[str, Any]) -> None:
        """Read the events after the last one seen and remember the latest agent_state."""
        try:
            for event in self.iter_events(conversation_id, start_id=state["next_id"]):
                event_id = event.raw.get("id")
                if isinstance(event_id, int):
                    state["last_id"] = event_id
                    state["next_id"] = event_id + 1
                agent_state = agent_state_of(event)
                if agent_state is not None:
                    state["agent_state"] = agent_state
        except NotFoundError:
            # The conversation exists (GET just answered) but has no event stream yet (a hosted
            # runtime still starting): status alone decides this round.
            pass

    # --- settings, options, health ----------------------------------------------------------------------

    def store_settings(self, settings: Mapping[str, Any]) -> None:
        """``POST /api/settings`` (a fresh self-hosted server needs LLM settings before the first conversation)."""
        from openhands_api_v0.api.settings import store_settings
        from openhands_api_v0.models import Settings

        self._call(store_settings, body=Settings.from_dict(dict(settings)))

    def load_settings(self) -> Mapping[str, Any]:
        """``GET /api/settings`` as JSON (secrets come back null, with ``*_set`` flags); NotFoundError if none."""
        from openhands_api_v0.api.settings import load_settings

        result, _ = self._call(load_settings)
        return cast("Mapping[str, Any]", result.raw)

    def list_models(self) -> list[str]:
        from openhands_api_v0.api.options import get_models

        return list(self._call(get_models)[0])

    def list_agents(self) -> list[str]:
        from openhands_api_v0.api.options import get_agents

        return list(self._call(get_agents)[0])

    def list_security_analyzers(self) -> list[str]:
        from openhands_api_v0.api.options import get_security_analyzers

        return list(self._call(get_security_analyzers)[0])

    def server_config(self) -> Mapping[str, Any]:
        """``GET /api/options/config`` (APP_MODE, feature flags ...)."""
        from openhands_api_v0.api.options import get_server_config

        return cast("Mapping[str, Any]", self._call(get_server_config)[0].raw)

    def is_alive(self) -> bool:
        """True when ``/alive`` answers ``{"status": "ok"}`` (no key needed)."""
        from openhands_api_v0.api.health import alive

        return getattr(self._call(alive)[0], "status", None) == "ok"

    def is_ready(self) -> bool:
        """True when ``/ready`` answers ``"OK"``."""
        from openhands_api_v0.api.health import ready

        return bool(self._call(ready)[0] == "OK")

    def health(self) -> str:
        from openhands_api_v0.api.health import health

        return str(self._call(health)[0])


class OpenHandsAPI(V0Client):
    """The seed script's name for :class:`V0Client` (``OpenHandsAPI(api_key=..., base_url=...)``)."""


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


__all__ = [
    "TERMINAL_AGENT_STATES",
    "TERMINAL_STATUSES",
    "Conversation",
    "ConversationNotRunningError",
    "ConversationPage",
    "CreatedConversation",
    "EventPage",
    "InvalidCursorError",
    "OpenHandsAPI",
    "PollProgress",
    "PollResult",
    "Trajectory",
    "V0Client",
    "agent_state_of",
]
