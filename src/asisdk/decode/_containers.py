"""Bounded, streaming readers for compressed streams and archives.

Nothing here reads a whole stream into memory before checking its size: decompressors are
driven with ``max_length`` and stop at the limit, archive members are read in bounded pieces,
and the member count is checked before an archive's directory is parsed. Every function
returns what it could read plus an error message, and never raises.
"""

from __future__ import annotations

import bz2
import io
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Final, Literal, Protocol

import attrs

__all__ = [
    "Member",
    "StreamKind",
    "decompress",
    "gzip_member_name",
    "inflates_to_something",
    "tar_members",
    "zip_members",
]

#: Output requested from a decompressor per call.
_PIECE: Final = 64 * 1024
#: Input fed per step when salvaging the content of a damaged zlib/gzip/deflate stream.
_SALVAGE_STEP: Final = 64
#: Memory an xz decoder may use (its dictionary); larger claims are refused.
_XZ_MEMLIMIT: Final = 256 * 1024 * 1024
#: Output inflated to judge whether unknown bytes are a raw deflate stream.
_PROBE_BYTES: Final = 4096
#: Shortest raw deflate stream considered (shorter "streams" are mostly noise).
_MIN_DEFLATE_INPUT: Final = 8
_ZIP_EOCD = b"PK\x05\x06"
_ZIP_EOCD_SIZE: Final = 22
_ZIP_MAX_COMMENT: Final = 0xFFFF
_ZIP_LOCAL_HEADER: Final = 30
_ZIP_CD = b"PK\x01\x02"
_ZIP_CD_HEADER: Final = 46
_ZIP64_MARK: Final = 0xFFFFFFFF
_ZIP64_COUNT: Final = 0xFFFF
_GZIP_FEXTRA: Final = 0x04
_GZIP_FNAME: Final = 0x08
_GZIP_FCOMMENT: Final = 0x10
_GZIP_FHCRC: Final = 0x02
_GZIP_HEADER: Final = 10
_ZIP_ENCRYPTED: Final = 0x1

#: Single-stream formats.
StreamKind = Literal["gzip", "zlib", "deflate", "bz2", "xz"]

_ZLIB_WBITS: Final[dict[str, int]] = {"gzip": 31, "zlib": 15, "deflate": -15}


@attrs.frozen
class Member:
    """One regular file read from an archive."""

    name: str
    data: bytes
    start: int
    end: int
    error: str | None = None


def _limit_message(limit: int) -> str:
    return (
        f"max_decompressed_bytes={limit} reached: output cut at the limit "
        "(raise DecodeLimits.max_decompressed_bytes to read more)"
    )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class _Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...
    @property
    def needs_input(self) -> bool: ...
    def decompress(self, data: bytes, max_length: int = ...) -> bytes: ...


class _Judge(Protocol):
    def __call__(self, head: bytes, /) -> bool: ...


def _zlib_stream(kind: str, data: bytes, limit: int, out: bytearray) -> tuple[bytes, str | None]:
    pending = data
    while True:
        decoder = zlib.decompressobj(_ZLIB_WBITS[kind])
        buffer = pending
        while not decoder.eof:
            want = min(_PIECE, limit + 1 - len(out))
            chunk = decoder.decompress(buffer, want)
            out += chunk
            if len(out) > limit:
                return bytes(out[:limit]), _limit_message(limit)
            buffer = decoder.unconsumed_tail
            if not chunk and not buffer:
                return bytes(out), f"truncated {kind} stream: the data ends before the stream"
        pending = decoder.unused_data
        # A gzip file may hold several members back to back; anything else after is ignored.
        if not (kind == "gzip" and pending.startswith(b"\x1f\x8b")):
            return bytes(out), None


def _new_decoder(kind: str) -> _Decompressor:
    if kind == "bz2":
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor(format=lzma.FORMAT_XZ, memlimit=_XZ_MEMLIMIT)


def _chunked_stream(kind: str, data: bytes, limit: int, out: bytearray) -> tuple[bytes, str | None]:
    magic = b"BZh" if kind == "bz2" else b"\xfd7zXZ\x00"
    pending = data
    while True:
        decoder = _new_decoder(kind)
        buffer = pending
        while not decoder.eof:
            if decoder.needs_input and not buffer:
                return bytes(out), f"truncated {kind} stream: the data ends before the stream"
            chunk = decoder.decompress(buffer, min(_PIECE, limit + 1 - len(out)))
            if not chunk and not buffer and not decoder.eof:
                # No input given and no output made: never spin on a stalled decoder.
                return bytes(out), f"truncated {kind} stream: the data ends before the stream"
            buffer = b""
            out += chunk
            if len(out) > limit:
                return bytes(out[:limit]), _limit_message(limit)
        pending = decoder.unused_data
        if not pending.startswith(magic):
            return bytes(out), None


def decompress(kind: StreamKind, data: bytes, *, limit: int) -> tuple[bytes, str | None]:
    """Decompress one stream, producing at most ``limit`` bytes.

    Returns the output (cut at ``limit``; up to the damage for a corrupt stream) and ``None``
    or an error: the limit, a truncated stream, a bad checksum, corrupt data.
    """
    out = bytearray()
    try:
        if kind in _ZLIB_WBITS:
            return _zlib_stream(kind, data, limit, out)
        return _chunked_stream(kind, data, limit, out)
    except Exception as exc:  # zlib.error, OSError, EOFError, LZMAError, ValueError ...
        error = f"corrupt {kind} stream: {_describe(exc)}"
    # Keep what came out before the damage (a bad checksum spoils none of the content).
    if kind in _ZLIB_WBITS:
        return _salvage_zlib(kind, data, limit), error
    return bytes(out[:limit]), error


def _deflate_body(kind: str, data: bytes) -> bytes:
    """The raw deflate data inside a gzip or zlib wrapper (header skipped, checksum ignored)."""
    if kind == "zlib":
        return data[2:]
    if kind == "deflate" or len(data) < _GZIP_HEADER:
        return data
    flags = data[3]
    position = _GZIP_HEADER
    if flags & _GZIP_FEXTRA:
        position += 2 + int.from_bytes(data[position : position + 2], "little")
    for flag in (_GZIP_FNAME, _GZIP_FCOMMENT):
        if flags & flag:
            position = data.find(b"\x00", position) + 1 or len(data)
    if flags & _GZIP_FHCRC:
        position += 2
    return data[position:]


def _salvage_zlib(kind: str, data: bytes, limit: int) -> bytes:
    """Inflate up to the damage, without checksums (only on the error path)."""
    out = bytearray()
    decoder = zlib.decompressobj(-15)
    body = _deflate_body(kind, data)
    try:
        for position in range(0, len(body), _SALVAGE_STEP):
            buffer = body[position : position + _SALVAGE_STEP]
            while buffer and not decoder.eof:
                out += decoder.decompress(buffer, limit + 1 - len(out))
                if len(out) > limit:
                    return bytes(out[:limit])
                buffer = decoder.unconsumed_tail
            if decoder.eof:
                break
    except zlib.error:
        pass
    return bytes(out)


def inflates_to_something(data: bytes, judge: _Judge) -> bool:
    """Whether unknown bytes are a raw deflate stream whose first output ``judge`` accepts."""
    if len(data) < _MIN_DEFLATE_INPUT or data[0] & 0b110 == 0b110:  # BTYPE 3 is invalid
        return False
    decoder = zlib.decompressobj(-15)
    try:
        head = decoder.decompress(data, _PROBE_BYTES)
    except zlib.error:
        return False
    if not head:
        return False
    if len(head) < _PROBE_BYTES and not (decoder.eof and not decoder.unused_data):
        return False
    return judge(head)


def gzip_member_name(data: bytes) -> str | None:
    """Return the file name stored in a gzip header, if any."""
    if len(data) < _GZIP_HEADER or not data[3] & _GZIP_FNAME:
        return None
    position = _GZIP_HEADER
    if data[3] & _GZIP_FEXTRA:
        position += 2 + int.from_bytes(data[position : position + 2], "little")
    end = data.find(b"\x00", position)
    if end < 0:
        return None
    return data[position:end].decode("latin-1")


def _eocd(data: bytes) -> int | None:
    tail_start = max(0, len(data) - _ZIP_EOCD_SIZE - _ZIP_MAX_COMMENT)
    position = data.rfind(_ZIP_EOCD, tail_start)
    if position < 0 or position + _ZIP_EOCD_SIZE > len(data):
        return None
    return position


def _u16(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 2], "little")


def _u32(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "little")


def _bounded_directory(data: bytes, max_members: int) -> tuple[bytes, int | None]:
    """``data`` with its central directory cut after ``max_members`` entries.

    The entry count in the end record can be forged (a small count over a directory of
    350,000 entries): the directory itself is walked, and at most ``max_members + 1``
    entries of it, so the zip module never parses more. Returns the (possibly rewritten)
    archive and the number of entries found when there were more than ``max_members``.
    """
    eocd = _eocd(data)
    if eocd is None:
        return data, None
    size, offset = _u32(data, eocd + 12), _u32(data, eocd + 16)
    if offset == _ZIP64_MARK or size == _ZIP64_MARK or _u16(data, eocd + 10) == _ZIP64_COUNT:
        return data, None  # zip64: left to the zip module
    position, entries = offset, 0
    end = min(offset + size, eocd)
    while position + _ZIP_CD_HEADER <= end and data.startswith(_ZIP_CD, position):
        if entries == max_members:
            cut = position - offset
            record = bytearray(data[eocd : eocd + _ZIP_EOCD_SIZE])
            record[8:10] = record[10:12] = entries.to_bytes(2, "little")
            record[12:16] = cut.to_bytes(4, "little")
            record[20:22] = b"\x00\x00"  # no comment
            return data[:position] + bytes(record), entries + 1
        names = _u16(data, position + 28) + _u16(data, position + 30) + _u16(data, position + 32)
        position += _ZIP_CD_HEADER + names
        entries += 1
    return data, None


def _zip_data_span(data: bytes, info: zipfile.ZipInfo) -> tuple[int, int]:
    offset = info.header_offset
    header = data[offset : offset + _ZIP_LOCAL_HEADER]
    if len(header) < _ZIP_LOCAL_HEADER:
        return offset, offset
    name_len = int.from_bytes(header[26:28], "little")
    extra_len = int.from_bytes(header[28:30], "little")
    start = offset + _ZIP_LOCAL_HEADER + name_len + extra_len
    return start, start + info.compress_size


def _read_bounded(handle: IO[bytes], limit: int) -> bytes:
    out = bytearray()
    while len(out) <= limit:
        piece = handle.read(min(_PIECE, limit + 1 - len(out)))
        if not piece:
            break
        out += piece
    return bytes(out)


class _Limit(Protocol):
    def __call__(self) -> int: ...


def zip_members(
    data: bytes, *, max_members: int, limit: int | _Limit
) -> tuple[Iterator[Member], str | None]:
    """The regular files of a zip archive (stored or deflated, bz2, lzma members).

    Returns an iterator that reads each member only when it is reached (so a caller that
    charges each member against a budget never holds more than one unread), and an error for
    the archive as a whole (corrupt, too many members). ``limit`` may be a callable giving
    the bytes one member may produce *now* (what is left of the caller's budget).
    """
    bounded, found = _bounded_directory(data, max_members)
    archive_error = None
    if found is not None:
        archive_error = (
            f"max_archive_members={max_members} reached: the zip directory holds more "
            "entries; later members not read (raise DecodeLimits.max_archive_members)"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(bounded))
    except MemoryError:
        raise
    except Exception as exc:  # hostile bytes reach many error types (even NotImplementedError)
        return iter(()), f"corrupt zip: {_describe(exc)}"
    # ``ZipInfo.is_dir`` fails on an empty name: test the name itself.
    infos = [info for info in archive.infolist() if not info.filename.endswith("/")]
    if len(infos) > max_members:
        archive_error = (
            f"max_archive_members={max_members} reached: {len(infos) - max_members} members "
            "not read (raise DecodeLimits.max_archive_members to read them)"
        )
        infos = infos[:max_members]
    return _read_members(archive, data, infos, limit), archive_error


def _read_members(
    archive: zipfile.ZipFile, data: bytes, infos: list[zipfile.ZipInfo], limit: int | _Limit
) -> Iterator[Member]:
    for info in infos:
        start, end = _zip_data_span(data, info)
        if info.flag_bits & _ZIP_ENCRYPTED:
            yield Member(info.filename, b"", start, end, "encrypted zip member: needs a password")
            continue
        cap = limit() if callable(limit) else limit
        try:
            with archive.open(info) as handle:
                content = _read_bounded(handle, cap)
        except MemoryError:
            raise
        except Exception as exc:  # zipfile raises many types for corrupt members
            yield Member(info.filename, b"", start, end, f"corrupt zip member: {_describe(exc)}")
            continue
        error = None
        if len(content) > cap:
            content, error = content[:cap], _limit_message(cap)
        yield Member(info.filename, content, start, end, error)


def tar_members(data: bytes, *, max_members: int, limit: int) -> tuple[list[Member], str | None]:
    """Read the regular files of an (uncompressed) tar archive, checking sizes first."""
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:")  # noqa: SIM115
    except Exception as exc:  # hostile bytes reach many error types
        return [], f"corrupt tar: {_describe(exc)}"
    members: list[Member] = []
    seen = 0
    archive_error: str | None = None
    while True:
        try:
            info = archive.next()
        except Exception as exc:  # hostile bytes reach many error types
            archive_error = f"corrupt tar: {_describe(exc)}"
            break
        if info is None:
            break
        if not info.isfile():
            continue
        seen += 1
        if seen > max_members:
            archive_error = (
                f"max_archive_members={max_members} reached: later members not read "
                "(raise DecodeLimits.max_archive_members to read them)"
            )
            break
        start = info.offset_data
        error = None
        size = info.size
        if size > limit:
            size, error = (
                limit,
                (
                    f"max_decompressed_bytes={limit} reached: member is {info.size} bytes, "
                    "read up to the limit (raise DecodeLimits.max_decompressed_bytes to read more)"
                ),
            )
        content = data[start : start + size]
        if len(content) < size:
            error = f"truncated tar member: {len(content)} of {info.size} bytes present"
        members.append(Member(info.name, content, start, start + len(content), error))
    return members, archive_error
