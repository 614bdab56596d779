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
        if not _FILTERED:
            install_log_filter()

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
    """Scrub live secret values from every record of the loggers in :data:`FILTERED_LOGGERS`.

    Nothing in this package logs headers or keys, but at DEBUG httpcore logs every response's
    headers and httpx every URL, and a server may reflect the key in a header, a redirect or an
    error body; a message built by a caller or an exception text might hold one too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logging's own problem to report
            return True
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


# A filter on a logger sees only the records logged to that very logger, not its children's, so
# each logger that writes records is named: httpcore logs to one child per module.
FILTERED_LOGGERS = (
    "openhands_api", "httpx", "httpcore",
    "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy", "httpcore.socks",
)
_FILTERED: list[str] = []


def install_log_filter() -> None:
    """Put :class:`RedactSecrets` on every logger in :data:`FILTERED_LOGGERS` (once); done when the
    first Secret is made, before any key can reach a request."""
    redact = RedactSecrets()
    for name in FILTERED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(redact)
        _FILTERED.append(name)


logging.getLogger("openhands_api").addHandler(logging.NullHandler())
