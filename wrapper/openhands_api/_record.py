"""One seed-compatibility policy: results that read like the JSON dicts the seed scripts returned.

The two seed scripts people copy (V1: ``OpenHandsV1API``, V0: ``OpenHandsAPI``) returned the server's
JSON as plain dicts, and programs written against them do ``page["items"]``, ``final.get("url")``,
``for key in result`` and ``json.dumps(result)``. A :class:`Record` is a ``dict`` holding exactly that
JSON (so all of those work, ``json.dumps`` included, since it is a real dict), and it also carries the
typed model the client parsed (``.model``). It is read-only: a result is what the server said.

Its repr masks every secret-looking field (``session_api_key``, ``api_key``, ``*_token`` ...): the V1
seed's quick start prints its results, and a printed key ends up in logs and terminals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Generic, NoReturn, TypeVar

from ._secret import MASK

M = TypeVar("M")

# Field names whose string values are credentials in the OpenHands APIs.
_SECRET_FIELD = re.compile(r"(session_api_key|api_key|secret|token|password)$", re.IGNORECASE)


def masked(value: Any) -> Any:
    """A copy of a JSON value with every secret-looking field's non-empty string replaced by the mask."""
    if isinstance(value, Mapping):
        return {k: MASK if _SECRET_FIELD.search(str(k)) and isinstance(v, str) and v else masked(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    return value


class Record(dict[str, Any], Generic[M]):
    """The server's JSON object as a read-only ``dict``, plus the typed ``model`` parsed from it."""

    __slots__ = ("model",)

    def __init__(self, raw: Mapping[str, Any], model: M) -> None:
        super().__init__(raw)
        self.model = model

    @property
    def raw(self) -> Mapping[str, Any]:
        """The JSON the server sent (this object itself)."""
        return self

    def to_dict(self) -> dict[str, Any]:
        """A plain, mutable copy of the JSON."""
        return dict(self)

    def __repr__(self) -> str:
        # Printed like the seed's dict (its quick start prints results), keys masked.
        return repr(masked(dict(self)))

    def _read_only(self, *_args: Any, **_kwargs: Any) -> NoReturn:
        raise TypeError(f"{type(self).__name__} is read-only; use .to_dict() for a copy to change")

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self) -> tuple[Any, ...]:
        # copy/pickle: dict's default would refill the copy through the blocked __setitem__.
        slots = {name: getattr(self, name) for cls in type(self).__mro__ for name in getattr(cls, "__slots__", ())}
        return (_restore, (type(self), dict(self), slots))


def _restore(cls: type[Record[Any]], raw: dict[str, Any], slots: dict[str, Any]) -> Record[Any]:
    record = dict.__new__(cls)
    dict.update(record, raw)
    for name, value in slots.items():
        object.__setattr__(record, name, value)
    return record


class SeedRecord(Record[M]):
    """A :class:`Record` that also answers the typed model's attributes (``task.id``, ``me.agent_settings``).

    For code written against the earlier facades, which returned the typed models themselves. A
    dict method wins over a model attribute of the same name (``page.items`` is ``dict.items``: read
    the page's items as ``page["items"]`` or ``page.model.items``). Attributes reached this way are
    untyped; ``.model`` is the typed way.
    """

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name == "model" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.model, name)


__all__ = ["Record", "SeedRecord", "masked"]
