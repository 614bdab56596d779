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
from openhands_api._drift import INFO, ack_pattern, diff, operations

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "scripts" / "servers"))

ACK_FILE = ROOT / "specs" / "drift-ack.yaml"


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
            pattern = ack_pattern(text)
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
