#!/usr/bin/env python3
"""Diff our specs against what each real server publishes at /openapi.json; fail on anything new.

    python scripts/check_drift.py                       # every target, each started fresh
    python scripts/check_drift.py --server agent        # agent 1.58.2 and 1.34.0 (or: agent-1.34.0, v1, v0)
    python scripts/check_drift.py --server agent --document saved.json   # diff a saved document instead
    python scripts/check_drift.py --propose             # also print ack entries for the new findings

Targets: ``agent`` (the pin, scripts/servers/agent_server.py, or ``$AGENT_VERSION``), ``agent-1.34.0``
(what V1 sandboxes run; any ``agent-<version>`` works, e.g. a new release before the pin moves),
``v1`` (openhands-ai 1.11.0), ``v0`` (openhands-ai 1.6.0). Each server is started fresh by its
launcher (loopback, throwaway state, random key), because ``/openapi.json`` grows once conversations
have run (tools register their schemas), and stopped again.

Over the operations our spec covers (``METHOD /path``; path parameter names ignored) it compares:

* the operation itself (gone from the server?);
* parameters: only in the spec, only on the server, ``required`` differences, enum values;
* request and response bodies: content types, fields (object properties, followed through ``$ref``
  and ``[X, null]`` unions, a few levels deep), ``required`` request fields, enum values, the
  ``kind`` values of discriminated unions;
* status codes: documented only in the spec, or only on the server;

and lists every server operation the spec does not cover. Each difference is one line (a "finding").
``specs/drift-ack.yaml`` acknowledges known findings, each with a one-line reason (most are
deliberate: see the ``# wire:`` comments in specs/). Exit 1 when a finding is not acknowledged;
acknowledgements that match nothing are reported as stale (exit 1 with ``--strict``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "scripts" / "servers"))

ACK_FILE = ROOT / "specs" / "drift-ack.yaml"
METHODS = ("get", "post", "put", "patch", "delete")
# What the server has and the spec does not declare, when the client need not send it, is not drift but
# coverage: response fields (objects stay open; the client keeps them in `additional_properties`),
# optional request fields and optional parameters. They are counted and listed with --verbose only;
# the same thing when required (a new required field or parameter) is a finding.
INFO = "info: "
MAX_DEPTH = 3  # nesting depth of compared body fields (top-level fields are depth 1)


@dataclass(frozen=True)
class Target:
    name: str  # agent, agent-1.34.0, v1, v0
    family: str  # the ack-file section: agent, v1, v0
    spec: str  # specs/<spec>.yaml


def targets() -> dict[str, Target]:
    import agent_server

    pin = agent_server.AGENT_SERVER_VERSION
    sandbox = agent_server.SANDBOX_AGENT_SERVER_VERSION
    return {
        "agent": Target("agent", "agent", "agent_server"),
        f"agent-{sandbox}": Target(f"agent-{sandbox}", "agent", "agent_server"),
        "v1": Target("v1", "v1", "app_server_v1"),
        "v0": Target("v0", "v0", "v0"),
    } | ({f"agent-{pin}": Target(f"agent-{pin}", "agent", "agent_server")} if pin else {})


# --- fetching the live document -----------------------------------------------------------------


def _get_json(url: str, key: str | None) -> Any:
    req = urllib.request.Request(url, headers={"X-Session-API-Key": key} if key else {})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read())


@contextlib.contextmanager
def live_document(target: Target) -> Iterator[tuple[dict[str, Any], str]]:
    """Start the target's real server fresh, yield (its /openapi.json, version label), stop it."""
    if target.family == "agent":
        import agent_server

        version = target.name.removeprefix("agent").removeprefix("-") or None
        with agent_server.running(version=version) as server:
            doc = _get_json(f"{server.url}/openapi.json", server.session_key)
            yield doc, f"agent server {server.version}"
    elif target.family == "v1":
        import app_server_v1

        with app_server_v1.start_app_server_v1(fake_llm=False) as app:
            yield _get_json(f"{app.url}/openapi.json", app.key), "V1 app server (openhands-ai 1.11.0)"
    else:
        import v0_server

        with v0_server.start_v0_server() as v0:
            yield _get_json(f"{v0.url}/openapi.json", v0.key), f"V0 app server (openhands-ai {v0_server.VERSION})"


# --- schema walking -----------------------------------------------------------------------------


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


# --- acknowledgements ---------------------------------------------------------------------------


@dataclass
class Ack:
    finding: str
    reason: str
    targets: list[str] | None
    pattern: re.Pattern[str]
    uncovered: bool = False
    used: bool = False


def load_acks(path: Path = ACK_FILE) -> dict[str, list[Ack]]:
    """``{family: [Ack]}`` from the ack file. Every entry needs a one-line reason.

    An entry is either ``{finding: "<finding text>", reason, targets?}`` (``*`` matches any text), or
    ``{uncovered: ["METHOD /path", ...], reason, targets?}``: server operations the spec does not cover
    on purpose, listed one by one so that an operation a new release adds shows up as new.
    """
    data = yaml.safe_load(path.read_text()) if path.exists() else {}
    out: dict[str, list[Ack]] = {}
    for family, entries in (data or {}).items():
        for entry in entries or []:
            reason = str(entry.get("reason", "")).strip()
            name = entry.get("finding") or (entry.get("uncovered") or ["?"])[0]
            if not reason or reason.upper().startswith("TODO") or "\n" in reason:
                raise SystemExit(f"{path.name}: {family}: {name!r} needs a one-line reason")
            only = entry.get("targets")
            only = [str(t) for t in only] if only else None
            if "uncovered" in entry:
                for op in entry["uncovered"]:
                    text = f"{op}: not covered by the spec"
                    out.setdefault(family, []).append(Ack(text, reason, only, re.compile("^" + re.escape(text) + "$"), True))
                continue
            text = str(entry["finding"])
            pattern = re.compile("^" + ".*".join(re.escape(p) for p in text.split("*")) + "$")
            out.setdefault(family, []).append(Ack(text, reason, only, pattern))
    return out


def acknowledged(finding: str, target: str, acks: list[Ack]) -> bool:
    hit = False
    for ack in acks:
        if (ack.targets is None or target in ack.targets) and ack.pattern.match(finding):
            ack.used = True
            hit = True
    return hit


# --- main ---------------------------------------------------------------------------------------


def check(target: Target, live: dict[str, Any], version: str, acks: dict[str, list[Ack]], *, verbose: bool) -> list[str]:
    spec = yaml.safe_load((ROOT / "specs" / f"{target.spec}.yaml").read_text())
    findings, uncovered = diff(spec, live)
    info = [f for f in findings if INFO in f]
    findings = [f for f in findings if f not in info]
    mine = acks.get(target.family, [])
    new = [f for f in findings + uncovered if not acknowledged(f, target.name, mine)]
    n_ops = len(operations(spec))
    print(f"== {target.name}: {version} vs specs/{target.spec}.yaml: {n_ops} covered operations, "
          f"{len(findings)} differences ({len(findings) - len([f for f in new if f in findings])} acknowledged), "
          f"{len(uncovered)} uncovered server operations ({len(uncovered) - len([f for f in new if f in uncovered])} acknowledged), "
          f"{len(info)} optional server-only fields/parameters (coverage, not drift)")
    if verbose:
        for line in findings + uncovered + info:
            print(("   info " if line in info else "   new  " if line in new else "   ack  ") + line.replace(INFO, ""))
    for line in new:
        print(f"NEW {target.name}: {line}")
    return new


def main(argv: list[str] | None = None) -> int:
    all_targets = targets()
    default = ["agent", f"agent-{__import__('agent_server').SANDBOX_AGENT_SERVER_VERSION}", "v1", "v0"]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", action="append", help=f"target(s): {', '.join(default)} (default: all); "
                        "'agent' alone also runs the sandbox version unless --pin-only")
    parser.add_argument("--document", type=Path, help="diff this saved /openapi.json instead of starting the server (one --server)")
    parser.add_argument("--save", type=Path, help="also save each fetched document into this folder")
    parser.add_argument("--verbose", "-v", action="store_true", help="print acknowledged findings too")
    parser.add_argument("--propose", action="store_true", help="print drift-ack.yaml entries for the new findings")
    parser.add_argument("--strict", action="store_true", help="fail on acknowledgements that matched nothing")
    args = parser.parse_args(argv)
    names: list[str] = []
    for name in args.server or default:
        for part in name.split(","):
            part = part.strip()
            if part == "agent" and not args.document and args.server:
                names += [n for n in ("agent", default[1]) if n not in names]
            elif part and part not in names:
                names.append(part)
    for n in names:  # any other agent server version: agent-1.59.0 (installed by the launcher)
        if re.fullmatch(r"agent-\d+\.\d+\.\d+", n) and n not in all_targets:
            all_targets[n] = Target(n, "agent", "agent_server")
    unknown = [n for n in names if n not in all_targets]
    if unknown:
        parser.error(f"unknown target(s) {unknown}; known: {', '.join(all_targets)}")
    acks = load_acks()
    new: dict[str, list[str]] = {}
    for name in names:
        target = all_targets[name]
        if args.document:
            live, version = json.loads(args.document.read_text()), f"{args.document.name}"
            new[name] = check(target, live, version, acks, verbose=args.verbose)
            continue
        with live_document(target) as (live, version):
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                (args.save / f"{name}.json").write_text(json.dumps(live, indent=1, sort_keys=True))
            new[name] = check(target, live, version, acks, verbose=args.verbose)
    # An ack is stale when it matched nothing although every target it applies to was checked.
    family_targets = {fam: [n for n in default if all_targets[n].family == fam] for fam in acks}
    stale = [(fam, a) for fam, lst in acks.items() for a in lst if not a.used
             and all(t in names for t in (a.targets or family_targets[fam]))]
    for family, ack in stale:
        print(f"stale ack ({family}): {ack.finding!r} matched nothing")
    if args.propose and any(new.values()):
        print("\n# proposed specs/drift-ack.yaml entries (write a real reason for each):")
        by_family: dict[str, list[tuple[str, str]]] = {}
        for name, lines in new.items():
            by_family.setdefault(all_targets[name].family, []).extend((name, line) for line in lines)
        for family, items in by_family.items():
            print(f"{family}:")
            ops = [(n, line.split(": not covered")[0]) for n, line in items if line.endswith(": not covered by the spec")]
            for name, line in items:
                if not line.endswith(": not covered by the spec"):
                    print(f"  - finding: {json.dumps(line)}\n    targets: [{name}]\n    reason: TODO")
            if ops:
                print("  - reason: TODO\n    uncovered:")
                for op in dict.fromkeys(op for _, op in ops):
                    print(f"      - {op}")
    total = sum(len(v) for v in new.values())
    print(f"check-drift: {total} new finding(s) in {', '.join(names)}" + (f"; {len(stale)} stale ack(s)" if stale else ""))
    return 1 if total or (args.strict and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
