"""Deciding what decoded bytes are: a known file format, text, or noise.

A candidate span is only a layer when its bytes are a known format (by magic bytes) or read
as plausible text. That test is what keeps hashes, identifiers and random tokens out.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from typing import Final

from asisdk.decode._model import FileType

__all__ = ["looks_like_text", "sniff_format", "sniff_text"]

#: Characters of text that are examined for plausibility (the head of a long text).
_TEXT_SAMPLE: Final = 8192
#: Share of control characters tolerated in long text (none in short text).
_MAX_CONTROL_SHARE: Final = 0.01
#: Texts shorter than this must be free of control characters.
_SHORT_TEXT: Final = 64
#: Least share of ASCII characters in UTF-8 text (decoded noise is mostly non-ASCII).
_MIN_ASCII_SHARE: Final = 0.6
#: Least share of zero high bytes for bytes to be read as UTF-16LE without a BOM.
_MIN_UTF16_ZERO_SHARE: Final = 0.5
#: Bytes of a zlib stream inflated to confirm its two-byte header.
_ZLIB_PROBE: Final = 64

#: First byte of a zlib stream with a 32 KiB window (the one every encoder writes).
_ZLIB_CMF: Final = 0x78

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_VISIBLE = re.compile(r"[^\s]")


def _is_pe(data: bytes) -> bool:
    if len(data) < 64 or data[:2] != b"MZ":
        return False
    offset = int.from_bytes(data[60:64], "little")
    # A PE header may lie beyond what was decoded; a DOS stub alone still counts when short.
    if offset + 4 <= len(data):
        return data[offset : offset + 4] == b"PE\x00\x00"
    return b"This program cannot be run in DOS mode" in data[:512]


def _is_tar(data: bytes) -> bool:
    if data[257:262] == b"ustar":
        return True
    try:
        stored = int(data[148:156].replace(b"\x00", b" ").strip() or b"-1", 8)
    except ValueError:
        return False
    header = data[:148] + b" " * 8 + data[156:512]
    return stored == sum(header) and data[0] != 0


def _is_zlib(data: bytes) -> bool:
    if len(data) < 2:
        return False
    cmf, flg = data[0], data[1]
    if cmf & 0x0F != 8 or cmf >> 4 > 7 or (cmf << 8 | flg) % 31 or flg & 0x20:
        return False
    try:
        zlib.decompressobj().decompress(data, _ZLIB_PROBE)
    except zlib.error:
        return False
    return True


_PREFIXES: Final[tuple[tuple[bytes, FileType], ...]] = (
    (b"\x1f\x8b\x08", "gzip"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"PK\x07\x08", "zip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x7fELF", "elf"),
    (b"%PDF-", "pdf"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!\x1a\x07", "rar"),
    (b"MSCF\x00\x00\x00\x00", "cab"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"\xcf\xfa\xed\xfe", "macho"),
    (b"\xce\xfa\xed\xfe", "macho"),
    (b"\xca\xfe\xba\xbe", "java-class"),
)
_BZ2 = re.compile(rb"BZh[1-9]1AY&SY")


_BY_FIRST_BYTE: Final[dict[int, tuple[tuple[bytes, FileType], ...]]] = {
    first: tuple(entry for entry in _PREFIXES if entry[0][0] == first)
    for first in {prefix[0] for prefix, _ in _PREFIXES}
}
_TAR_HEADER: Final = 512


def sniff_format(data: bytes) -> FileType | None:
    """Return the known file format of ``data`` from its magic bytes, or ``None``."""
    if not data:
        return None
    first = data[0]
    for prefix, kind in _BY_FIRST_BYTE.get(first, ()):
        if data.startswith(prefix):
            return kind
    if first == ord("B") and _BZ2.match(data):
        return "bz2"
    if first == ord("M") and _is_pe(data):
        return "pe"
    if len(data) >= _TAR_HEADER and _is_tar(data):
        return "tar"
    if first == _ZLIB_CMF and _is_zlib(data):
        return "zlib"
    return None


def looks_like_text(text: str) -> bool:
    """Whether ``text`` reads as text rather than decoded noise.

    Text must have visible characters, almost no control characters (none when short), a
    majority of ASCII, and only printable non-ASCII characters.
    """
    sample = text[:_TEXT_SAMPLE]
    size = len(sample)
    if not size or not _VISIBLE.search(sample):
        return False
    controls = len(_CONTROL.findall(sample))
    if controls and (size < _SHORT_TEXT or controls > size * _MAX_CONTROL_SHARE):
        return False
    wide = _NON_ASCII.findall(sample)
    if wide:
        wide_count = sum(len(run) for run in wide)
        if size - wide_count < size * _MIN_ASCII_SHARE:
            return False
        if not all(run.isprintable() for run in wide):
            return False
        if size < _SHORT_TEXT and not _one_script("".join(wide)):
            return False
    return True


def _one_script(chars: str) -> bool:
    """Whether non-ASCII characters look like one language rather than decoding noise.

    Short noise that happens to be valid UTF-8 mixes scripts ("ίԘə": Greek, Cyrillic, Latin)
    and symbols; real short text uses one script.
    """
    scripts = set()
    symbols = 0
    for char in chars:
        if char.isalpha():
            scripts.add(unicodedata.name(char, "?").split(" ", 1)[0])
        else:
            symbols += 1
    return len(scripts) <= 1 and symbols <= 1


def _utf16_candidate(data: bytes) -> bool:
    high = data[1::2]
    if len(high) < 2:
        return False
    return high.count(0) >= len(high) * _MIN_UTF16_ZERO_SHARE and data[0::2].count(0) < len(
        high
    ) * (1 - _MIN_UTF16_ZERO_SHARE)


def sniff_text(data: bytes) -> str | None:
    """Return ``data`` decoded as text (UTF-16 with a BOM, UTF-16LE, UTF-8), or ``None``.

    ``None`` means the bytes do not decode strictly or do not look like text.
    """
    if not data:
        return None
    text: str | None = None
    try:
        if data.startswith(b"\xff\xfe"):
            text = data[2:].decode("utf-16-le")
        elif data.startswith(b"\xfe\xff"):
            text = data[2:].decode("utf-16-be")
        elif _utf16_candidate(data):
            even = data if len(data) % 2 == 0 else data[:-1]
            text = even.decode("utf-16-le")
        elif data.startswith(b"\xef\xbb\xbf"):
            text = data[3:].decode("utf-8")
        else:
            text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if looks_like_text(text) else None
