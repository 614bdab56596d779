"""The spec-versus-server comparison behind ``make check-drift`` and ``openhands-api doctor``.

Over the operations a spec covers (``METHOD /path``; path parameter names ignored) it compares a
spec with a server's ``/openapi.json``: the operation itself, parameters (presence, ``required``,
enum values), request and response bodies (content types, fields a few levels deep through
``$ref`` and ``[X, null]`` unions, ``required`` request fields, enum values, the ``kind`` values of
discriminated unions) and status codes. Each difference is one line (a "finding"); ``INFO``
findings are coverage (optional server-only fields), not drift. Stdlib only: the installed package
runs it (the doctor) as well as scripts/check_drift.py.

Acknowledged findings (specs/drift-ack.yaml) are matched by :func:`ack_pattern` (``*`` matches any text).
"""

from __future__ import annotations

import re
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")
# What the server has and the spec does not declare, when the client need not send it, is not drift but
# coverage: response fields (objects stay open; the client keeps them in `additional_properties`),
# optional request fields and optional parameters. They are counted and listed with --verbose only;
# the same thing when required (a new required field or parameter) is a finding.
INFO = "info: "
MAX_DEPTH = 3  # nesting depth of compared body fields (top-level fields are depth 1)


def ack_pattern(text: str) -> re.Pattern[str]:
    """The pattern of an acknowledged finding: the text itself, ``*`` matching any text."""
    return re.compile("^" + ".*".join(re.escape(p) for p in text.split("*")) + "$")


class Doc:
    """An OpenAPI document with $ref resolution."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def resolve(self, node: Any, seen: tuple[str, ...] = ()) -> tuple[Any, tuple[str, ...]]:
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                return {}, seen
            seen = (*seen, ref)
            target: Any = self.data
            for part in ref.removeprefix("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
        return node, seen

    def shape(self, node: Any, seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], tuple[str, ...]]:
        """Resolve refs and strip `[X, null]` unions / single-member allOf down to X."""
        node, seen = self.resolve(node, seen)
        if not isinstance(node, dict):
            return {}, seen
        for key in ("anyOf", "oneOf"):
            members = node.get(key)
            if members:
                non_null = [m for m in members if not (isinstance(m, dict) and m.get("type") == "null")]
                if len(non_null) == 1:
                    return self.shape(non_null[0], seen)
        if isinstance(node.get("allOf"), list) and len(node["allOf"]) == 1:
            return self.shape(node["allOf"][0], seen)
        return node, seen

    def enum(self, node: Any) -> set[str] | None:
        shaped, _ = self.shape(node)
        if "enum" in shaped:
            return {str(v) for v in shaped["enum"] if v is not None}
        if isinstance(shaped.get("items"), dict):
            return None
        return None

    def union_kinds(self, node: dict[str, Any], seen: tuple[str, ...]) -> dict[str, tuple[dict[str, Any], tuple[str, ...]]] | None:
        """For a union of objects told apart by a `kind` const: {kind value: member}."""
        members = node.get("oneOf") or node.get("anyOf")
        if not members:
            return None
        kinds: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {}
        for member in members:
            shaped, mseen = self.shape(member, seen)
            kind = (shaped.get("properties") or {}).get("kind", {})
            kind, _ = self.resolve(kind)
            value = kind.get("const") if isinstance(kind, dict) else None
            if value is None and isinstance(kind, dict) and len(kind.get("enum") or []) == 1:
                value = kind["enum"][0]
            if value is not None:
                kinds[str(value)] = (shaped, mseen)
        return kinds or None

    def fields(self, node: Any, prefix: str = "", depth: int = 1, seen: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
        """Flatten a body schema: {"a.b": {"enum": set|None, "kinds": set|None, "required": bool}}."""
        shaped, seen = self.shape(node, seen)
        out: dict[str, dict[str, Any]] = {}
        if shaped.get("type") == "array" or "items" in shaped:
            return self.fields(shaped.get("items", {}), f"{prefix}[]", depth, seen)
        members = [m for m in (shaped.get("oneOf") or shaped.get("anyOf") or [])
                   if not (isinstance(m, dict) and m.get("type") == "null")]
        if members:
            # a union: its `kind` values (if it has them), and the fields of all members together
            kinds = self.union_kinds(shaped, seen)
            if kinds:
                out[prefix or "."] = {"kinds": set(kinds), "enum": None, "required": False, "open": False}
            for member in members:
                for key, info in self.fields(member, prefix, depth, seen).items():
                    if key == (prefix or "."):
                        continue
                    out.setdefault(key, {**info, "required": False})
            return out
        if prefix and not shaped.get("properties") and not shaped.get("enum") and shaped.get("type") in (None, "object"):
            out[prefix] = {"kinds": None, "enum": None, "required": False, "open": True}  # untyped / free-form
        required = set(shaped.get("required") or [])
        for name, sub in (shaped.get("properties") or {}).items():
            path = f"{prefix}.{name}" if prefix else name
            out[path] = {"enum": self.enum(sub), "kinds": None, "required": name in required, "open": False}
            nested = self.fields(sub, path, depth + 1, seen) if depth < MAX_DEPTH else {}
            for key, info in nested.items():
                if key == path:  # a union or a free-form object: keep that on the field itself
                    out[path]["kinds"], out[path]["open"] = info.get("kinds"), info.get("open", False)
                else:
                    out.setdefault(key, info)
        return out


# --- operations ---------------------------------------------------------------------------------


def _norm_path(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path.rstrip("/") or "/")


def operations(doc: dict[str, Any]) -> dict[tuple[str, str], tuple[str, dict[str, Any], list[dict[str, Any]]]]:
    """{(METHOD, normalised path): (path as written, operation, path-level parameters)}."""
    ops = {}
    for path, item in (doc.get("paths") or {}).items():
        for method in METHODS:
            if method in item:
                ops[(method.upper(), _norm_path(path))] = (path, item[method], item.get("parameters", []))
    return ops


def _params(doc: Doc, op: dict[str, Any], shared: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for param in [*shared, *op.get("parameters", [])]:
        param, _ = doc.resolve(param)
        if param.get("in") == "header" and param.get("name", "").lower() in ("x-session-api-key", "authorization"):
            continue
        out[(param["in"], param["name"])] = param
    return out


def _bodies(doc: Doc, node: dict[str, Any] | None) -> dict[str, Any]:
    node, _ = doc.resolve(node or {})
    return {ctype: media.get("schema", {}) for ctype, media in (node.get("content") or {}).items()}


def compare_operation(label: str, ours: Doc, theirs: Doc, op_ours: tuple[Any, ...], op_theirs: tuple[Any, ...]) -> list[str]:
    _, mine, mine_shared = op_ours
    _, live, live_shared = op_theirs
    found: list[str] = []

    def add(text: str) -> None:
        found.append(f"{label}: {text}")

    # parameters
    p_ours, p_live = _params(ours, mine, mine_shared), _params(theirs, live, live_shared)
    # path parameters are matched by the path template itself (their names may differ)
    p_ours = {k: v for k, v in p_ours.items() if k[0] != "path"}
    p_live = {k: v for k, v in p_live.items() if k[0] != "path"}
    for key in sorted(set(p_ours) - set(p_live)):
        add(f"parameter {key[0]}:{key[1]} only in the spec")
    for key in sorted(set(p_live) - set(p_ours)):
        required = bool(p_live[key].get("required"))
        add(f"{'' if required else INFO}parameter {key[0]}:{key[1]} only on the server" + (" (required)" if required else ""))
    for key in sorted(set(p_ours) & set(p_live)):
        a, b = bool(p_ours[key].get("required")), bool(p_live[key].get("required"))
        if a != b and key[0] != "path":
            add(f"parameter {key[0]}:{key[1]} required: spec {a}, server {b}")
        found.extend(f"{label}: parameter {key[0]}:{key[1]} {d}" for d in _enum_diff(
            ours.enum(p_ours[key].get("schema", {})), theirs.enum(p_live[key].get("schema", {}))))

    # request body
    b_ours, b_live = _bodies(ours, mine.get("requestBody")), _bodies(theirs, live.get("requestBody"))
    for ctype in sorted(set(b_ours) - set(b_live)):
        add(f"request content {ctype} only in the spec")
    for ctype in sorted(set(b_live) - set(b_ours)):
        add(f"request content {ctype} only on the server")
    for ctype in sorted(set(b_ours) & set(b_live)):
        found.extend(f"{label}: request {d}" for d in _field_diff(ours, theirs, b_ours[ctype], b_live[ctype], request=True))

    # responses
    r_ours = {str(k): v for k, v in (mine.get("responses") or {}).items()}
    r_live = {str(k): v for k, v in (live.get("responses") or {}).items()}
    for code in sorted(set(r_ours) - set(r_live)):
        add(f"status {code} only in the spec")
    for code in sorted(set(r_live) - set(r_ours)):
        add(f"status {code} only on the server")
    for code in sorted(set(r_ours) & set(r_live)):
        if not code.startswith("2"):
            continue  # error bodies: FastAPI's shapes, compared once through their schemas elsewhere
        c_ours, c_live = _bodies(ours, r_ours[code]), _bodies(theirs, r_live[code])
        for ctype in sorted(set(c_ours) - set(c_live)):
            add(f"response {code} content {ctype} only in the spec")
        for ctype in sorted(set(c_live) - set(c_ours)):
            add(f"response {code} content {ctype} only on the server")
        for ctype in sorted(set(c_ours) & set(c_live)):
            found.extend(f"{label}: response {code} {d}" for d in _field_diff(ours, theirs, c_ours[ctype], c_live[ctype]))
    return found


def _enum_diff(a: set[str] | None, b: set[str] | None, what: str = "enum") -> list[str]:
    if a is None or b is None or a == b:
        return []
    out = []
    if b - a:
        out.append(f"{what} values only on the server: {', '.join(sorted(b - a))}")
    if a - b:
        out.append(f"{what} values only in the spec: {', '.join(sorted(a - b))}")
    return out


def _field_diff(ours: Doc, theirs: Doc, s_ours: Any, s_live: Any, *, request: bool = False) -> list[str]:
    f_ours, f_live = ours.fields(s_ours), theirs.fields(s_live)
    out = []
    if not f_live and f_ours:
        return ["schema untyped on the server (the spec declares fields)"]
    for name in sorted(set(f_ours) - set(f_live)):
        ancestors = [a for a in f_live if name.startswith(a) and name[len(a):len(a) + 1] in (".", "[") and a != name]
        if any(f_live[a].get("open") for a in ancestors):
            continue  # inside an object the server leaves untyped: reported once, at that object
        if f_ours[name].get("open") and any(k.startswith(name) for k in f_live):
            continue  # the spec leaves it open, the server details it: coverage, not drift
        out.append(f"field {name} only in the spec")
    for name in sorted(set(f_ours) & set(f_live)):
        if f_live[name].get("open") and not f_ours[name].get("open") and any(k.startswith(name) and k != name for k in f_ours):
            out.append(f"field {name} untyped on the server (the spec declares fields)")
    for name in sorted(set(f_live) - set(f_ours)):
        parent = name.rsplit(".", 1)[0] if "." in name else ""
        if parent and parent not in f_ours:
            continue  # inside an object the spec leaves open: reported once, at the parent
        if request and f_live[name]["required"]:
            out.append(f"field {name} only on the server (required)")
        else:
            out.append(f"{INFO}field {name} only on the server")
    for name in sorted(set(f_ours) & set(f_live)):
        a, b = f_ours[name], f_live[name]
        if request and b["required"] and not a["required"]:
            out.append(f"field {name} required on the server, optional in the spec")
        out.extend(f"field {name} {d}" for d in _enum_diff(a["enum"], b["enum"]))
        out.extend(f"field {name} {d}" for d in _enum_diff(a["kinds"], b["kinds"], "kind"))
    return out


def diff(spec: dict[str, Any], live: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(findings over the covered operations, uncovered server operations as findings)."""
    ours, theirs = Doc(spec), Doc(live)
    o_ops, l_ops = operations(spec), operations(live)
    findings: list[str] = []
    for key in sorted(o_ops):
        label = f"{key[0]} {o_ops[key][0]}"
        if key not in l_ops:
            findings.append(f"{label}: operation not on the server")
            continue
        findings.extend(compare_operation(label, ours, theirs, o_ops[key], l_ops[key]))
    uncovered = [f"{k[0]} {l_ops[k][0]}: not covered by the spec" for k in sorted(l_ops) if k not in o_ops]
    return findings, uncovered


__all__ = ["INFO", "Doc", "ack_pattern", "diff", "operations"]
