"""Reading the members of zip, gzip, bzip2, xz and tar archives as event files.

Members are streamed out of the archive one at a time into a private temporary file (named
only by a random name and the member's extension, never by the member's path, so a member
called ``../../etc/passwd`` cannot land anywhere), read by the ordinary reader for its
format and deleted. Decompression stops at a byte budget for the whole archive, so a bomb
costs at most that much disk and little memory; reaching it is reported, not raised.

Events from a member are named ``archive!member`` in ``asi_file``, e.g.
``logs.zip!dc01/Security.evtx`` or ``events.json.gz!events.json``.
"""

from __future__ import annotations

import bz2
import functools
import gzip
import io
import lzma
import os
import re
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import IO, Final, Literal, cast

import attrs

__all__ = [
    "DEFAULT_MAX_ARCHIVE_MEMBERS",
    "DEFAULT_MAX_DECOMPRESSED_BYTES",
    "ArchiveKind",
    "ArchiveMember",
    "archive_kind",
    "iter_archive",
    "zip_directory_size",
]

#: Default for ``load_events(max_decompressed_bytes=...)``: 4 GiB per archive file.
DEFAULT_MAX_DECOMPRESSED_BYTES: Final = 4 * 1024**3

#: Default for ``load_events(max_archive_members=...)``: members read from one archive.
DEFAULT_MAX_ARCHIVE_MEMBERS: Final = 10_000

#: Bytes allowed per zip directory entry (the 46-byte fixed part, a name and extra fields)
#: when a directory's size is turned into an entry count.
_ZIP_ENTRY_BYTES: Final = 46 + 256
#: The end of a zip: its end-of-central-directory record plus the longest comment.
_ZIP_TAIL_BYTES: Final = 22 + 65_535 + 20 + 56

#: Archive and compression formats whose members are read as event files.
ArchiveKind = Literal["zip", "gzip", "bz2", "xz", "tar"]

_CHUNK: Final = 1024 * 1024

_SAFE_SUFFIX: Final = re.compile(r"\.[A-Za-z0-9]{1,12}")

#: Errors decompressors and archive readers raise for corrupt or unsupported data.
_CORRUPT: Final = (
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    zipfile.BadZipFile,
    tarfile.TarError,
    zlib.error,
    lzma.LZMAError,
)

_OPENERS: Final[dict[str, Callable[[Path], IO[bytes]]]] = {
    "gzip": lambda path: cast("IO[bytes]", gzip.open(path, "rb")),  # noqa: SIM115 - caller closes
    "bz2": lambda path: bz2.open(path, "rb"),  # noqa: SIM115
    "xz": lambda path: lzma.open(path, "rb"),  # noqa: SIM115
}


@attrs.frozen(kw_only=True)
class ArchiveMember:
    """One member of an archive, ready to read, or why it cannot be.

    Attributes:
        name: ``archive!member`` (the archive itself when the whole archive is unreadable).
        path: a temporary copy of the member's content (deleted when the next member is
            asked for); ``None`` with an ``error``.
        error: what is wrong with the member (or the archive), else ``None``.
    """

    name: str
    path: Path | None
    error: str | None = None


class _LimitReachedError(Exception):
    pass


def archive_kind(head: bytes) -> ArchiveKind | None:
    """Tell an archive from its first bytes (at least 512 to see a plain tar).

    Examples:
        >>> archive_kind(b"PK\\x03\\x04rest"), archive_kind(b"{}")
        ('zip', None)
    """
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh"):
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head[257:262] == b"ustar":
        return "tar"
    return None


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _Budget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def copy(self, source: IO[bytes], target: IO[bytes], first: bytes = b"") -> None:
        chunk = first
        while True:
            if chunk:
                self.used += len(chunk)
                if self.used > self.limit:
                    raise _LimitReachedError
                target.write(chunk)
            chunk = source.read(min(_CHUNK, self.limit - self.used + 1))
            if not chunk:
                return

    @property
    def exhausted(self) -> bool:
        """Whether a copy passed the limit (nothing more is read)."""
        return self.used > self.limit

    def message(self) -> str:
        return (
            f"decompressed content passed the limit of {self.limit:,} bytes "
            "(max_decompressed_bytes); the rest of the archive was not read"
        )


def _spool(workdir: Path, member: str) -> tuple[Path, IO[bytes]]:
    suffix = Path(member).suffix
    if not _SAFE_SUFFIX.fullmatch(suffix):
        suffix = ""
    handle, name = tempfile.mkstemp(suffix=suffix, dir=workdir)
    return Path(name), os.fdopen(handle, "wb")


def _extract(
    file: Path,
    member: str,
    open_source: Callable[[], IO[bytes] | None],
    workdir: Path,
    budget: _Budget,
    corrupt: str,
) -> Generator[ArchiveMember, None, bool]:
    """Spool ``member`` to ``workdir`` and yield it (the file is removed once the caller moves
    on), or yield why it could not be read (``corrupt`` starts that message when the member
    is damaged). Returns whether it was read whole."""
    name = f"{file}!{member}"
    path, target = _spool(workdir, member)
    try:
        # A member without a data stream (``extractfile`` gives None) is an empty file.
        with target, open_source() or io.BytesIO() as source:
            budget.copy(source, target)
    except _LimitReachedError:
        path.unlink()
        yield ArchiveMember(name=name, path=None, error=budget.message())
        return False
    except _CORRUPT as exc:
        path.unlink()
        yield ArchiveMember(name=name, path=None, error=f"{corrupt}: {_short(exc)}")
        return False
    yield ArchiveMember(name=name, path=path)
    path.unlink(missing_ok=True)
    return True


def zip_directory_size(file: Path) -> int | None:
    """An upper bound on the entries of a zip's central directory, read from its end record.

    The larger of the entry count the end record states and the entries of 302 bytes (the
    fixed part, a 256-character name) its directory size could hold, so neither a forged
    count nor a forged size hides a directory of hundreds of thousands of entries; ``None``
    when no end record is found (``zipfile`` then reports the archive as corrupt).

    Examples:
        >>> import io, pathlib, tempfile, zipfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "two.zip"
        >>> with zipfile.ZipFile(path, "w") as archive:
        ...     archive.writestr("a.json", "{}")
        ...     archive.writestr("b.json", "{}")
        >>> zip_directory_size(path)
        2
    """
    with file.open("rb") as stream:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(max(0, size - _ZIP_TAIL_BYTES))
        tail = stream.read()
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) - end < 22:
        return None
    count = int.from_bytes(tail[end + 10 : end + 12], "little")
    directory = int.from_bytes(tail[end + 12 : end + 16], "little")
    zip64 = tail.rfind(b"PK\x06\x06", 0, end)
    if zip64 >= 0 and end - zip64 >= 56:
        count = max(count, int.from_bytes(tail[zip64 + 32 : zip64 + 40], "little"))
        directory = max(directory, int.from_bytes(tail[zip64 + 40 : zip64 + 48], "little"))
    return max(count, directory // _ZIP_ENTRY_BYTES)


def _unread(file: Path, error: str) -> ArchiveMember:
    """The whole archive (or its rest) not read, and why."""
    return ArchiveMember(name=str(file), path=None, error=error)


def iter_archive(
    file: Path,
    kind: ArchiveKind,
    *,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    max_archive_members: int = DEFAULT_MAX_ARCHIVE_MEMBERS,
) -> Iterator[ArchiveMember]:
    """Yield each regular member of an archive as a temporary file, or as an error.

    Directories, links and devices in a tar are passed over. A corrupt zip member is
    reported and the next one read; a tar or compressed stream cannot be resumed after
    corruption, so reading stops there. Once ``max_decompressed_bytes`` have come out of
    the archive the member being read is reported and nothing more is read. A zip whose
    directory could hold more than ``max_archive_members`` entries is not opened at all
    (parsing a forged directory is the cost); a tar stops after that many members.

    Examples:
        >>> import gzip, pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "events.jsonl.gz"
        >>> _ = path.write_bytes(gzip.compress(b'{"a": 1}\\n'))
        >>> [m.name.endswith("events.jsonl.gz!events.jsonl") for m in iter_archive(path, "gzip")]
        [True]
    """
    budget = _Budget(max_decompressed_bytes)
    with tempfile.TemporaryDirectory(prefix="asisdk-archive-") as work:
        workdir = Path(work)
        if kind == "zip":
            entries = zip_directory_size(file)
            if entries is not None and entries > max_archive_members:
                yield _unread(
                    file,
                    f"the zip directory has room for {entries:,} entries, more than "
                    f"{max_archive_members:,} (max_archive_members); the archive was not read",
                )
                return
            yield from _zip_members(file, workdir, budget)
            return
        members = (
            _tar_members(file, None, workdir, budget)
            if kind == "tar"
            else _stream_members(file, kind, workdir, budget)
        )
        yield from _counted(members, file, max_archive_members)


def _counted(members: Iterator[ArchiveMember], file: Path, limit: int) -> Iterator[ArchiveMember]:
    for count, member in enumerate(members, start=1):
        if count > limit:
            yield _unread(
                file,
                f"more than {limit:,} members (max_archive_members); the rest of the archive "
                "was not read",
            )
            return
        yield member


def _zip_members(file: Path, workdir: Path, budget: _Budget) -> Iterator[ArchiveMember]:
    try:
        archive = zipfile.ZipFile(file)
    except _CORRUPT as exc:
        yield _unread(file, f"cannot read the archive: {_short(exc)}")
        return
    with archive:
        for info in archive.infolist():
            name = f"{file}!{info.filename}"
            if not info.filename:  # is_dir() raises IndexError on it
                yield ArchiveMember(name=name, path=None, error="a member with an empty name")
                continue
            if info.is_dir():
                continue
            read = functools.partial(archive.open, info)
            yield from _extract(
                file, info.filename, read, workdir, budget, "cannot read the member"
            )
            if budget.exhausted:
                return  # a damaged member is passed over; a passed limit ends the archive


def _tar_members(
    file: Path, stream: IO[bytes] | None, workdir: Path, budget: _Budget
) -> Iterator[ArchiveMember]:
    try:
        archive = tarfile.open(file, mode="r|", fileobj=stream)  # noqa: SIM115 - closed below
    except _CORRUPT as exc:
        yield _unread(file, f"cannot read the archive: {_short(exc)}")
        return
    name = str(file)  # then the member last read, where the damage shows
    with archive:
        members = iter(archive)
        while True:
            try:
                info = next(members)
            except StopIteration:
                return
            except _CORRUPT as exc:
                error = f"cannot read the rest of the archive: {_short(exc)}"
                yield ArchiveMember(name=name, path=None, error=error)
                return
            if not info.isfile():
                continue
            name = f"{file}!{info.name}"
            read = functools.partial(archive.extractfile, info)
            corrupt = "cannot read the member (the rest of the archive is not read)"
            if not (yield from _extract(file, info.name, read, workdir, budget, corrupt)):
                return


def _stream_members(
    file: Path, kind: ArchiveKind, workdir: Path, budget: _Budget
) -> Iterator[ArchiveMember]:
    try:
        with _OPENERS[kind](file) as probe:
            head = probe.read(512)
    except _CORRUPT as exc:
        yield _unread(file, f"cannot read the archive: {_short(exc)}")
        return
    if archive_kind(head) == "tar":
        with _OPENERS[kind](file) as stream:
            yield from _tar_members(file, stream, workdir, budget)
        return
    inner = file.stem if file.suffix else f"{file.name}.out"
    read = functools.partial(_OPENERS[kind], file)
    yield from _extract(file, inner, read, workdir, budget, "cannot decompress")
