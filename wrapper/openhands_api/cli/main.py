"""``openhands-api``: the command line, on the public API only.

Conventions shared by every command group (agent, V1, v0):

* exit 0 on success, 1 when the server or the network fails (one line on stderr with the hint, no
  traceback, whatever the server sent), 2 on usage errors (bad arguments, a missing key); any other
  failure is one line too, and ``--debug`` adds the traceback;
* ``--json`` prints machine output on stdout; human output otherwise; progress goes to stderr;
* a key is never printed: JSON output passes through :func:`redact`.

Command groups live in sibling modules, each with ``register(subparsers, common)``; a group whose
module is absent is simply not offered. A command named after its group (``agent``, ``sandbox``,
``v0``, ``doctor``) builds only that group's parser: a one-request command then imports no other group.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, TextIO

from .._exceptions import ConfigurationError, OpenHandsAPIError
from .._models import present
from .._secret import MASK, scrub

GROUPS = ("agent", "v1", "v1_extra", "sandbox", "v0", "doctor")
# Groups whose register() adds exactly one top-level command, named after the group
# (tests/test_import_cost.py checks it); every other command needs the whole parser.
OWN_COMMAND_GROUPS = frozenset({"agent", "sandbox", "v0", "doctor"})
# Global options that take a value (the command name is the first word that is not an option or its value;
# tests/test_import_cost.py checks the list against common_options()).
_VALUED_OPTIONS = frozenset({"--base-url", "--api-key"})
# Field names whose values are credentials. Anchored at the end: `accumulated_token_usage` is a count.
SECRET_FIELD = re.compile(r"(api_key|session_key|secret|token|password)$", re.I)


def redact(value: Any) -> Any:
    """Copy of a JSON-like value with every secret-looking field masked (``session_api_key`` ...)."""
    if isinstance(value, dict):
        return {
            k: (MASK if isinstance(k, str) and SECRET_FIELD.search(k) and v not in (None, "") else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return scrub(value)
    return value


def to_jsonable(value: Any) -> Any:
    """Generated models → their raw JSON; lists/dicts recursively; everything else as is."""
    raw = getattr(value, "raw", None)
    if raw is not None and not callable(raw):
        return to_jsonable(dict(raw))
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def event_line(event: Any) -> str:
    """One human line for an agent-server-style event (agent server and V1 app server alike)."""
    kind = str(getattr(event, "kind", "?"))
    detail: Any = None
    if kind == "ActionEvent":
        detail = getattr(present(getattr(event, "action", None)), "kind", None)
    elif kind == "ObservationEvent":
        detail = getattr(present(getattr(event, "observation", None)), "kind", None)
    elif kind == "ConversationStateUpdateEvent":
        detail = present(getattr(event, "key", None))
    return f"{present(getattr(event, 'timestamp', None)) or ''}  {kind:<30} {detail or ''}".rstrip()


@dataclass
class CLIContext:
    """What a command handler needs besides its arguments."""

    json_output: bool = False
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)

    def emit(self, data: Any, human: str | Callable[[], str] | None = None) -> None:
        """Print ``data`` as JSON with --json, else the human text (or the JSON, indented)."""
        if self.json_output or human is None:
            print(json.dumps(redact(to_jsonable(data)), indent=None if self.json_output else 2, default=str), file=self.stdout)
        else:
            print(scrub(human() if callable(human) else human), file=self.stdout)

    def progress(self, message: str) -> None:
        print(scrub(message), file=self.stderr, flush=True)


Handler = Callable[[argparse.Namespace, CLIContext], int | None]


def common_options() -> argparse.ArgumentParser:
    """Global options, accepted before or after the command name."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", dest="json_output", action="store_true", default=argparse.SUPPRESS,
                        help="machine-readable JSON on stdout")
    common.add_argument("--base-url", default=argparse.SUPPRESS,
                        help="app server URL (else $OPENHANDS_BASE_URL / $OPENHANDS_APP_BASE, else OpenHands Cloud)")
    common.add_argument("--api-key", default=argparse.SUPPRESS,
                        help="app server key (else $OPENHANDS_API_KEY / $OPENHANDS_CLOUD_API_KEY / $OH_API_KEY / key file)")
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="on an error, also print the traceback (keys stay masked)")
    return common


def one_line(text: str) -> str:
    """``text`` on one line, keys masked: a server's message may hold line breaks or control characters."""
    return " ".join(scrub(text).split())


def command_name(argv: Sequence[str]) -> str | None:
    """The top-level command in ``argv``: its first word that is neither a global option nor the value of one."""
    words = iter(argv)
    for word in words:
        if word in _VALUED_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser; given the ``argv`` it will parse, only the group that command needs."""
    command = command_name(argv) if argv is not None else None
    groups = (command,) if command in OWN_COMMAND_GROUPS else GROUPS
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="openhands-api", parents=[common],
        description="Typed client for the OpenHands REST APIs (agent server, V1 and V0 app servers).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in groups:
        try:
            module = import_module(f".{group}", __package__)
        except ModuleNotFoundError as exc:  # a command group that is not installed
            if exc.name != f"{__package__}.{group}":
                raise
            continue
        module.register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    ctx = CLIContext(
        json_output=getattr(args, "json_output", False),
        base_url=getattr(args, "base_url", None),
        api_key=getattr(args, "api_key", None),
    )
    debug = getattr(args, "debug", False)
    try:
        code = handler(args, ctx)
    except ConfigurationError as exc:
        return _fail(f"error: {exc}", exc, debug, 2)
    except OpenHandsAPIError as exc:
        return _fail(f"error: {type(exc).__name__}: {exc}", exc, debug, 1)
    except KeyboardInterrupt:
        print("openhands-api: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:  # a local file: missing, unreadable, disk full
        return _fail(f"error: {type(exc).__name__}: {exc}", exc, debug, 1)
    except Exception as exc:  # a bug, in this client or in what it reads: still one line
        return _fail(f"unexpected error: {type(exc).__name__}: {exc} (run again with --debug for the traceback)", exc, debug, 1)
    return int(code or 0)


def _fail(message: str, exc: BaseException, debug: bool, code: int) -> int:
    if debug:
        print(scrub("".join(traceback.format_exception(exc))), file=sys.stderr, end="")
    print(f"openhands-api: {one_line(message)}", file=sys.stderr)
    return code


def run() -> None:  # console-script entry point
    sys.exit(main())


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    run()
