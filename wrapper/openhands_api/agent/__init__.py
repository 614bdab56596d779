"""The agent server (one per sandbox): ``AgentServerClient`` and its async twin.

``_async_client.py`` is the source of both clients (``_client.py`` is derived by ``make unasync``);
``_requests.py`` builds request bodies with the generated constructors; ``_types.py`` holds what the
clients return besides generated models.
"""

from .. import _constants as _C
from ._async_client import AsyncAgentServerClient as AsyncAgentServerClient
from ._client import AgentServerClient as AgentServerClient
from ._types import BashEvent as BashEvent
from ._types import BashResult as BashResult
from ._types import Event as Event
from ._types import TerminalType as TerminalType

#: Execution statuses after which a conversation does not move on by itself.
FINISHED_STATUSES = _C.FINISHED_STATUSES
#: Execution statuses that wait for the user (paused, waiting_for_confirmation).
NEEDS_USER_STATUSES = _C.NEEDS_USER_STATUSES

__all__ = [
    "FINISHED_STATUSES",
    "NEEDS_USER_STATUSES",
    "AgentServerClient",
    "AsyncAgentServerClient",
    "BashEvent",
    "BashResult",
    "Event",
    "TerminalType",
]
