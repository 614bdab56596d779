"""The legacy V0 app server (``/api/conversations`` ...): OpenHands Cloud and ``openhands-ai`` <= 1.6.

    from openhands_api.v0 import V0Client           # AsyncV0Client: the same, awaited

Modules: ``_async_client`` is the source of both clients (``_client`` is its sync twin, derived by
``scripts/unasync.py``); ``_results`` holds the results (typed, and readable like the seed's
dicts), request bodies and the agent-state rule. The seed's class, ``OpenHandsAPI``, is in
:mod:`openhands_api.compat.v0`.
"""

from .. import _constants as _C
from .._exceptions import ConversationNotRunningError as ConversationNotRunningError
from .._exceptions import InvalidCursorError as InvalidCursorError
from ._async_client import AsyncV0Client as AsyncV0Client
from ._client import V0Client as V0Client
from ._results import Conversation as Conversation
from ._results import ConversationPage as ConversationPage
from ._results import CreatedConversation as CreatedConversation
from ._results import EndedBy as EndedBy
from ._results import Event as Event
from ._results import EventPage as EventPage
from ._results import PollProgress as PollProgress
from ._results import PollResult as PollResult
from ._results import Trajectory as Trajectory
from ._results import agent_state_of as agent_state_of

#: ``status`` values after which a conversation does not run by itself (hosted deployments).
TERMINAL_STATUSES = _C.V0_TERMINAL_STATUSES
#: ``agent_state`` values (last ``agent_state_changed`` event) after which the agent waits or is done.
TERMINAL_AGENT_STATES = _C.V0_TERMINAL_AGENT_STATES
DEFAULT_LIST_LIMIT = _C.V0_LIST_LIMIT

__all__ = [
    "DEFAULT_LIST_LIMIT",
    "TERMINAL_AGENT_STATES",
    "TERMINAL_STATUSES",
    "AsyncV0Client",
    "Conversation",
    "ConversationNotRunningError",
    "ConversationPage",
    "CreatedConversation",
    "EndedBy",
    "Event",
    "EventPage",
    "InvalidCursorError",
    "PollProgress",
    "PollResult",
    "Trajectory",
    "V0Client",
    "agent_state_of",
]
