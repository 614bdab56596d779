"""The covered-operations summary of a spec that ships in its generated package (``_spec_summary.json``).

``openhands-api doctor`` compares it with a server's ``/openapi.json`` (the installed package has no
``specs/``): the spec's ``paths`` and the component schemas they reach, without prose (descriptions,
examples, titles, ``x-`` extensions: the comparison reads none of them), plus the acknowledged
findings of the spec's section of specs/drift-ack.yaml and the pinned agent-server version (the ack
target ``agent``). Written by scripts/generate.py; ``make check-generated`` fails when it is stale.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
FAMILY = {"agent_server": "agent", "app_server_v1": "v1", "v0": "v0"}
PROSE = {"description", "example", "examples", "title", "summary", "externalDocs", "tags", "operationId"}


def _strip(node: Any) -> Any:
    """``node`` without prose keywords; the keys of ``properties`` are field names and all kept."""
    if isinstance(node, list):
        return [_strip(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key in PROSE or key.startswith("x-"):
            continue
        out[key] = {k: _strip(v) for k, v in value.items()} if key == "properties" and isinstance(value, dict) else _strip(value)
    return out


def _reached(node: Any, components: dict[str, Any], found: set[tuple[str, str]]) -> None:
    """Collect every ``#/components/<section>/<name>`` that ``node`` reaches, transitively."""
    if isinstance(node, list):
        for v in node:
            _reached(v, components, found)
    elif isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            section, name = ref.removeprefix("#/components/").split("/", 1)
            target = (components.get(section) or {}).get(name)
            if (section, name) not in found and target is not None:
                found.add((section, name))
                _reached(target, components, found)
        for value in node.values():
            _reached(value, components, found)


def summary(spec: str) -> dict[str, Any]:
    doc = yaml.safe_load((ROOT / "specs" / f"{spec}.yaml").read_text())
    components = doc.get("components") or {}
    found: set[tuple[str, str]] = set()
    _reached(doc.get("paths") or {}, components, found)
    kept: dict[str, dict[str, Any]] = {}
    for section, name in sorted(found):
        kept.setdefault(section, {})[name] = _strip(components[section][name])
    acks = (yaml.safe_load((ROOT / "specs" / "drift-ack.yaml").read_text()) or {}).get(FAMILY[spec]) or []
    sys.path.insert(0, str(ROOT / "scripts" / "servers"))
    import agent_server

    return {
        "spec": f"specs/{spec}.yaml",
        "family": FAMILY[spec],
        "pinned_agent_version": agent_server.AGENT_SERVER_VERSION,
        "document": {"paths": _strip(doc.get("paths") or {}), "components": kept},
        "acks": [{"finding": str(a["finding"]), "targets": a.get("targets")} for a in acks if "finding" in a],
    }


def write(spec: str, out: Path) -> Path:
    path = out / "_spec_summary.json"
    path.write_text(json.dumps(summary(spec), sort_keys=True, separators=(",", ":")) + "\n")
    return path
