"""Trajectory zips from a hostile server, and retry waits that stay inside their documented bounds."""

from __future__ import annotations

import io
import stat
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openhands_api import UnexpectedContentError, _retry
from openhands_api import _constants as C
from openhands_api._files import safe_extract, zip_entries
from openhands_api.compat.v1 import OpenHandsV1API
from openhands_api.v1 import count_zip_events

CID = "0123456789abcdef0123456789abcdef"


def make_zip(entries: dict[str, bytes], *, link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if link is not None:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


EVENTS = {f"event_{i:05d}.json": b"{}" for i in range(3)} | {"meta.json": b"{}"}


# --- zips ---------------------------------------------------------------------------------------------


def test_truncated_zip_is_a_typed_error(tmp_path: Path) -> None:
    path = tmp_path / "t.zip"
    path.write_bytes(make_zip(EVENTS)[:-30])
    with pytest.raises(UnexpectedContentError, match="not a readable zip"):
        count_zip_events(path)


def test_counting_reads_the_central_directory_only(tmp_path: Path) -> None:
    data = bytearray(make_zip({"event_00001.json": b"x" * 1000, "event_00002.json": b"y" * 1000}))
    start = data.index(b"event_00001.json") + len("event_00001.json")
    data[start:start + 20] = b"\xff" * 20  # the first entry's compressed bytes are now garbage
    path = tmp_path / "t.zip"
    path.write_bytes(bytes(data))
    assert count_zip_events(path) == 2


@pytest.mark.parametrize("evil", ["../evil.txt", "/abs/evil.txt", "a/../../evil.txt", "C:\\evil.txt", "..\\evil.txt"])
def test_extraction_refuses_entries_outside_the_target(tmp_path: Path, evil: str) -> None:
    path = tmp_path / "t.zip"
    path.write_bytes(make_zip({"event_00001.json": b"{}", evil: b"boom"}))
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(UnexpectedContentError, match="outside"):
        safe_extract(path, target)
    assert list(target.iterdir()) == [] and not (tmp_path / "evil.txt").exists()


def test_extraction_refuses_links(tmp_path: Path) -> None:
    path = tmp_path / "t.zip"
    path.write_bytes(make_zip({"event_00001.json": b"{}"}, link="event_00002.json"))
    with pytest.raises(UnexpectedContentError, match="link"):
        safe_extract(path, tmp_path / "out")


def test_extraction_refuses_a_zip_bomb_before_writing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    path.write_bytes(make_zip({"event_00001.json": b"0" * (4 << 20)}))  # 4 MiB of zeros, a few KiB zipped
    assert path.stat().st_size < 20_000
    with pytest.raises(UnexpectedContentError, match="expand past"):
        safe_extract(path, tmp_path / "out", max_bytes=1 << 20)
    assert not any((tmp_path / "out").glob("*"))


def zip_server(body: bytes) -> OpenHandsV1API:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == f"/api/v1/app-conversations/{CID}/download"
        return httpx.Response(200, headers={"content-type": "application/zip"}, content=body)

    return OpenHandsV1API(api_key="zip-test-key-0123456789", base_url="http://127.0.0.1:9",
                          http_transport=httpx.MockTransport(handler))


def test_facade_zip_fallback_on_a_truncated_zip_is_typed(tmp_path: Path) -> None:
    with zip_server(make_zip(EVENTS)[:-30]) as oh, pytest.raises(UnexpectedContentError):
        oh.count_events_via_trajectory_zip(CID, zip_file=tmp_path / "z.zip", extract_dir=tmp_path / "x")


def test_facade_zip_fallback_refuses_a_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(C, "MAX_EXTRACT_BYTES", 1 << 20)
    with zip_server(make_zip({"event_00001.json": b"0" * (4 << 20)})) as oh, pytest.raises(UnexpectedContentError):
        oh.count_events_via_trajectory_zip(CID, zip_file=tmp_path / "z.zip", extract_dir=tmp_path / "x")
    assert not any((tmp_path / "x").glob("*"))


def test_facade_zip_fallback_counts_a_good_zip(tmp_path: Path) -> None:
    with zip_server(make_zip(EVENTS)) as oh:
        result = oh.count_events_via_trajectory_zip(CID, zip_file=tmp_path / "z.zip", extract_dir=tmp_path / "x")
    assert result["event_count"] == 3 and result["has_meta"] is True
    assert len(zip_entries(tmp_path / "z.zip")) == 4


# --- retry waits ------------------------------------------------------------------------------------------


def test_retry_after_is_honoured_on_503_in_every_spelling() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    date = (now + timedelta(seconds=3)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert _retry.after_status(503, httpx.Headers({"retry-after": "1"}), True, 0, 2) == 1.0
    assert _retry.after_status(503, httpx.Headers({"retry-after-ms": "1500"}), True, 0, 2) == 1.5
    assert _retry.parse_retry_after(httpx.Headers({"retry-after": date}), now=lambda: now) == 3.0
    assert _retry.after_status(503, httpx.Headers({"retry-after": str(C.MAX_RETRY_AFTER_S + 1)}), True, 0, 2) is None
    assert _retry.after_status(503, httpx.Headers({"retry-after": "1"}), False, 0, 2) is None  # a POST: not repeated


@settings(max_examples=300, derandomize=True, database=None)
@given(status=st.sampled_from([408, 429, 500, 502, 503, 504]), attempt=st.integers(0, 50), safe=st.booleans(),
       retry_after=st.one_of(st.none(), st.text(max_size=40), st.floats(allow_nan=True).map(str), st.integers().map(str)),
       retry_after_ms=st.one_of(st.none(), st.text(max_size=20), st.floats().map(str)))
def test_no_retry_wait_is_outside_the_documented_bounds(status: int, attempt: int, safe: bool, retry_after: str | None,
                                                         retry_after_ms: str | None) -> None:
    headers = {k: v for k, v in (("retry-after", retry_after), ("retry-after-ms", retry_after_ms)) if v is not None}
    try:
        parsed = httpx.Headers(headers)
    except (UnicodeEncodeError, ValueError):
        return  # not a header httpx would hand over
    delay = _retry.after_status(status, parsed, safe, attempt, 100)
    assert delay is None or 0.0 <= delay <= max(C.MAX_RETRY_AFTER_S, C.MAX_RETRY_DELAY_S)
    backoff = _retry.backoff_delay(attempt)
    assert 0.75 * min(C.INITIAL_RETRY_DELAY_S * 2**min(attempt, 30), C.MAX_RETRY_DELAY_S) <= backoff <= C.MAX_RETRY_DELAY_S
