"""Reading generated models, whichever server's package they come from."""

from __future__ import annotations

from typing import Any


def present(value: Any) -> Any:
    """``value``, or None when the field is absent or null.

    Absent fields hold the generated package's ``UNSET`` sentinel. Each generated package has its
    own ``Unset`` class, so the test is by class name: one helper serves all three packages.
    """
    return None if value is None or type(value).__name__ == "Unset" else value
