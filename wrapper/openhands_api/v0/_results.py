"""V0 results, request bodies and the agent-state rule: no I/O, shared by the sync and async clients.

Results are typed and still read like the seed's dicts: each one is a
:class:`~openhands_api._record.Record`, a read-only ``dict`` of the JSON the server sent (so
``conv["conversation_id"]``, ``final.get("url")`` and ``json.dumps(final)`` work) with typed
properties and the generated model in ``.model``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, TypeVar

from openhands_api_v0.models import (
    ActionEvent,
    ConversationInfo,
    ConversationInfoResultSet,
    ConversationResponse,
    CreateMicroagent,
    InitSessionRequest,
    MCPConfig,
    ObservationEvent,
    OtherEvent,
    ProvidersSetModel,
    SuggestedTask,
)
from openhands_api_v0.models import EventPage as EventPageModel
from openhands_api_v0.models import Trajectory as TrajectoryModel
from openhands_api_v0.models.provider_type import check_provider_type
from openhands_api_v0.types import UNSET, Unset

from .. import _constants as C
from .._record import Record
from .._seam import building_request

T = TypeVar("T")

#: One V0 event: an action, an observation, or (catch-all) anything else; every key is kept.
Event: TypeAlias = ActionEvent | ObservationEvent | OtherEvent
EndedBy = Literal["status", "agent_state"]

PROVIDER_TOKEN_HINT = (
    "the server could not use the repository: store a git provider token for it first (OpenHands UI: "
    "Settings > Integrations, or POST /api/add-git-providers on a self-hosted server), check the "
    "owner/repo spelling and git_provider, or leave repository out"
)
# The V0 server answers other values with 400 (events) or mishandles them (list: limit=0 never ends).
LIMIT_HINT = f"use 1..{C.MAX_PAGE_SIZE}: the V0 server rejects (events) or mishandles (list: limit=0 never ends) other values"


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _given(value: T | None) -> T | Unset:
    """None (not given) → UNSET, so the field is left out of the request body."""
    return UNSET if value is None else value


def short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- request bodies -----------------------------------------------------------------------------------


@building_request()
def create_request(
    initial_user_msg: str | None, repository: str | None, selected_branch: str | None, git_provider: str | None,
    conversation_instructions: str | None, image_urls: Sequence[str] | None, replay_json: str | None,
    suggested_task: Mapping[str, Any] | None, create_microagent: Mapping[str, Any] | None,
    mcp_config: Mapping[str, Any] | None,
) -> InitSessionRequest:
    """The body of ``POST /api/conversations`` (nested objects are the caller's JSON, parsed here)."""
    return InitSessionRequest(
        initial_user_msg=_given(initial_user_msg), repository=_given(repository),
        selected_branch=_given(selected_branch),
        git_provider=UNSET if git_provider is None else check_provider_type(git_provider),
        conversation_instructions=_given(conversation_instructions), replay_json=_given(replay_json),
        image_urls=UNSET if image_urls is None else list(image_urls),
        suggested_task=UNSET if suggested_task is None else SuggestedTask.from_dict(suggested_task),
        create_microagent=UNSET if create_microagent is None else CreateMicroagent.from_dict(create_microagent),
        mcp_config=UNSET if mcp_config is None else MCPConfig.from_dict(mcp_config),
    )


@building_request()
def start_request(providers_set: Sequence[str] | None) -> ProvidersSetModel:
    """The body of ``POST .../start``: the server requires one, with ``providers_set`` null for "all"."""
    return ProvidersSetModel(providers_set=None if providers_set is None
                             else [check_provider_type(p) for p in providers_set])


# --- results ------------------------------------------------------------------------------------------


class CreatedConversation(Record[ConversationResponse]):
    """Answer of create/start/stop: ``{"status": "ok", "conversation_id": ..., "conversation_status": ...}``."""

    __slots__ = ()

    def __init__(self, model: ConversationResponse) -> None:
        super().__init__(model.raw, model)

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


class Conversation(Record[ConversationInfo]):
    """One conversation (``ConversationInfo``); ``model`` is the generated, typed object."""

    __slots__ = ()

    def __init__(self, model: ConversationInfo) -> None:
        super().__init__(model.raw, model)

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
    """The conversation when ``poll_until_terminal`` ended, plus why it ended.

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
        if self.status.upper() in C.V0_TERMINAL_STATUSES:
            return "status"
        if self.agent_state in C.V0_TERMINAL_AGENT_STATES:
            return "agent_state"
        return None

    def describe(self) -> str:
        return f"status={self.status}, agent_state={self.agent_state or 'unknown'}"

    def result(self) -> PollResult:
        """The :class:`PollResult` of a terminal poll."""
        ended_by = self.terminal
        if ended_by is None:
            raise ValueError("the poll did not end")
        return PollResult(self.conversation.model, ended_by=ended_by, agent_state=self.agent_state,
                          last_event_id=self.last_event_id, polls=self.polls, elapsed_s=self.elapsed_s)


class ConversationPage(Record[ConversationInfoResultSet]):
    """One page of the list: ``results`` (typed) and ``next_page_id`` (None on the last page)."""

    __slots__ = ("next_page_id", "results")

    def __init__(self, model: ConversationInfoResultSet, next_page_id: str | None) -> None:
        super().__init__(model.raw, model)
        self.results = [Conversation(c) for c in model.results]
        self.next_page_id = next_page_id


class EventPage(Record[EventPageModel]):
    """A window of events (``events``, typed) and whether more match after it (``has_more``)."""

    __slots__ = ("events", "has_more")

    def __init__(self, model: EventPageModel) -> None:
        super().__init__(model.raw, model)
        self.events: list[Event] = list(model.events)
        self.has_more = bool(model.has_more)


class Trajectory(Record[TrajectoryModel]):
    """Every (non-hidden) event of a conversation: ``trajectory`` (typed); ``raw`` is what to save."""

    __slots__ = ("trajectory",)

    def __init__(self, model: TrajectoryModel) -> None:
        super().__init__(model.raw, model)
        self.trajectory: list[Event] = list(model.trajectory)


def agent_state_of(event: Any) -> str | None:
    """``extras.agent_state`` if ``event`` is an ``agent_state_changed`` observation, else None."""
    if isinstance(event, ObservationEvent) and event.observation == "agent_state_changed":
        extras = event.raw.get("extras")
        state = extras.get("agent_state") if isinstance(extras, Mapping) else None
        return state if isinstance(state, str) else None
    return None


def event_id_of(event: Event) -> int | None:
    event_id = event.raw.get("id")
    return event_id if isinstance(event_id, int) else None


class AgentStateTracker:
    """What a poll remembers between rounds: the newest event id read and the latest agent state."""

    def __init__(self, after_event_id: int | None) -> None:
        self.last_id = after_event_id
        self.next_id = 0 if after_event_id is None else after_event_id + 1
        self.agent_state: str | None = None
        self.polls = 0

    def observe(self, event: Event) -> None:
        event_id = event_id_of(event)
        if event_id is not None:
            self.last_id, self.next_id = event_id, event_id + 1
        state = agent_state_of(event)
        if state is not None:
            self.agent_state = state
