"""Files on the local disk: written whole or not at all; zips read without trusting them."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import struct
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import httpx

from . import _constants as C
from ._exceptions import UnexpectedContentError


@contextmanager
def atomic_target(path: str | os.PathLike[str]) -> Iterator[int]:
    """A file descriptor of a temporary file beside ``path``, renamed onto ``path`` only if the block
    succeeds: a failed download never leaves a partial file behind."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        yield fd
        # Why unlink first: a rename onto an existing file makes ext4 (auto_da_alloc) start writing the
        # new file out before the rename returns (0.8 ms per MB measured, as much as the download of
        # a local 1 MB file), a crash-safety heuristic for editors that a fresh copy does not need.
        # The old file is only removed once the new one is complete; for an instant there is none.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def refuse_html(response: httpx.Response) -> None:
    """For servers whose web app answers unknown paths with a page and 200: that page is not the file."""
    if "html" in response.headers.get("content-type", ""):
        raise UnexpectedContentError(
            "expected a file but got an HTML page", response=response,
            hint="the base URL or the id is probably wrong (a web app answered)",
        )


# What zipfile raises on a damaged or hostile archive besides BadZipFile.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, struct.error, ValueError, EOFError, NotImplementedError,
               OverflowError, UnicodeDecodeError, RuntimeError)


def zip_entries(path: str | os.PathLike[str]) -> list[zipfile.ZipInfo]:
    """The entries of a zip, read from its central directory only (no entry is decompressed).

    A file that is not a readable zip (truncated, an HTML page, a hostile directory) is an
    :class:`UnexpectedContentError`, never ``zipfile.BadZipFile``.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except _ZIP_ERRORS as exc:
        raise UnexpectedContentError(f"{os.fspath(path)} is not a readable zip file ({type(exc).__name__}: {exc})",
                                     hint="the download was cut short or is not a trajectory zip; download it again") from exc
    if len(entries) > C.MAX_ZIP_ENTRIES:
        raise UnexpectedContentError(f"{os.fspath(path)} has {len(entries)} entries, more than {C.MAX_ZIP_ENTRIES}")
    return entries


_EOCD = struct.Struct("<4s4H2LH")          # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")    # zip64 end of central directory locator
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")   # zip64 end of central directory record
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # central directory file header (46 bytes)
_MAX_EOCD_SEARCH = _EOCD.size + 0xFFFF      # the record plus the longest archive comment


def _end_of_directory(fh: BinaryIO, size: int) -> tuple[int, int]:
    """(offset of the central directory in the file, number of entries), from the end records."""
    fh.seek(max(0, size - _MAX_EOCD_SEARCH))
    tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        raise ValueError("no end of central directory record")
    eocd_pos = size - len(tail) + at
    _sig, _disk, _cd_disk, _n_disk, entries, cd_size, cd_offset, _comment = _EOCD.unpack_from(tail, at)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:  # zip64: the real values are elsewhere
        locator_pos = eocd_pos - _ZIP64_LOCATOR.size
        fh.seek(locator_pos)
        sig = _ZIP64_LOCATOR.unpack(fh.read(_ZIP64_LOCATOR.size))[0]
        if sig != b"PK\x06\x07":
            raise ValueError("zip64 locator missing")
        # The record sits right before its locator; its absolute offset in the locator is wrong when
        # data was prepended (zipfile reads it the same way).
        fh.seek(locator_pos - _ZIP64_EOCD.size)
        fields = _ZIP64_EOCD.unpack(fh.read(_ZIP64_EOCD.size))
        if fields[0] != b"PK\x06\x06":
            raise ValueError("zip64 end of central directory record missing")
        entries, cd_size, cd_offset = fields[7], fields[8], fields[9]
        eocd_pos = locator_pos - _ZIP64_EOCD.size
    # Data prepended to the archive shifts every offset (zipfile allows it too).
    start = eocd_pos - cd_size
    if start < 0 or cd_offset > start:
        raise ValueError("central directory out of bounds")
    return start, entries


def zip_names(path: str | os.PathLike[str]) -> Iterator[str]:
    """The entry names of a zip, streamed from its central directory: memory does not grow with the
    number of entries (``zipfile`` builds one ``ZipInfo`` per entry: +72 MiB for 100k entries), and
    no entry is decompressed. A file that is not a readable zip is :class:`UnexpectedContentError`.
    """
    try:
        with open(path, "rb") as raw:
            size = raw.seek(0, os.SEEK_END)
            start, entries = _end_of_directory(raw, size)
            if entries > C.MAX_ZIP_ENTRIES:
                raise ValueError(f"{entries} entries, more than {C.MAX_ZIP_ENTRIES}")
            raw.seek(start)
            fh = io.BufferedReader(raw, buffer_size=1 << 16)
            for _ in range(entries):
                header = fh.read(_CENTRAL.size)
                if len(header) < _CENTRAL.size:
                    raise ValueError("truncated central directory")
                fields = _CENTRAL.unpack(header)
                if fields[0] != b"PK\x01\x02":
                    raise ValueError("bad central directory entry")
                flags, name_len, extra_len, comment_len = fields[5], fields[12], fields[13], fields[14]
                name = fh.read(name_len)
                fh.read(extra_len + comment_len)
                yield name.decode("utf-8" if flags & 0x800 else "cp437")
    except (*_ZIP_ERRORS, OSError) as exc:
        raise UnexpectedContentError(f"{os.fspath(path)} is not a readable zip file ({type(exc).__name__}: {exc})",
                                     hint="the download was cut short or is not a trajectory zip; download it again") from exc


def _inside(target: Path, name: str) -> Path:
    """Where entry ``name`` lands under ``target``; refused when it would land anywhere else."""
    pure = PurePosixPath(name.replace("\\", "/"))
    dest = (target / pure).resolve()
    if pure.is_absolute() or ".." in pure.parts or ":" in name or not dest.is_relative_to(target):
        raise UnexpectedContentError(f"zip entry {name!r} would be written outside {target}; nothing was extracted")
    return dest


def safe_extract(path: str | os.PathLike[str], target: str | os.PathLike[str], *,
                 max_bytes: int | None = None) -> list[Path]:
    """Extract a zip into ``target``; refuse it whole (nothing written) when an entry would land
    outside ``target``, is a link, or the entries would expand past ``max_bytes`` together.

    The declared sizes are checked first; the bytes written are counted too, since a header may lie.
    """
    max_bytes = C.MAX_EXTRACT_BYTES if max_bytes is None else max_bytes
    folder = Path(target).resolve()
    entries = zip_entries(path)
    declared = 0
    plan: list[tuple[zipfile.ZipInfo, Path]] = []
    for info in entries:
        dest = _inside(folder, info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UnexpectedContentError(f"zip entry {info.filename!r} is a symbolic link; nothing was extracted")
        declared += info.file_size
        if declared > max_bytes:
            raise UnexpectedContentError(f"the zip would expand past {max_bytes} bytes; nothing was extracted",
                                         hint="pass a larger max_bytes= if the archive is trusted")
        plan.append((info, dest))
    written: list[Path] = []
    budget = max_bytes
    try:
        with zipfile.ZipFile(path) as archive:
            for info, dest in plan:
                if info.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, open(dest, "wb") as out:
                    written.append(dest)
                    while chunk := src.read(C.DOWNLOAD_CHUNK_BYTES):
                        budget -= len(chunk)
                        if budget < 0:
                            raise UnexpectedContentError(f"the zip expands past {max_bytes} bytes; extraction stopped")
                        out.write(chunk)
    except (*_ZIP_ERRORS, UnexpectedContentError) as exc:
        for file in written:  # no half-extracted archive is left behind
            file.unlink(missing_ok=True)
        if isinstance(exc, UnexpectedContentError):
            raise
        raise UnexpectedContentError(f"{os.fspath(path)} could not be extracted ({type(exc).__name__}: {exc})") from exc
    return written


__all__ = ["atomic_target", "refuse_html", "safe_extract", "zip_entries"]
