"""openhands_api: a typed client for the OpenHands REST APIs.

    from openhands_api import AgentServerClient, NotFoundError

Public names load lazily (PEP 562): ``import openhands_api`` imports no HTTP library and no
generated model until a name is used. Type checkers see every name through the explicit re-exports
below (``import X as X`` under ``TYPE_CHECKING``) and the literal ``__all__``.

Where things live, in reading order:

* ``_lazy`` how this package and ``agent`` load names on first use; ``_constants`` every default;
  ``_exceptions`` the one error hierarchy; ``_secret`` masked keys;
  ``_auth`` where keys come from and how they are sent; ``_ids`` ids in URLs;
* ``_retry`` when to repeat a request; ``_deadline`` and ``_async_network`` / ``_network`` the
  overall deadline of a call, enforced at every socket read; ``_seam`` the one seam to generated
  code; ``_async_transport`` / ``_transport`` the HTTP client (async source, derived sync twin);
  ``_async_base`` / ``_base`` what every client shares; ``_files`` local files written whole, zips
  read without trusting them; ``_models`` reading generated models (``present``); ``_record`` the
  seed facades' dict-style results;
* ``_async_pagination`` / ``_pagination`` lazy paging (``_paging`` what every walk checks); ``_polling`` waiting with backoff; ``_settle`` when a conversation
  is done; ``_async_follow`` / ``_follow`` following live (``_ws`` the socket, ``_follow_core``);
* ``_async_limiter`` / ``_limiter`` one request-rate limiter per server (429 / Retry-After hold every
  task); ``_fanout`` many operations at once, bounded, an outcome per item;
* ``agent`` the agent server; ``v1`` the V1 app server (resolver, counting, following by any id);
  ``v0`` the legacy V0 app server; ``compat`` the seed scripts' facades; ``cli`` the
  ``openhands-api`` command;
* ``_drift`` the spec-versus-server comparison (``make check-drift``, and ``_doctor`` behind
  ``openhands-api doctor``, against the generated packages' ``_spec_summary.json``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _lazy

__version__ = "0.1.0"

# name -> the submodule that defines it (loaded on first use).
_EXPORTS: dict[str, str] = {
    # clients
    "AgentServerClient": ".agent",
    "AsyncAgentServerClient": ".agent",
    "BashResult": ".agent",
    "FINISHED_STATUSES": ".agent",
    "NEEDS_USER_STATUSES": ".agent",
    "OpenHandsV1": ".v1",
    "AsyncOpenHandsV1": ".v1",
    "StartedConversation": ".v1",
    "ResolvedAgentServer": ".v1",
    "AsyncResolvedAgentServer": ".v1",
    "EventCount": ".v1",
    # following live
    "Follower": "._follow",
    "AsyncFollower": "._async_follow",
    "V1Follower": ".v1._following",
    "AsyncV1Follower": ".v1._async_following",
    "SettleRule": "._settle",
    "BatchPrompt": ".v1",
    "BatchStart": ".v1",
    "start_many": ".v1",
    "start_many_sync": ".v1",
    "count_many": ".v1",
    "count_many_sync": ".v1",
    "V0Client": ".v0",
    "AsyncV0Client": ".v0",
    # the seed scripts' facades
    "OpenHandsV1API": ".compat",
    "OpenHandsAPI": ".compat",
    # keys
    "Secret": "._secret",
    "SessionKeyAuth": "._auth",
    "BearerAuth": "._auth",
    "AppCredentials": "._auth",
    "discover_app_credentials": "._auth",
    # many calls at once
    "RateLimiter": "._limiter",
    "AsyncRateLimiter": "._async_limiter",
    "Outcome": "._fanout",
    "fan_out": "._fanout",
    # reading results
    "Pager": "._pagination",
    "AsyncPager": "._async_pagination",
    "present": "._models",
    # errors
    "OpenHandsAPIError": "._exceptions",
    "ConfigurationError": "._exceptions",
    "InvalidArgumentError": "._exceptions",
    "APIConnectionError": "._exceptions",
    "APITimeoutError": "._exceptions",
    "APIStatusError": "._exceptions",
    "BadRequestError": "._exceptions",
    "AuthenticationError": "._exceptions",
    "NotFoundError": "._exceptions",
    "ConflictError": "._exceptions",
    "RateLimitError": "._exceptions",
    "ServerError": "._exceptions",
    "UnexpectedContentError": "._exceptions",
    "WaitTimeoutError": "._exceptions",
    "StartTaskTimeout": "._exceptions",
    "StartTaskFailedError": "._exceptions",
    "ResolverError": "._exceptions",
    "EventCountError": "._exceptions",
    "InvalidCursorError": "._exceptions",
    "ConversationNotRunningError": "._exceptions",
}

if TYPE_CHECKING:
    from ._async_follow import AsyncFollower as AsyncFollower
    from ._async_limiter import AsyncRateLimiter as AsyncRateLimiter
    from ._async_pagination import AsyncPager as AsyncPager
    from ._auth import AppCredentials as AppCredentials
    from ._auth import BearerAuth as BearerAuth
    from ._auth import SessionKeyAuth as SessionKeyAuth
    from ._auth import discover_app_credentials as discover_app_credentials
    from ._exceptions import APIConnectionError as APIConnectionError
    from ._exceptions import APIStatusError as APIStatusError
    from ._exceptions import APITimeoutError as APITimeoutError
    from ._exceptions import AuthenticationError as AuthenticationError
    from ._exceptions import BadRequestError as BadRequestError
    from ._exceptions import ConfigurationError as ConfigurationError
    from ._exceptions import ConflictError as ConflictError
    from ._exceptions import ConversationNotRunningError as ConversationNotRunningError
    from ._exceptions import EventCountError as EventCountError
    from ._exceptions import InvalidArgumentError as InvalidArgumentError
    from ._exceptions import InvalidCursorError as InvalidCursorError
    from ._exceptions import NotFoundError as NotFoundError
    from ._exceptions import OpenHandsAPIError as OpenHandsAPIError
    from ._exceptions import RateLimitError as RateLimitError
    from ._exceptions import ResolverError as ResolverError
    from ._exceptions import ServerError as ServerError
    from ._exceptions import StartTaskFailedError as StartTaskFailedError
    from ._exceptions import StartTaskTimeout as StartTaskTimeout
    from ._exceptions import UnexpectedContentError as UnexpectedContentError
    from ._exceptions import WaitTimeoutError as WaitTimeoutError
    from ._fanout import Outcome as Outcome
    from ._fanout import fan_out as fan_out
    from ._follow import Follower as Follower
    from ._limiter import RateLimiter as RateLimiter
    from ._models import present as present
    from ._pagination import Pager as Pager
    from ._secret import Secret as Secret
    from ._settle import SettleRule as SettleRule
    from .agent import FINISHED_STATUSES as FINISHED_STATUSES
    from .agent import NEEDS_USER_STATUSES as NEEDS_USER_STATUSES
    from .agent import AgentServerClient as AgentServerClient
    from .agent import AsyncAgentServerClient as AsyncAgentServerClient
    from .agent import BashResult as BashResult
    from .compat import OpenHandsAPI as OpenHandsAPI
    from .compat import OpenHandsV1API as OpenHandsV1API
    from .v0 import AsyncV0Client as AsyncV0Client
    from .v0 import V0Client as V0Client
    from .v1 import AsyncOpenHandsV1 as AsyncOpenHandsV1
    from .v1 import AsyncResolvedAgentServer as AsyncResolvedAgentServer
    from .v1 import BatchPrompt as BatchPrompt
    from .v1 import BatchStart as BatchStart
    from .v1 import EventCount as EventCount
    from .v1 import OpenHandsV1 as OpenHandsV1
    from .v1 import ResolvedAgentServer as ResolvedAgentServer
    from .v1 import StartedConversation as StartedConversation
    from .v1 import count_many as count_many
    from .v1 import count_many_sync as count_many_sync
    from .v1 import start_many as start_many
    from .v1 import start_many_sync as start_many_sync
    from .v1._async_following import AsyncV1Follower as AsyncV1Follower
    from .v1._following import V1Follower as V1Follower


if not TYPE_CHECKING:  # type checkers see the re-exports above; a __getattr__ would make a misspelt name Any
    __getattr__ = _lazy.loader(__name__, _EXPORTS, globals())


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])


__all__ = [
    "FINISHED_STATUSES",
    "NEEDS_USER_STATUSES",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AgentServerClient",
    "AppCredentials",
    "AsyncAgentServerClient",
    "AsyncFollower",
    "AsyncOpenHandsV1",
    "AsyncPager",
    "AsyncRateLimiter",
    "AsyncResolvedAgentServer",
    "AsyncV0Client",
    "AsyncV1Follower",
    "AuthenticationError",
    "BadRequestError",
    "BashResult",
    "BatchPrompt",
    "BatchStart",
    "BearerAuth",
    "ConfigurationError",
    "ConflictError",
    "ConversationNotRunningError",
    "EventCount",
    "EventCountError",
    "Follower",
    "InvalidArgumentError",
    "InvalidCursorError",
    "NotFoundError",
    "OpenHandsAPI",
    "OpenHandsAPIError",
    "OpenHandsV1",
    "OpenHandsV1API",
    "Outcome",
    "Pager",
    "RateLimitError",
    "RateLimiter",
    "ResolvedAgentServer",
    "ResolverError",
    "Secret",
    "ServerError",
    "SessionKeyAuth",
    "SettleRule",
    "StartTaskFailedError",
    "StartTaskTimeout",
    "StartedConversation",
    "UnexpectedContentError",
    "V0Client",
    "V1Follower",
    "WaitTimeoutError",
    "count_many",
    "count_many_sync",
    "discover_app_credentials",
    "fan_out",
    "present",
    "start_many",
    "start_many_sync",
]
