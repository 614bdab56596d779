"""Counting a trajectory zip from its central directory: same answer as zipfile, flat memory, typed errors."""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openhands_api import UnexpectedContentError
from openhands_api._files import zip_names
from openhands_api.v1 import count_zip_events


def _zip(path: Path, names: list[str], *, comment: bytes = b"") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(name, "{}")
        archive.comment = comment
    return path


def test_names_match_zipfile_including_utf8_and_folders(tmp_path: Path) -> None:
    names = ["meta.json", "events/", "events/event_000001.json", "events/événement.json", "event_2.json"]
    path = _zip(tmp_path / "a.zip", names, comment=b"x" * 300)
    with zipfile.ZipFile(path) as archive:
        assert list(zip_names(path)) == [info.filename for info in archive.infolist()]
    assert count_zip_events(path) == 2


def test_zip64_and_prepended_data_are_read(tmp_path: Path) -> None:
    # More than 65,535 entries forces the zip64 end records; data before the archive shifts offsets.
    path = _zip(tmp_path / "big.zip", [f"e/event_{i}.json" for i in range(70_000)])
    shifted = tmp_path / "shifted.zip"
    shifted.write_bytes(b"#!/bin/sh\nexit 0\n" + path.read_bytes())
    assert count_zip_events(path) == count_zip_events(shifted) == 70_000


def test_memory_does_not_grow_with_entries(tmp_path: Path) -> None:
    path = _zip(tmp_path / "many.zip", [f"e/event_{i:06d}.json" for i in range(50_000)])
    count_zip_events(_zip(tmp_path / "warm.zip", ["event_1.json"]))  # caches (fnmatch) filled first
    tracemalloc.start()
    try:
        assert count_zip_events(path) == 50_000
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20  # zipfile's ZipInfo list alone takes ~30 MiB here


@pytest.mark.parametrize("content", [b"", b"<html>not a zip</html>", b"PK\x05\x06" + b"\xff" * 18, b"PK\x03\x04truncated"])
def test_not_a_zip_is_a_typed_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.zip"
    path.write_bytes(content)
    with pytest.raises(UnexpectedContentError):
        count_zip_events(path)


def test_truncated_central_directory_is_a_typed_error(tmp_path: Path) -> None:
    data = _zip(tmp_path / "ok.zip", [f"event_{i}.json" for i in range(50)]).read_bytes()
    cut = tmp_path / "cut.zip"
    eocd = data.rfind(b"PK\x05\x06")
    cut.write_bytes(data[: eocd - 200] + data[eocd:])  # directory shortened, end record intact
    with pytest.raises(UnexpectedContentError):
        count_zip_events(cut)
