"""Finding candidate spans in text: where something encoded may stand.

Finding is cheap and generous; deciding is strict (see ``_sniff``): a candidate only becomes a
layer when it decodes to text or a known format. Most patterns run only when a substring they
need occurs, so text without candidates costs a few fast scans.
"""

from __future__ import annotations

import binascii
import re
from typing import Final, Literal, NamedTuple

from asisdk.decode._deobfuscate import find_explicit_base64

__all__ = [
    "MIN_BLOCK_CHARS",
    "Candidate",
    "CandidateKind",
    "block_alternatives",
    "block_pieces",
    "find_candidates",
    "is_left_alone",
]

#: Shortest run of base64/hex characters examined without context (12 decoded bytes).
MIN_BLOCK_CHARS: Final = 16
#: A run with fewer distinct characters than this is a run of one character, not data.
_MIN_DISTINCT_CHARS: Final = 5

#: Kinds of candidate, in the order they are preferred when two start at the same offset.
CandidateKind = Literal["context", "percent", "utf16", "charcode", "hex", "block"]
_PRIORITY: Final[dict[CandidateKind, int]] = {
    "context": 0,
    "percent": 1,
    "utf16": 2,
    "charcode": 3,
    "hex": 4,
    "block": 5,
}

_B64 = r"A-Za-z0-9+/_\-"
# Every prefix of -EncodedCommand that PowerShell accepts, plus its -ec alias.
_PS_SWITCH = (
    r"(?:ec|e(?:n(?:c(?:o(?:d(?:e(?:d(?:c(?:o(?:m(?:m(?:a(?:n(?:d)?)?)?)?)?)?)?)?)?)?)?)?)?)"
)
_CHAR_ITEM = r"(?:\[char\]\s*\(?\s*\d{1,7}\s*\)?|chrw?\$?\(\s*\d{1,7}\s*\))"

_BLOCK = re.compile(
    rf"[{_B64}]{{{MIN_BLOCK_CHARS},}}={{0,2}}(?:[ \t]*\r?\n[ \t]*[{_B64}]{{4,}}={{0,2}})*"
)
# Patterns begin with a character class (no look-behind) so that the regex engine can skip
# ahead quickly; the boundary on the left is checked in Python.
# The payload is a whole token: ``-e file.bat`` names a file, it is no payload ``file``.
_POWERSHELL = re.compile(
    rf"[-/](?i:{_PS_SWITCH})\s+[\"']?(?P<payload>[A-Za-z0-9+/]{{4,}}={{0,2}})(?![\w.:\\/=-])"
)
_DATA_URI = re.compile(
    r"(?i)data:[\w.+/-]*(?:;[\w.+-]+=[\w.+\"-]+)*;base64,"
    r"(?P<payload>[A-Za-z0-9+/_\-]{4,}={0,2})"
)
_HEX_ESCAPED = re.compile(r"(?:\\x[0-9A-Fa-f]{2}){4,}")
_HEX_PREFIXED = re.compile(r"0x[0-9A-Fa-f]{2}(?:\s*,\s*0x[0-9A-Fa-f]{2}){7,}(?![0-9A-Fa-f])")
_HEX_SEPARATED = re.compile(
    r"[0-9A-Fa-f]{2}(?P<sep>[ :])[0-9A-Fa-f]{2}(?:(?P=sep)[0-9A-Fa-f]{2}){6,}(?![0-9A-Fa-f:])"
)
#: Fewest items of a list of character codes or separated hex pairs.
_MIN_LIST_ITEMS: Final = 8
_CHARCODE_CALLS = re.compile(rf"(?i){_CHAR_ITEM}(?:\s*[,+&]\s*{_CHAR_ITEM}){{3,}}")
_CHARCODE_LIST = re.compile(r"\d{1,7}(?:\s*,\s*\d{1,7}){7,}(?![\w.])")
# UTF-16LE text that was read as single bytes: every other character is NUL.
_UTF16_RUN = re.compile(r"(?:[\t\n\r\x20-\x7e]\x00){8,}")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_TOKEN = re.compile(r"[^\s\"'<>`]+")

_GUID = re.compile(
    r"[{(]?[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}[})]?"
)
_GUID_LENGTHS: Final = frozenset({36, 38})
_LINE_BREAK = re.compile(r"[ \t]*\r?\n[ \t]*")


class Candidate(NamedTuple):
    """A span of text that may be encoded (``kind`` says how it was found)."""

    start: int
    end: int
    kind: CandidateKind


def _sort_key(candidate: Candidate) -> tuple[int, int, int]:
    return (candidate.start, _PRIORITY[candidate.kind], -candidate.end)


def _left_bounded(text: str, position: int, *, word: bool) -> bool:
    """Whether ``text[position]`` starts a token (after whitespace, or after a non-word)."""
    if position == 0:
        return True
    before = text[position - 1]
    if word:
        return not (before.isalnum() or before in "_.")
    return before.isspace()


def _encoded_command(payload: str) -> bool:
    """Whether a payload after ``-e``/``-enc`` may be a PowerShell encoded command: long
    enough to be tried as any base64, or short and UTF-16LE as PowerShell requires
    (``-e ZABpAHIA`` is ``dir``; ``grep -e root`` and ``x -e file`` are not)."""
    if len(payload) >= MIN_BLOCK_CHARS:
        return True
    try:
        data = binascii.a2b_base64(payload + "=" * (-len(payload) % 4))
    except binascii.Error:
        return False
    return len(data) >= 2 and not any(data[1::2]) and all(data[0::2])


def find_candidates(text: str) -> list[Candidate]:
    """Return every candidate span in ``text``, ordered by offset then preference."""
    blocks = [Candidate(*m.span(), "block") for m in _BLOCK.finditer(text)]
    found: list[Candidate] = []
    found.extend(
        Candidate(m.start("payload"), m.end("payload"), "context")
        for m in _POWERSHELL.finditer(text)
        if _left_bounded(text, m.start(), word=False) and _encoded_command(m.group("payload"))
    )
    # A decode call says its argument is base64: it is tried however short it is.
    found.extend(Candidate(start, end, "context") for start, end in find_explicit_base64(text))
    if "ase64," in text or "ASE64," in text:
        found.extend(
            Candidate(m.start("payload"), m.end("payload"), "context")
            for m in _DATA_URI.finditer(text)
        )
    if "%" in text:
        found.extend(
            Candidate(m.start(), m.end(), "percent")
            for m in _TOKEN.finditer(text)
            if _PERCENT_ESCAPE.search(m.group())
        )
    if "\x00" in text:
        found.extend(Candidate(m.start(), m.end(), "utf16") for m in _UTF16_RUN.finditer(text))
    if "\\x" in text:
        found.extend(Candidate(m.start(), m.end(), "hex") for m in _HEX_ESCAPED.finditer(text))
    if "0x" in text:
        found.extend(Candidate(m.start(), m.end(), "hex") for m in _HEX_PREFIXED.finditer(text))
    if text.count(" ") + text.count(":") >= _MIN_LIST_ITEMS - 1:
        found.extend(
            Candidate(m.start(), m.end(), "hex")
            for m in _HEX_SEPARATED.finditer(text)
            if _left_bounded(text, m.start(), word=True) and text[m.start() - 1 : m.start()] != ":"
        )
    if text.count(",") >= _MIN_LIST_ITEMS - 1:
        found.extend(
            Candidate(m.start(), m.end(), "charcode")
            for m in _CHARCODE_LIST.finditer(text)
            if _left_bounded(text, m.start(), word=True)
        )
    lowered = text.lower()
    if "chr" in lowered or "[char]" in lowered:
        found.extend(
            Candidate(m.start(), m.end(), "charcode") for m in _CHARCODE_CALLS.finditer(text)
        )
    if not found:
        return blocks  # in text order already, and blocks never overlap (the common case)
    found.extend(blocks)
    found.sort(key=_sort_key)
    return found


def is_left_alone(candidate: str) -> bool:
    """Whether a block is something that is never decoded: a GUID, a number, one character."""
    if candidate.rstrip("=").isdigit() or len(set(candidate)) < _MIN_DISTINCT_CHARS:
        return True
    return len(candidate) in _GUID_LENGTHS and _GUID.fullmatch(candidate) is not None


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    if "\n" not in text[start:end]:
        return [(start, end)]
    spans: list[tuple[int, int]] = []
    position = start
    for brk in _LINE_BREAK.finditer(text, start, end):
        spans.append((position, brk.start()))
        position = brk.end()
    spans.append((position, end))
    return spans


def block_alternatives(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans to try, in order, for a block as one piece of base64 or hex.

    The whole block first; for a block wrapped over lines also without its first and/or last
    line, which is how armour such as ``-----BEGIN CERTIFICATE-----`` or a following word
    that happened to be joined on is shed.
    """
    spans = [(start, end)]
    lines = _lines(text, start, end)
    if len(lines) > 1:
        spans.append((lines[1][0], end))
        spans.append((start, lines[-2][1]))
        if len(lines) > 2:  # both the first and the last line dropped
            spans.append((lines[1][0], lines[-2][1]))
    # A shorter span is held to the same minimum length as a block found on its own.
    return [span for span in spans if _payload_length(text, *span) >= MIN_BLOCK_CHARS]


def _payload_length(text: str, start: int, end: int) -> int:
    piece = text[start:end]
    if "\n" in piece:
        piece = "".join(piece.split())
    return len(piece.rstrip("="))


def block_pieces(
    text: str, start: int, end: int
) -> list[tuple[tuple[int, int] | None, list[tuple[int, int]]]]:
    """Smaller spans to try when no alternative of a block decoded.

    Returns, per line of the block, the line itself (``None`` for a block of one line, already
    tried whole) and the line's ``/``-separated parts (a URL or a path around a token), each
    part tried on its own when the line does not decode.
    """
    lines = _lines(text, start, end)
    pieces: list[tuple[tuple[int, int] | None, list[tuple[int, int]]]] = []
    for line_start, line_end in lines:
        whole = (line_start, line_end) if len(lines) > 1 else None
        if whole is not None and line_end - line_start < MIN_BLOCK_CHARS:
            whole = None
        parts: list[tuple[int, int]] = []
        line = text[line_start:line_end]
        if "/" in line:
            position = line_start
            for part in line.split("/"):
                part_end = position + len(part)
                if len(part) >= MIN_BLOCK_CHARS:
                    parts.append((position, part_end))
                position = part_end + 1
        if whole is not None or parts:
            pieces.append((whole, parts))
    return pieces
