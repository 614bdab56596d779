"""The V1 app server (``/api/v1/...``): self-hosted ``openhands-ai`` >= 1.7 and OpenHands Cloud.

    from openhands_api.v1 import OpenHandsV1        # AsyncOpenHandsV1: the same, awaited

Modules: ``_async_resources`` (the endpoints, one method each) and ``_async_client`` (start and
wait, resolve, count) are the async sources; ``_resources``/``_client`` are their sync twins,
derived by ``scripts/unasync.py``. ``_async_resolver`` (id → agent server URL + key) and
``_async_counting`` (app → agent → zip) work on a small protocol of the calls they need, not on
the client. ``_shapes`` builds request bodies and holds the rules that need no I/O (the sandbox
rule, stream-start decoding); ``_count_result`` is what counting returns. The seed-compatible
facade ``OpenHandsV1API`` is in :mod:`openhands_api.compat.v1`. ``_fanout`` starts and counts many
conversations at once (async, with thin sync wrappers).
"""

from .. import _constants as _C
from .._exceptions import EventCountError as EventCountError
from .._exceptions import ResolverError as ResolverError
from .._exceptions import StartTaskFailedError as StartTaskFailedError
from .._exceptions import StartTaskTimeout as StartTaskTimeout
from ._async_client import AsyncOpenHandsV1 as AsyncOpenHandsV1
from ._async_resolver import AsyncResolvedAgentServer as AsyncResolvedAgentServer
from ._client import OpenHandsV1 as OpenHandsV1
from ._count_result import FULL_STATE_EVENTS as FULL_STATE_EVENTS
from ._count_result import RELATION as RELATION
from ._count_result import SOURCES as SOURCES
from ._count_result import CountSource as CountSource
from ._count_result import EventCount as EventCount
from ._count_result import SourceAttempt as SourceAttempt
from ._count_result import count_zip_events as count_zip_events
from ._fanout import BatchPrompt as BatchPrompt
from ._fanout import BatchStart as BatchStart
from ._fanout import count_many as count_many
from ._fanout import count_many_sync as count_many_sync
from ._fanout import read_prompts_file as read_prompts_file
from ._fanout import start_many as start_many
from ._fanout import start_many_sync as start_many_sync
from ._resolver import ResolvedAgentServer as ResolvedAgentServer
from ._shapes import Event as Event
from ._shapes import StartedConversation as StartedConversation
from ._shapes import agent_base_from_conversation_url as agent_base_from_conversation_url
from ._shapes import check_conversation_id as check_conversation_id

#: Start-task statuses in the order a start goes through them (READY and ERROR end it).
START_TASK_ACTIVE_STATUSES = _C.V1_START_TASK_ACTIVE_STATUSES
#: Execution statuses after which a conversation does not move on by itself.
FINISHED_EXECUTION_STATUSES = _C.FINISHED_STATUSES
#: ... and those that wait for the user.
NEEDS_USER_EXECUTION_STATUSES = _C.NEEDS_USER_STATUSES

__all__ = [
    "FINISHED_EXECUTION_STATUSES",
    "FULL_STATE_EVENTS",
    "NEEDS_USER_EXECUTION_STATUSES",
    "RELATION",
    "SOURCES",
    "START_TASK_ACTIVE_STATUSES",
    "AsyncOpenHandsV1",
    "AsyncResolvedAgentServer",
    "BatchPrompt",
    "BatchStart",
    "CountSource",
    "Event",
    "EventCount",
    "EventCountError",
    "OpenHandsV1",
    "ResolvedAgentServer",
    "ResolverError",
    "SourceAttempt",
    "StartTaskFailedError",
    "StartTaskTimeout",
    "StartedConversation",
    "agent_base_from_conversation_url",
    "check_conversation_id",
    "count_many",
    "count_many_sync",
    "count_zip_events",
    "read_prompts_file",
    "start_many",
    "start_many_sync",
]
