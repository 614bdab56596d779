"""Names a package loads on first use (PEP 562): the one ``__getattr__`` of the lazy ``__init__`` files.

A package lists ``name -> submodule`` and installs the loader only when not type checking::

    if not TYPE_CHECKING:
        __getattr__ = _lazy.loader(__name__, _EXPORTS, globals())

Why hidden from type checkers: mypy and pyright read a module-level ``__getattr__`` as "any other
name exists and is ``Any``", so ``from openhands_api import AgentServerClinet`` would pass
``mypy --strict``. They see the names through the ``TYPE_CHECKING`` re-exports instead, and a
misspelt one is an error (``tests/typing/misspelt.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def loader(package: str, exports: Mapping[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``exports[name]`` (relative to ``package``) on first use
    and keeps the value in ``namespace``, so later lookups are plain module attributes."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module, package), name)
        namespace[name] = value
        return value

    return __getattr__


__all__ = ["loader"]
