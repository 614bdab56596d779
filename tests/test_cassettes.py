"""The recorded cassettes hold no secret, and every operation of every spec was recorded from a real server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import check_cassettes  # noqa: E402


def test_no_secret_in_any_cassette() -> None:
    cassettes = list(check_cassettes.cassettes(check_cassettes.CONTRACT))
    assert cassettes, "no cassettes found"
    assert check_cassettes.scan_secrets(cassettes) == []


def test_the_secret_scan_catches_leaks(tmp_path: Path) -> None:
    leaky = tmp_path / "cassettes" / "leak.yaml"
    leaky.parent.mkdir()
    leaky.write_text(
        "interactions:\n- request:\n    headers:\n      x-session-api-key:\n      - real-key-value\n"
        "    body: ''\n    method: GET\n    uri: http://server.test/x\n"
        "  response:\n    headers:\n      set-cookie:\n      - sid=abc\n"
        "    body:\n      string: '{\"session_api_key\": \"r2vOM6vTabcdefgh\", \"ok\": null}'\n"
    )
    check_cassettes.ROOT = tmp_path  # relative names in messages
    try:
        problems = check_cassettes.scan_secrets([leaky])
    finally:
        check_cassettes.ROOT = ROOT
    assert any("x-session-api-key" in p for p in problems)
    assert any("Set-Cookie" in p for p in problems)
    assert any("session_api_key" in p for p in problems)


@pytest.mark.parametrize("spec", [s for s in check_cassettes.SERVERS if (ROOT / "specs" / f"{s}.yaml").exists()])
def test_every_spec_operation_appears_in_a_cassette(spec: str) -> None:
    missing = [m for m in check_cassettes.uncovered() if m.startswith(f"specs/{spec}.yaml")]
    assert missing == []
