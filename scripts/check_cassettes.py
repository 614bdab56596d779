#!/usr/bin/env python3
"""Check the recorded cassettes: no secret inside, and every spec operation recorded at least once.

    python scripts/check_cassettes.py        # exit 1 and a list of problems, else a one-line summary

Secrets: request/response header values of auth headers must be placeholders, no ``Set-Cookie`` is
kept, JSON fields named like keys (``session_api_key``, ``api_key``, ``token`` ...) must be null or
placeholders, and no launcher key (``oh-test-...``) or ``sk-...`` key may appear anywhere.
Coverage: each ``METHOD /path`` of ``specs/<spec>.yaml`` must match a recorded request under that
server's cassette folder (``tests/contract/<server>/cassettes``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "tests" / "contract"
# spec stem -> contract test folder
SERVERS = {"agent_server": "agent", "app_server_v1": "v1", "v0": "v0"}
AUTH_HEADERS = {"authorization", "x-session-api-key", "x-access-token", "cookie", "api-key"}
SECRET_FIELD = re.compile(r"(session_api_key|api_key|secret|token|password)$", re.I)
PLACEHOLDER = re.compile(r"^(<[A-Z_-]+>|\*+|REDACTED)$")
# `sk-` only at a word start: V1 pending-message queues are named `task-<hex>`.
KEY_PATTERNS = re.compile(r"oh-test-[A-Za-z0-9_-]{8,}|(?<![A-Za-z0-9])sk-[A-Za-z0-9]{16,}|Bearer [A-Za-z0-9_.-]{12,}")


def _placeholder(value: Any) -> bool:
    text = str(value).strip()
    return value is None or text == "" or bool(PLACEHOLDER.match(text.removeprefix("Bearer ").strip()))


def _walk_json(value: Any, where: str, problems: list[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if SECRET_FIELD.search(str(k)) and isinstance(v, str) and not _placeholder(v):
                problems.append(f"{where}: JSON field {k!r} holds a value")
            _walk_json(v, where, problems)
    elif isinstance(value, list):
        for v in value:
            _walk_json(v, where, problems)


def _body_text(body: Any) -> str:
    if isinstance(body, dict):
        body = body.get("string", "")
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return body or ""


def cassettes(folder: Path) -> Iterable[Path]:
    return sorted(folder.rglob("cassettes/**/*.yaml"))


def scan_secrets(paths: Iterable[Path]) -> list[str]:
    import json

    problems: list[str] = []
    for path in paths:
        text = path.read_text(errors="replace")
        rel = path.relative_to(ROOT)
        for match in KEY_PATTERNS.finditer(text):
            problems.append(f"{rel}: key-like value {match.group(0)[:12]}...")
        data = yaml.safe_load(text) or {}
        for i, interaction in enumerate(data.get("interactions", [])):
            for side in ("request", "response"):
                part = interaction.get(side, {})
                for name, values in (part.get("headers") or {}).items():
                    lname = name.lower()
                    if lname == "set-cookie":
                        problems.append(f"{rel}#{i} {side}: Set-Cookie kept")
                    elif lname in AUTH_HEADERS:
                        for value in values if isinstance(values, list) else [values]:
                            if not _placeholder(value):
                                problems.append(f"{rel}#{i} {side}: header {name} holds a value")
                body = _body_text(part.get("body"))
                if body[:1] in "[{":
                    try:
                        _walk_json(json.loads(body), f"{rel}#{i} {side}", problems)
                    except ValueError:
                        pass
    return problems


def spec_operations(spec: Path) -> list[tuple[str, str, re.Pattern[str]]]:
    doc = yaml.safe_load(spec.read_text())
    ops = []
    for path, item in doc.get("paths", {}).items():
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "/?$")
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                ops.append((method.upper(), path, pattern))
    return ops


def recorded_requests(paths: Iterable[Path]) -> set[tuple[str, str]]:
    seen = set()
    for path in paths:
        data = yaml.safe_load(path.read_text()) or {}
        for interaction in data.get("interactions", []):
            request = interaction["request"]
            seen.add((request["method"].upper(), urlsplit(request["uri"]).path))
    return seen


def uncovered() -> list[str]:
    missing = []
    for stem, folder in SERVERS.items():
        spec = ROOT / "specs" / f"{stem}.yaml"
        if not spec.exists():
            continue
        seen = recorded_requests(cassettes(CONTRACT / folder))
        for method, path, pattern in spec_operations(spec):
            if not any(m == method and pattern.match(p) for m, p in seen):
                missing.append(f"specs/{stem}.yaml: {method} {path} appears in no cassette under tests/contract/{folder}")
    return missing


def main() -> int:
    all_cassettes = list(cassettes(CONTRACT))
    problems = scan_secrets(all_cassettes) + uncovered()
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"{len(all_cassettes)} cassettes: no secrets, every spec operation recorded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
