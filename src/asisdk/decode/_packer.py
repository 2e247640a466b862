"""Dean Edwards' JavaScript packer, ``eval(function(p,a,c,k,e,d){...}`` with its arguments
``('payload',62,95,'w|o|r|d|s'.split('|'),0,{}))``.

The payload's words are numbers in base ``a`` (0-9, a-z, then ``String.fromCharCode(c+29)``
past 35) indexing the ``|``-separated word list; unpacking is replacing each ``\\b\\w+\\b``
by its word, as the packer's own function does. The call is found by its fixed opening, the
payload and list by one bounded pattern right after the function body.
"""

from __future__ import annotations

import re
from typing import Final

from asisdk.decode._powershell import Found

__all__ = ["find_packed"]

_OPENING: Final = "eval(function(p,a,c,k,e,"
#: Characters of the unpacking function between ``eval(`` and its arguments.
_BODY_REACH: Final = 1024
_MAX_PAYLOAD: Final = 1 << 20
_MAX_WORDS: Final = 1 << 16
_ARGS_START = re.compile(r"\}\s*\(\s*'")
_ARGS = re.compile(
    rf"'(?P<p>(?:[^'\\\n]|\\[^\n]){{0,{_MAX_PAYLOAD}}})'\s*,\s*(?P<a>\d{{1,2}})\s*,\s*(?P<c>\d{{1,5}})"
    rf"\s*,\s*'(?P<k>[^'\n]{{0,{_MAX_PAYLOAD}}})'\s*\.\s*split\s*\(\s*(?P<sq>['\"])\|(?P=sq)\s*\)"
    r"(?:\s*,\s*0\s*,\s*\{\s*\})?\s*\)\s*\)"
)
_WORD = re.compile(r"\b\w+\b")
_JS_ESCAPE = re.compile(r"\\(.)")
_DIGITS: Final = "0123456789abcdefghijklmnopqrstuvwxyz"
_BASE36: Final = 36
_MAX_BASE: Final = 62


def _encode(number: int, base: int) -> str:
    """The packer's ``e(c)``: base ``base``, digits past 35 written ``chr(d + 29)``."""
    out = ""
    while True:
        digit = number % base
        out = (chr(digit + 29) if digit >= _BASE36 else _DIGITS[digit]) + out
        number //= base
        if number == 0:
            return out


def _unpack(payload: str, base: int, count: int, words: list[str]) -> str | None:
    if not 2 <= base <= _MAX_BASE or count > len(words) or count > _MAX_WORDS:
        return None
    table = {_encode(index, base): word for index, word in enumerate(words[:count]) if word}
    source = _JS_ESCAPE.sub(r"\1", payload)
    return _WORD.sub(lambda match: table.get(match.group(), match.group()), source)


def find_packed(text: str) -> list[Found]:
    """Every packed ``eval(function(p,a,c,k,e,d)...)`` call, unpacked."""
    found: list[Found] = []
    position = 0
    while (start := text.find(_OPENING, position)) >= 0:
        position = start + len(_OPENING)
        head = _ARGS_START.search(text, position, position + _BODY_REACH)
        if head is None:
            continue
        args = _ARGS.match(text, head.end() - 1)
        if args is None:
            continue
        words = args.group("k").split("|")
        unpacked = _unpack(args.group("p"), int(args.group("a")), int(args.group("c")), words)
        if unpacked is not None:
            found.append(Found(start, args.end(), "js_packer", unpacked, True))
            position = args.end()
    return found
