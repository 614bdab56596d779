"""A string that never shows itself: keys are wrapped at entry so repr, str, logs and tracebacks
print a mask instead of the value."""

from __future__ import annotations

import hmac
import logging
import weakref
from typing import Final

MASK: Final = "**********"

# Every live secret, so log filters and error messages can scrub values that slipped into text.
# Keyed by identity, not by value: Secrets compare by value, and in a WeakSet a second, equal
# Secret would share the first one's entry and vanish from it when the first is collected.
_LIVE: weakref.WeakValueDictionary[int, Secret] = weakref.WeakValueDictionary()


class Secret:
    """Holds a credential. ``reveal()`` is the only way to read it back."""

    __slots__ = ("__weakref__", "_value")

    def __init__(self, value: str) -> None:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("a secret must be a non-empty string")
        self._value = value.strip()
        _LIVE[id(self)] = self

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return hmac.compare_digest(self._value, other._value)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[object, ...]:  # pickling would write the value out in clear
        raise TypeError("Secret values cannot be pickled")


# Shorter values are still masked in repr/str, but not hunted in free text: scrubbing a 5-letter
# key such as "wrong" would mangle ordinary words in messages ("the key is missing or **********").
MIN_SCRUB_LENGTH = 8


def scrub(text: str) -> str:
    """Replace every live secret value (of at least MIN_SCRUB_LENGTH characters) found in ``text``."""
    for secret in list(_LIVE.values()):
        if len(secret._value) >= MIN_SCRUB_LENGTH and secret._value in text:
            text = text.replace(secret._value, MASK)
    return text


class RedactSecrets(logging.Filter):
    """Scrub live secret values from every record of the ``openhands_api`` logger.

    Defence in depth: nothing in this package logs headers or keys, but a message built by a
    caller, or an exception text, might hold one. Installed when this module is imported, which
    happens before any key can exist.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_logger = logging.getLogger("openhands_api")
_logger.addFilter(RedactSecrets())
_logger.addHandler(logging.NullHandler())
