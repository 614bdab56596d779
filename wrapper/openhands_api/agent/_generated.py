"""The generated agent-server code the clients call, loaded on first use (PEP 562).

The clients, their operations and request builders reach every generated endpoint module and model
through this one table (``G.count_events``, ``G.ConversationInfo``), so importing a client imports
none of them: a one-request command (``openhands-api --json agent count-events``) loads one endpoint
module and no model. Type checkers see the names through the ``TYPE_CHECKING`` imports below.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_PACKAGE = "openhands_api_agent"

# endpoint -> its group under openhands_api_agent.api (the value is the endpoint module itself).
_ENDPOINTS: dict[str, str] = {
    "count_conversations": "conversations",
    "delete_conversation": "conversations",
    "get_agent_final_response": "conversations",
    "get_conversation": "conversations",
    "get_conversations_batch": "conversations",
    "interrupt_conversation": "conversations",
    "pause_conversation": "conversations",
    "respond_to_confirmation": "conversations",
    "run_conversation": "conversations",
    "search_conversations": "conversations",
    "send_message": "conversations",
    "start_conversation": "conversations",
    "update_conversation": "conversations",
    "count_events": "events",
    "get_event": "events",
    "search_events": "events",
    "execute_bash_command": "bash",
    "search_bash_events": "bash",
    "start_bash_command": "bash",
    "download_file": "files",
    "upload_file": "files",
    "git_changes": "git",
    "git_diff": "git",
    "get_health": "server",
    "get_ready": "server",
    "get_server_info": "server",
}
# names of openhands_api_agent.types; any other name is a model of openhands_api_agent.models.
_TYPES = ("File", "UNSET", "Unset")

if TYPE_CHECKING:
    from openhands_api_agent.api.bash import execute_bash_command as execute_bash_command
    from openhands_api_agent.api.bash import search_bash_events as search_bash_events
    from openhands_api_agent.api.bash import start_bash_command as start_bash_command
    from openhands_api_agent.api.conversations import count_conversations as count_conversations
    from openhands_api_agent.api.conversations import delete_conversation as delete_conversation
    from openhands_api_agent.api.conversations import get_agent_final_response as get_agent_final_response
    from openhands_api_agent.api.conversations import get_conversation as get_conversation
    from openhands_api_agent.api.conversations import get_conversations_batch as get_conversations_batch
    from openhands_api_agent.api.conversations import interrupt_conversation as interrupt_conversation
    from openhands_api_agent.api.conversations import pause_conversation as pause_conversation
    from openhands_api_agent.api.conversations import respond_to_confirmation as respond_to_confirmation
    from openhands_api_agent.api.conversations import run_conversation as run_conversation
    from openhands_api_agent.api.conversations import search_conversations as search_conversations
    from openhands_api_agent.api.conversations import send_message as send_message
    from openhands_api_agent.api.conversations import start_conversation as start_conversation
    from openhands_api_agent.api.conversations import update_conversation as update_conversation
    from openhands_api_agent.api.events import count_events as count_events
    from openhands_api_agent.api.events import get_event as get_event
    from openhands_api_agent.api.events import search_events as search_events
    from openhands_api_agent.api.files import download_file as download_file
    from openhands_api_agent.api.files import upload_file as upload_file
    from openhands_api_agent.api.git import git_changes as git_changes
    from openhands_api_agent.api.git import git_diff as git_diff
    from openhands_api_agent.api.server import get_health as get_health
    from openhands_api_agent.api.server import get_ready as get_ready
    from openhands_api_agent.api.server import get_server_info as get_server_info
    from openhands_api_agent.models import ActionEvent as ActionEvent
    from openhands_api_agent.models import AgentErrorEvent as AgentErrorEvent
    from openhands_api_agent.models import AgentResponseResult as AgentResponseResult
    from openhands_api_agent.models import AgentSpec as AgentSpec
    from openhands_api_agent.models import BashCommand as BashCommand
    from openhands_api_agent.models import BashError as BashError
    from openhands_api_agent.models import BashEventPage as BashEventPage
    from openhands_api_agent.models import BashOutput as BashOutput
    from openhands_api_agent.models import ConfirmationResponseRequest as ConfirmationResponseRequest
    from openhands_api_agent.models import ConversationErrorEvent as ConversationErrorEvent
    from openhands_api_agent.models import ConversationInfo as ConversationInfo
    from openhands_api_agent.models import ConversationPage as ConversationPage
    from openhands_api_agent.models import ConversationStateUpdateEvent as ConversationStateUpdateEvent
    from openhands_api_agent.models import EventPage as EventPage
    from openhands_api_agent.models import ExecuteBashRequest as ExecuteBashRequest
    from openhands_api_agent.models import GitChange as GitChange
    from openhands_api_agent.models import GitDiff as GitDiff
    from openhands_api_agent.models import LLMConfig as LLMConfig
    from openhands_api_agent.models import MessageEvent as MessageEvent
    from openhands_api_agent.models import ObservationEvent as ObservationEvent
    from openhands_api_agent.models import PauseEvent as PauseEvent
    from openhands_api_agent.models import SearchBashEventsKindEq as SearchBashEventsKindEq
    from openhands_api_agent.models import SearchBashEventsSortOrder as SearchBashEventsSortOrder
    from openhands_api_agent.models import SendMessageRequest as SendMessageRequest
    from openhands_api_agent.models import ServerInfo as ServerInfo
    from openhands_api_agent.models import StartConversationRequest as StartConversationRequest
    from openhands_api_agent.models import StartConversationRequestTags as StartConversationRequestTags
    from openhands_api_agent.models import StatusMessage as StatusMessage
    from openhands_api_agent.models import Success as Success
    from openhands_api_agent.models import SystemPromptEvent as SystemPromptEvent
    from openhands_api_agent.models import TextContent as TextContent
    from openhands_api_agent.models import ToolSpec as ToolSpec
    from openhands_api_agent.models import ToolSpecParams as ToolSpecParams
    from openhands_api_agent.models import UnknownBashEvent as UnknownBashEvent
    from openhands_api_agent.models import UnknownEvent as UnknownEvent
    from openhands_api_agent.models import UpdateConversationRequest as UpdateConversationRequest
    from openhands_api_agent.models import UploadFileBody as UploadFileBody
    from openhands_api_agent.models import UploadResult as UploadResult
    from openhands_api_agent.models import WorkspaceSpec as WorkspaceSpec
    from openhands_api_agent.types import UNSET as UNSET
    from openhands_api_agent.types import File as File
    from openhands_api_agent.types import Unset as Unset


if not TYPE_CHECKING:  # type checkers see the names above; a __getattr__ would make a misspelt name Any

    def __getattr__(name: str) -> Any:
        group = _ENDPOINTS.get(name)
        if group is not None:
            value: Any = import_module(f"{_PACKAGE}.api.{group}.{name}")
        elif name in _TYPES:
            value = getattr(import_module(f"{_PACKAGE}.types"), name)
        elif not name.startswith("_"):  # a model: the generated models package resolves it lazily, or raises
            value = getattr(import_module(f"{_PACKAGE}.models"), name)
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value
        return value
