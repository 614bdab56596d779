#!/usr/bin/env python3
"""Check the specs against what the real servers sent: every recorded body validates strictly.

    python scripts/check_spec.py        # exit 1 and one line per problem, else a one-line summary

For every interaction of every cassette under ``tests/contract/<server>/cassettes``:

* the operation (method + path) is looked up in that server's spec; V1 cassettes also hold calls
  to the agent server of a sandbox, so the agent spec is tried after the V1 one;
* the response status must be documented for that operation (else the generated client would
  return ``parsed=None``), and a JSON response body must validate against the documented schema;
* ``x-request: true`` (strict generated request models) marks exactly the schemas that only
  request bodies use: a response must never be parsed by a strict model;
* a JSON request body the server accepted (2xx) must validate against the operation's request
  schema. One it refused (400/422/500) is a note when our schema accepts it: the client could have
  refused it before sending (``--notes`` lists them).

Validation is JSON Schema Draft 2020-12 (the dialect of OpenAPI 3.1) with ``jsonschema``: ``$ref``
resolved inside the spec, ``oneOf``/``anyOf`` honoured (``oneOf`` means exactly one match), and the
formats we use (``date-time``, ``uuid``) checked. OpenAPI-only keywords (``discriminator``,
``x-...``) are annotations to jsonschema and do not change the result.
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "tests" / "contract"
SPECS = ROOT / "specs"
# contract folder -> specs its cassettes may hold calls of, tried in order.
FOLDER_SPECS = {"agent": ["agent_server"], "v1": ["app_server_v1", "agent_server"], "v0": ["v0"]}
METHODS = ("get", "post", "put", "patch", "delete")
# Answers that may mean "this body is wrong" (404/409 are about the target, 401 about the key).
BODY_REFUSALS = {"400", "422", "500"}

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    # Python's parser, as the generated models use (dateutil's isoparse accepts the same forms).
    return not isinstance(value, str) or bool(datetime.fromisoformat(value.replace("Z", "+00:00")))


@FORMATS.checks("uuid", raises=ValueError)
def _uuid(value: object) -> bool:
    return not isinstance(value, str) or bool(uuid.UUID(value))


@dataclass(frozen=True)
class Operation:
    spec: str
    method: str
    template: str
    pattern: re.Pattern[str]
    pointer: str  # JSON pointer of the operation object inside the spec

    @property
    def name(self) -> str:
        return f"{self.spec}: {self.method.upper()} {self.template}"


@cache
def load_spec(stem: str) -> dict[str, Any]:
    return yaml.safe_load((SPECS / f"{stem}.yaml").read_text())


@cache
def registry(stem: str) -> Registry:
    return Registry().with_resource(f"urn:spec:{stem}", Resource.from_contents(load_spec(stem), DRAFT202012))


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@cache
def operations(stem: str) -> list[Operation]:
    ops = []
    for template, item in load_spec(stem).get("paths", {}).items():
        regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "/?$"
        for method in METHODS:
            if method in item:
                ops.append(Operation(stem, method, template, re.compile(regex), f"/paths/{_escape(template)}/{method}"))
    # A literal segment beats a template one (/app-conversations/search before /app-conversations/{id}).
    return sorted(ops, key=lambda op: op.template.count("{"))


def find_operation(specs: Iterable[str], method: str, path: str) -> Operation | None:
    for stem in specs:
        for op in operations(stem):
            if op.method == method.lower() and op.pattern.match(path):
                return op
    return None


def _resolve(stem: str, node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` to a response or request-body object (not a schema)."""
    while "$ref" in node:
        node = _at(stem, node["$ref"].removeprefix("#"))
    return node


def _json_media(content: dict[str, Any]) -> dict[str, Any] | None:
    for media, value in content.items():
        if media == "application/json" or media.endswith("+json"):
            return value
    return None


def _at(stem: str, pointer: str) -> Any:
    target: Any = load_spec(stem)
    for token in pointer.strip("/").split("/"):
        target = target[token.replace("~1", "/").replace("~0", "~")]
    return target


def schema_errors(stem: str, pointer: str, instance: Any) -> list[str]:
    """Errors of ``instance`` against the schema at JSON pointer ``pointer`` of spec ``stem``.

    The schema is a ``$ref`` into the whole spec document, so ``#/components/...`` resolves."""
    schema = {"$ref": f"urn:spec:{stem}#{pointer}"}
    v = Draft202012Validator(schema, registry=registry(stem), format_checker=FORMATS)
    out = []
    for err in sorted(v.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        out.append(f"at {where}: {_short(err)}")
    return out


def _short(err: Any) -> str:
    # oneOf/anyOf failures: name the best branch's error instead of dumping the whole instance.
    if err.validator == "oneOf" and not err.context:
        matched = re.findall(r"'\$ref': '[^']*/(\w+)'", err.message.split(" is valid under each of ", 1)[-1])
        return f"oneOf: valid under more than one member ({', '.join(matched) or '?'})"
    if err.context:
        best = min(err.context, key=lambda e: (len(e.absolute_path) * -1, len(e.message)))
        return f"{err.validator} failed; e.g. {best.message[:160]}"
    return err.message[:200]


def _body(part: dict[str, Any]) -> str:
    body = part.get("body")
    if isinstance(body, dict):
        body = body.get("string", "")
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return body or ""


def _content_type(part: dict[str, Any]) -> str:
    for name, values in (part.get("headers") or {}).items():
        if name.lower() == "content-type":
            value = values[0] if isinstance(values, list) else values
            return str(value).split(";")[0].strip().lower()
    return ""


@dataclass
class Report:
    problems: list[str]
    responses: int = 0  # JSON response bodies validated
    requests: int = 0  # JSON request bodies validated
    other: int = 0  # interactions without a JSON body on either side (binary, multipart, empty)
    refused: int = 0  # JSON request bodies the server refused (400/422/500)
    notes: list[str] = field(default_factory=list)  # ... of which our request schema accepts these


def check_interaction(specs: list[str], interaction: dict[str, Any], where: str, report: Report) -> None:
    request, response = interaction["request"], interaction["response"]
    method, path = request["method"], urlsplit(request["uri"]).path
    op = find_operation(specs, method, path)
    if op is None:
        report.problems.append(f"{where}: {method} {path} matches no operation of {', '.join(specs)}")
        return
    operation = _at(op.spec, op.pointer)
    checked = False

    status = str(response["status"]["code"])
    req_text = _body(request)
    if req_text and _content_type(request) == "application/json":
        body = _resolve(op.spec, operation.get("requestBody", {}))
        media = _json_media(body.get("content", {}))
        if media is None:
            report.problems.append(f"{where}: {op.name} sends a JSON body the spec does not declare")
        else:
            pointer = f"{op.pointer}/requestBody/content/application~1json/schema"
            if "$ref" in operation["requestBody"]:
                pointer = operation["requestBody"]["$ref"].removeprefix("#") + "/content/application~1json/schema"
            errors = schema_errors(op.spec, pointer, json.loads(req_text))
            if status.startswith("2"):
                report.problems.extend(f"{where}: request of {op.name} {err}" for err in errors)
                report.requests += 1
            elif status in BODY_REFUSALS:
                report.refused += 1
                if not errors:
                    report.notes.append(f"{where}: {op.name} answered {status} to a body our schema accepts")
            checked = True

    responses = operation.get("responses", {})
    if status not in responses:
        report.problems.append(f"{where}: {op.name} answered {status}, not documented")
        return
    declared = responses[status]
    pointer = f"{op.pointer}/responses/{status}"
    if "$ref" in declared:
        pointer = declared["$ref"].removeprefix("#")
    declared = _resolve(op.spec, declared)
    text = _body(response)
    ctype = _content_type(response)
    if text and (ctype == "application/json" or ctype.endswith("+json")):
        if _json_media(declared.get("content", {})) is None:
            report.problems.append(f"{where}: {op.name} {status} sent JSON, the spec declares {list(declared.get('content', {}))}")
            return
        for err in schema_errors(op.spec, f"{pointer}/content/application~1json/schema", json.loads(text)):
            report.problems.append(f"{where}: response {status} of {op.name} {err}")
        report.responses += 1
        checked = True
    if not checked:
        report.other += 1


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            yield ref.rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _closure(stem: str, roots: Iterable[str]) -> set[str]:
    schemas = load_spec(stem)["components"]["schemas"]
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_refs(schemas[name]))
    return seen


def request_marking_problems(stem: str) -> list[str]:
    """``x-request: true`` (strict generated models) must be on exactly the request-only schemas.

    A schema a response uses must stay lenient (a newer server's value must not fail a read); a
    schema only request bodies use must be marked, so that its constraints are enforced."""
    doc = load_spec(stem)
    request_roots: list[str] = []
    response_roots: list[str] = []
    for item in doc.get("paths", {}).values():
        for method in METHODS:
            operation = item.get(method, {})
            body = operation.get("requestBody", {})
            request_roots.extend(_refs(_resolve(stem, body) if body else {}))
            for response in operation.get("responses", {}).values():
                response_roots.extend(_refs(_resolve(stem, response)))
    used_by_responses = _closure(stem, response_roots)
    used_by_requests = _closure(stem, request_roots)
    problems = []
    for name, schema in doc["components"]["schemas"].items():
        marked = bool(schema.get("x-request"))
        if marked and name in used_by_responses:
            problems.append(f"{stem}: {name} is x-request but a response uses it (responses must stay lenient)")
        elif not marked and name in used_by_requests - used_by_responses and schema.get("type") == "object":
            problems.append(f"{stem}: {name} is used by request bodies only but not marked x-request")
    return problems


def cassette_files(folder: Path) -> Iterator[Path]:
    yield from sorted(folder.glob("cassettes/**/*.yaml"))


def check(contract: Path = CONTRACT) -> Report:
    report = Report(problems=[])
    for stem in sorted({s for specs in FOLDER_SPECS.values() for s in specs}):
        if (SPECS / f"{stem}.yaml").exists():
            report.problems.extend(request_marking_problems(stem))
    for folder, specs in FOLDER_SPECS.items():
        specs = [s for s in specs if (SPECS / f"{s}.yaml").exists()]
        for path in cassette_files(contract / folder):
            data = yaml.safe_load(path.read_text()) or {}
            for i, interaction in enumerate(data.get("interactions", [])):
                check_interaction(specs, interaction, f"{path.relative_to(contract)}#{i}", report)
    return report


def main(argv: list[str]) -> int:
    report = check()
    for problem in report.problems:
        print(problem)
    if "--notes" in argv:
        for note in report.notes:
            print(f"note: {note}")
    summary = (f"{report.responses} JSON response bodies and {report.requests} accepted JSON request bodies "
               f"validate; {report.refused - len(report.notes)} of {report.refused} refused request bodies are "
               f"refused by the spec too ({report.other} interactions without JSON)")
    if report.problems:
        print(f"{len(report.problems)} problems; {summary}")
        return 1
    print(f"specs match the cassettes: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
