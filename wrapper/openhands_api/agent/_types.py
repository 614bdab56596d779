"""What the agent server's client hands back besides generated models: bash results and the event union."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from openhands_api_agent.models import (
    ActionEvent,
    AgentErrorEvent,
    BashCommand,
    BashError,
    BashOutput,
    ConversationErrorEvent,
    ConversationStateUpdateEvent,
    MessageEvent,
    ObservationEvent,
    PauseEvent,
    SystemPromptEvent,
    UnknownBashEvent,
    UnknownEvent,
)

#: Any event; ``UnknownEvent`` is a kind this client does not model (all fields kept, ``.raw`` too).
Event: TypeAlias = (
    ActionEvent
    | ObservationEvent
    | MessageEvent
    | ConversationStateUpdateEvent
    | SystemPromptEvent
    | PauseEvent
    | AgentErrorEvent
    | ConversationErrorEvent
    | UnknownEvent
)
#: The classes of :data:`Event`, for the seam's result check.
EVENT_CLASSES: tuple[type, ...] = (
    ActionEvent, ObservationEvent, MessageEvent, ConversationStateUpdateEvent, SystemPromptEvent, PauseEvent,
    AgentErrorEvent, ConversationErrorEvent, UnknownEvent,
)

#: One background-shell event: the command itself, a chunk of its output, or an error.
BashEvent: TypeAlias = BashCommand | BashOutput | BashError | UnknownBashEvent

TerminalType = Literal["tmux", "subprocess"]


@dataclass(frozen=True)
class BashResult:
    """The outcome of a shell command. A non-zero ``exit_code`` is a result, not an error."""

    command: str
    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool
    raw: BashOutput

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


__all__ = ["EVENT_CLASSES", "BashEvent", "BashResult", "Event", "TerminalType"]
