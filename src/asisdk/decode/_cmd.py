"""cmd.exe obfuscation: ``^`` escapes, ``set`` variables and ``%var:~a,b%`` substrings.

``p^ow^er^sh^ell`` is ``powershell`` to cmd; ``set a=pow&& set b=ershell&& %a%%b%`` runs it
too, and DOSfuscation spells commands out of pieces of well-known variables
(``%COMSPEC:~-16,1%``). These finders work out what cmd would run; as for the other script
layers, a span only becomes a layer when the result reveals what the source hid.
"""

from __future__ import annotations

import bisect
import re
from typing import Final

from asisdk.decode._powershell import Found

__all__ = ["find_caret", "find_variables"]

#: Values of variables that every Windows machine has (for DOSfuscation's substrings).
WELL_KNOWN: Final[dict[str, str]] = {
    "comspec": r"C:\WINDOWS\system32\cmd.exe",
    "windir": r"C:\WINDOWS",
    "systemroot": r"C:\WINDOWS",
    "systemdrive": "C:",
    "public": r"C:\Users\Public",
    "programdata": r"C:\ProgramData",
    "programfiles": r"C:\Program Files",
    "commonprogramfiles": r"C:\Program Files\Common Files",
    "os": "Windows_NT",
    "pathext": ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC",
}

#: Most characters between two caret tokens of one stretch.
_CARET_GAP: Final = 64
# A run of name characters with carets between them; the look-behind anchors it at the
# start of the run so a long word is scanned once.
# A caret at the end of a line continues the word on the next (``po^<newline>wershell``).
_CARET = re.compile(r"(?<![\w.\-:/\\^])[\w.\-:/\\]*(?:\^(?:\r?\n|\S)[\w.\-:/\\]*)+")
# The ``cmd /c`` that runs a stretch, written just before it: shown in the layer too.
_CMD_BEFORE = re.compile(r"(?i:(?<![\w-])cmd(?:\.exe)?\"?(?:\s*/[a-z](?::\w{1,8})?){1,4}\s*)$")
_CMD_REACH: Final = 64
_WORD_CUT = re.compile(r"[^\W_]\^(?:\r?\n)?[^\W_]")
_SET = re.compile(
    r"(?<![\w-])(?i:set)\s+(?:/[aA]\s+)?\"?(?P<name>[\w.\-#$@]{1,64})=(?P<value>[^&|\r\n\"<>]{0,1024})"
)
_USE = re.compile(
    r"(?P<m>[%!])(?P<name>[\w.\-#$@]{1,64})"
    r"(?::~(?P<s>-?\d{1,4})(?:,(?P<n>-?\d{1,4}))?|:(?P<old>[^%!=\r\n]{1,64})=(?P<new>[^%!\r\n]{0,64}))?"
    r"(?P=m)"
)


_MAX_GLUE: Final = 64
_GLUED_BEFORE = re.compile(r"[\w.\-]{1,64}$")
_GLUED_AFTER = re.compile(r"[\w.\-]{1,64}")


def _uncaret(token: str) -> str:
    out: list[str] = []
    chars = iter(token)
    for char in chars:
        if char != "^":
            out.append(char)
            continue
        escaped = next(chars, "")
        if escaped == "\r":
            escaped = next(chars, "")
        out.append("" if escaped == "\n" else escaped)
    return "".join(out)


def _stretch(text: str, start: int, end: int) -> Found:
    """A caret stretch, with the ``cmd /c`` just before it; evident when a caret cuts a word."""
    before = _CMD_BEFORE.search(text, max(0, start - _CMD_REACH), start)
    head = before.start() if before is not None else start
    evident = _WORD_CUT.search(text, start, end) is not None
    return Found(head, end, "cmd_caret", text[head:start] + _uncaret(text[start:end]), evident)


def find_caret(text: str) -> list[Found]:
    """Stretches of tokens with ``^`` escapes (``p^ow^er^sh^ell -^ExEc^Ut^IoN ...``).

    Tokens with carets close together on one line make one stretch, so a whole command
    comes out in one layer rather than a word at a time; a ``cmd /c`` right before the
    stretch is part of it. A caret at the end of a line joins the next line to the word.
    """
    found: list[Found] = []
    start = end = -1
    for match in _CARET.finditer(text):
        token = match.group()
        if not token.strip("^") or "^" not in token.rstrip("^"):
            continue
        gap = text[end : match.start()]
        if start >= 0 and len(gap) <= _CARET_GAP and "\n" not in gap:
            end = match.end()
            continue
        if start >= 0:
            found.append(_stretch(text, start, end))
        start, end = match.start(), match.end()
    if start >= 0:
        found.append(_stretch(text, start, end))
    return found


def _substring(value: str, start_text: str | None, length_text: str | None) -> str:
    size = len(value)
    start = int(start_text or 0)
    start = max(0, size + start) if start < 0 else min(start, size)
    if length_text is None:
        return value[start:]
    length = int(length_text)
    end = size + length if length < 0 else start + length
    return value[start:end] if end > start else ""


def find_variables(text: str) -> list[Found]:
    """Uses of ``set`` variables and substrings of well-known ones, worked out.

    The span runs from the first use to the last; its text is that stretch with every use
    replaced by its value (the value set last before the use).
    """
    ends: dict[str, list[int]] = {}
    values: dict[str, list[str]] = {}
    if "set" in text.lower():
        for m in _SET.finditer(text):
            name = m.group("name").lower()
            ends.setdefault(name, []).append(m.end())
            values.setdefault(name, []).append(m.group("value").rstrip())
    pieces: list[str] = []
    first = last = -1
    for use in _USE.finditer(text):
        name = use.group("name").lower()
        value = None
        if name in ends:
            latest = bisect.bisect_right(ends[name], use.start()) - 1
            if latest >= 0:
                value = values[name][latest]
        substring = use.group("s") is not None
        if value is None and substring:
            value = WELL_KNOWN.get(name)
        if value is None:
            continue
        if substring:
            value = _substring(value, use.group("s"), use.group("n"))
        elif use.group("old") is not None:
            old, new = use.group("old").lstrip("*"), use.group("new")
            value = re.sub(re.escape(old), new.replace("\\", "\\\\"), value, flags=re.IGNORECASE)
        if first < 0:
            first = use.start()
        else:
            pieces.append(text[last : use.start()])
        pieces.append(value)
        last = use.end()
    if first < 0:
        return []
    # The word the uses are glued into (``%a%til``) belongs to what they spell.
    before = _GLUED_BEFORE.search(text, max(0, first - _MAX_GLUE), first)
    after = _GLUED_AFTER.match(text, last)
    head = before.group() if before else ""
    tail = after.group() if after else ""
    decoded = head + "".join(pieces) + tail
    return [Found(first - len(head), last + len(tail), "cmd_var", decoded)]
