"""The agent server (one per sandbox): ``AgentServerClient`` and its async twin.

``_async_client.py`` is the source of both clients (``_client.py`` is derived by ``make unasync``);
``_requests.py`` builds request bodies with the generated constructors; ``_types.py`` holds what the
clients return besides generated models; ``_generated.py`` is the one lazy table through which they all
reach generated endpoints and models.

Names load lazily (PEP 562), like the top-level package: the sync client does not import the async
one (nor asyncio), which keeps a one-request command's start-up small. Type checkers see every name
through the ``TYPE_CHECKING`` re-exports and the literal ``__all__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _constants as _C
from .. import _lazy

#: Execution statuses after which a conversation does not move on by itself.
FINISHED_STATUSES = _C.FINISHED_STATUSES
#: Execution statuses that wait for the user (paused, waiting_for_confirmation).
NEEDS_USER_STATUSES = _C.NEEDS_USER_STATUSES

# name -> the submodule that defines it (loaded on first use).
_EXPORTS: dict[str, str] = {
    "AgentServerClient": "._client",
    "AsyncAgentServerClient": "._async_client",
    "BashEvent": "._types",
    "BashResult": "._types",
    "Event": "._types",
    "TerminalType": "._types",
}

if TYPE_CHECKING:
    from ._async_client import AsyncAgentServerClient as AsyncAgentServerClient
    from ._client import AgentServerClient as AgentServerClient
    from ._types import BashEvent as BashEvent
    from ._types import BashResult as BashResult
    from ._types import Event as Event
    from ._types import TerminalType as TerminalType


if not TYPE_CHECKING:  # type checkers see the re-exports above; a __getattr__ would make a misspelt name Any
    __getattr__ = _lazy.loader(__name__, _EXPORTS, globals())


def __dir__() -> list[str]:
    return sorted(__all__)


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
