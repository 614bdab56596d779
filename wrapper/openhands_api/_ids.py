"""Ids in URLs: each one stays in its own path segment, and ids the servers define are checked first.

A leaf module (imports only the error classes), used by the one seam to generated code
(:meth:`~openhands_api._transport.Transport.call` checks every path parameter) and by the clients
that compare or validate ids.

Why a check and not only encoding: the generated code percent-encodes path parameters, so ``/``,
``?``, ``#`` and ``%`` cannot change the route by themselves, but ``.`` and ``..`` are dot segments
that URL joining removes (``get_conversation("..")`` would send ``GET /api``), an empty id names the
collection instead of an item, and Starlette decodes ``%2F`` before routing, so an id holding ``/``
could still reach another route. Those are refused before any request.
"""

from __future__ import annotations

import re
import uuid

from ._exceptions import InvalidArgumentError

_HEX_UUID = re.compile(r"[0-9a-fA-F]{32}")
_DASHED_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Whitespace, control characters and path separators never belong in an id.
_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f/\\]")


def path_segment(value: object, *, what: str = "id") -> str:
    """``value`` if it can stand alone in one path segment; else :class:`InvalidArgumentError`."""
    if not isinstance(value, str):
        raise InvalidArgumentError(f"{what} must be a string, not {type(value).__name__}")
    if value in ("", ".", "..") or _FORBIDDEN.search(value):
        raise InvalidArgumentError(
            f"invalid {what} {value!r}: it must be one path segment (not empty, '.' or '..'; no '/', '\\', "
            "whitespace or control characters)",
            hint="copy the id exactly as the server returned it",
        )
    return value


def is_uuid(value: object) -> bool:
    """True for the two id spellings the OpenHands servers accept: 32 hex digits or a dashed UUID."""
    return isinstance(value, str) and bool(_HEX_UUID.fullmatch(value) or _DASHED_UUID.fullmatch(value))


def check_uuid(value: object, *, what: str = "conversation id", hint: str | None = None) -> str:
    """``value`` stripped, if it is a UUID; else :class:`InvalidArgumentError` before any request.

    The V1 app server answers a malformed conversation id on its events routes with a bare 500, so
    the id is checked here instead.
    """
    text = value.strip() if isinstance(value, str) else value
    if not is_uuid(text):
        raise InvalidArgumentError(
            f"invalid {what} {value!r}: expected a UUID (32 hex digits, dashes optional)",
            hint=hint or "copy the id from a listing (e.g. `openhands-api search-conversations`)",
        )
    return str(text)


def same_id(a: str | None, b: str | None) -> bool:
    """Compare two UUIDs whatever their spelling (the V1 server mixes hex and dashed forms)."""
    if a is None or b is None:
        return False
    try:
        return uuid.UUID(a) == uuid.UUID(b)
    except ValueError:
        return a == b


__all__ = ["check_uuid", "is_uuid", "path_segment", "same_id"]
