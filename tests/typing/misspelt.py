# ruff: noqa  (deliberately wrong code: misspelt names, unused imports)
"""Misspelt names a consumer's type checker must reject (tests/test_public_surface.py runs mypy --strict
and pyright on this file and expects exactly the errors marked ``# error``). The lazy packages load
their names through a module ``__getattr__``, which type checkers must not see: for them it would
turn every unknown name into ``Any``."""

from openhands_api import AgentServerClinet  # error
from openhands_api.agent import AsyncAgentServerClinet  # error
from openhands_api_agent.models import ConversationInfoo  # error
from openhands_api_agent import AuthenticatedClinet  # error
import openhands_api

openhands_api.OpenHandsV2  # error
