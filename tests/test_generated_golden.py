"""Golden record: generating from specs/ now must reproduce generated/ byte for byte.

This is `make check-generated` without git: a hand edit in generated/, a spec change that was not
regenerated, or a generator/ruff version drift all fail here, file by file.
"""

from __future__ import annotations

import filecmp
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import generate  # noqa: E402

SPECS = [stem for stem in generate.PACKAGES if (ROOT / "specs" / f"{stem}.yaml").exists()]


def _diff(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__"])
    problems = [f"only in generated/: {x}" for x in cmp.left_only] + [f"missing from generated/: {x}" for x in cmp.right_only]
    problems += [f"differs: {x}" for x in cmp.diff_files]
    for sub in cmp.common_dirs:
        problems += [f"{sub}/{p}" for p in _diff(a / sub, b / sub)]
    return problems


@pytest.mark.skipif(shutil.which("openapi-python-client", path=str(Path(sys.executable).parent)) is None,
                    reason="openapi-python-client is installed by `make venv`")
@pytest.mark.parametrize("spec", SPECS)
def test_generated_package_matches_a_fresh_generation(spec: str, tmp_path: Path) -> None:
    fresh = generate.generate(spec, out_root=tmp_path)
    committed = ROOT / "generated" / generate.PACKAGES[spec]
    # filecmp compares contents (shallow=False for equal-size files is forced by cmpfiles below).
    problems = _diff(committed, fresh)
    files = [str(p.relative_to(fresh)) for p in fresh.rglob("*") if p.is_file()]
    _, mismatch, errors = filecmp.cmpfiles(committed, fresh, files, shallow=False)
    problems += [f"content differs: {x}" for x in mismatch] + [f"unreadable: {x}" for x in errors]
    assert not problems, f"generated/{generate.PACKAGES[spec]} is not what specs/{spec}.yaml generates: {problems[:10]}"
