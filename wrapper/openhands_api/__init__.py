"""openhands_api: a typed client for the OpenHands REST APIs.

    from openhands_api import AgentServerClient, NotFoundError

Public names load lazily (PEP 562): ``import openhands_api`` imports no HTTP library and no
generated model until a name is used.

Modules, in reading order: ``_secret`` (masked keys), ``_auth`` (where keys come from, how they are
sent), ``_exceptions`` (one error hierarchy), ``_transport`` (one httpx client, retries, error
mapping, generated-code seam; sync and async twins), ``_pagination``, ``_polling``, ``agent`` and
``agent_async`` (agent server), ``v1`` (V1
app server), ``v0`` (legacy V0 app server), ``cli``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "AgentServerClient": ".agent",
    "AsyncAgentServerClient": ".agent_async",
    "BashResult": ".agent",
    "FINISHED_STATUSES": ".agent",
    "Secret": "._secret",
    "SessionKeyAuth": "._auth",
    "BearerAuth": "._auth",
    "AppCredentials": "._auth",
    "discover_app_credentials": "._auth",
    "Pager": "._pagination",
    "AsyncPager": "._pagination",
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
}

if TYPE_CHECKING:
    from ._auth import AppCredentials, BearerAuth, SessionKeyAuth, discover_app_credentials
    from ._exceptions import (
        APIConnectionError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConfigurationError,
        ConflictError,
        InvalidArgumentError,
        NotFoundError,
        OpenHandsAPIError,
        RateLimitError,
        ServerError,
        UnexpectedContentError,
        WaitTimeoutError,
    )
    from ._pagination import AsyncPager, Pager
    from ._secret import Secret
    from .agent import FINISHED_STATUSES, AgentServerClient, BashResult
    from .agent_async import AsyncAgentServerClient


def _register(name: str, module: str) -> None:
    """Let a server module (v1, v0) add its public names without editing this file's table."""
    _EXPORTS.setdefault(name, module)


for _name, _module in (
    ("OpenHandsV1", ".v1"),
    ("AsyncOpenHandsV1", ".v1"),
    ("OpenHandsV1API", ".compat"),
    ("StartTaskFailedError", ".v1"),
    ("StartTaskTimeout", ".v1"),
    ("StartedConversation", ".v1"),
    ("ResolverError", ".v1"),
    ("ResolvedAgentServer", ".v1"),
    ("AsyncResolvedAgentServer", ".v1"),
    ("EventCount", ".v1"),
    ("EventCountError", ".v1"),
    ("V0Client", ".v0"),
    ("AsyncV0Client", ".v0"),
    ("OpenHandsAPI", ".compat"),
):
    _register(_name, _module)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'openhands_api' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*_EXPORTS, "__version__"])


__all__ = sorted(_EXPORTS)
