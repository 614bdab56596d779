"""What the agent server's client hands back besides generated models: bash results and the event union.

The unions name generated models, so they are built on first use (PEP 562), like every generated name
the clients reach through :mod:`._generated`: importing a client loads no model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from . import _generated as G

if TYPE_CHECKING:
    #: Any event; ``UnknownEvent`` is a kind this client does not model (all fields kept, ``.raw`` too).
    Event: TypeAlias = (
        G.ActionEvent
        | G.ObservationEvent
        | G.MessageEvent
        | G.ConversationStateUpdateEvent
        | G.SystemPromptEvent
        | G.PauseEvent
        | G.AgentErrorEvent
        | G.ConversationErrorEvent
        | G.UnknownEvent
    )
    #: One background-shell event: the command itself, a chunk of its output, or an error.
    BashEvent: TypeAlias = G.BashCommand | G.BashOutput | G.BashError | G.UnknownBashEvent

TerminalType = Literal["tmux", "subprocess"]


def event_classes() -> tuple[type, ...]:
    """The classes of :data:`Event`, for the seam's result check."""
    return (G.ActionEvent, G.ObservationEvent, G.MessageEvent, G.ConversationStateUpdateEvent, G.SystemPromptEvent,
            G.PauseEvent, G.AgentErrorEvent, G.ConversationErrorEvent, G.UnknownEvent)


if not TYPE_CHECKING:  # type checkers see the names above; a __getattr__ would make a misspelt name Any

    def __getattr__(name: str) -> Any:
        if name == "Event":
            value: Any = None
            for cls in event_classes():
                value = cls if value is None else value | cls
        elif name == "BashEvent":
            value = G.BashCommand | G.BashOutput | G.BashError | G.UnknownBashEvent
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value
        return value


@dataclass(frozen=True)
class BashResult:
    """The outcome of a shell command. A non-zero ``exit_code`` is a result, not an error."""

    command: str
    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool
    raw: G.BashOutput

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


__all__ = ["BashEvent", "BashResult", "Event", "TerminalType", "event_classes"]
