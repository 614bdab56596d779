"""Reading generated models, whichever server's package they come from."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from openhands_api_agent.types import Unset as AgentUnset
    from openhands_api_v0.types import Unset as V0Unset
    from openhands_api_v1.types import Unset as V1Unset

T = TypeVar("T")


def present(value: T | AgentUnset | V1Unset | V0Unset | None) -> T | None:
    """``value``, or None when the field is absent (the generated ``UNSET``) or null.

        title = present(conversation.title)   # str | None, never UNSET

    Each generated package has its own ``Unset`` class, so the test is by class name: one helper
    serves all three packages.
    """
    if value is None or type(value).__name__ == "Unset":
        return None
    return value  # type: ignore[return-value]  # the Unset members are excluded by the test above
