"""Invoke-Obfuscation's ENCODING: a script written as character codes in base 2, 8, 10 or 16.

The codes are either a string literal cut by random delimiters and split apart
(``'73%110q118'-split '%' -split 'q'``, ``'49_6e-76'.Split('_-')``) or a list
(``(111,156,166)``, ``(49,'6e',76)``); then each piece becomes a character:
``[char][int]$_`` (decimal), ``[Convert]::ToInt16($_, 8)`` (binary, octal, hex), with or
without ``-bxor KEY``. Plain decimal lists are the ``charcode`` encoding already; here a
decimal literal counts only when it is split, and a list only with its ``ToInt16`` base.

Every pattern is bounded: a split chain is read one operator at a time, the literal before
it is found by one ``rfind`` on its line, and the conversion is looked for in a short reach.
"""

from __future__ import annotations

import re
from typing import Final

from asisdk.decode._powershell import Found, code_points

__all__ = ["find_coded"]

#: Longest coded literal or list read (characters).
_MAX_CODED: Final = 262144
#: Characters between the codes and the conversion that reads them.
_REACH: Final = 240
#: Fewest codes for a span: a word written out, not a constant.
_MIN_CODES: Final = 4
_BYTE_MAX: Final = 0xFF
#: ``-split`` takes a regular expression: a one-character argument outside these is literal.
_REGEX_META: Final = frozenset(".^$*+?()[]|\\")

_SPLIT_START = re.compile(r"-(?i:[ci]?split)\b|\.(?i:split)\s*\(")
_SPLIT_OP = re.compile(
    r"\s*(?:(?P<op>-(?i:[ci]?split))\s*(?P<q1>['\"])(?P<regex>[^'\"\n]{1,16})(?P=q1)"
    r"|\.(?i:split)\s*\(\s*(?P<q2>['\"])(?P<chars>[^'\"\n]{1,64})(?P=q2)\s*\))"
)
_ITEM = r"(?:[0-9A-Fa-f]{1,8}|'[0-9A-Fa-f]{1,8}'|\"[0-9A-Fa-f]{1,8}\")"
_CODE_LIST = re.compile(rf"\(\s*{_ITEM}(?:\s*,\s*{_ITEM}){{{_MIN_CODES - 1},65536}}\s*\)")
_TO_INT = re.compile(r"(?i:toint(?:16|32|64))\s*\([^;{}\n]{0,80}?,\s*(?P<base>2|8|16)\s*\)")
_CHAR = re.compile(r"(?i:\[char\])")
_XOR = re.compile(r"-(?i:bxor)\s*\(?\s*['\"]?(?P<key>0x[0-9A-Fa-f]{1,2}|\d{1,3})['\"]?")
_DIGITS: Final[dict[int, frozenset[str]]] = {
    2: frozenset("01"),
    8: frozenset("01234567"),
    10: frozenset("0123456789"),
    16: frozenset("0123456789abcdefABCDEF"),
}


def _conversion(text: str, position: int) -> tuple[int, int | None, int] | None:
    """The base, ``-bxor`` key and end of the conversion after ``position``, or ``None``."""
    window_end = min(len(text), position + _REACH)
    conversion = _TO_INT.search(text, position, window_end)
    if conversion is not None:
        base = int(conversion.group("base"))
    else:
        conversion = _CHAR.search(text, position, window_end)
        if conversion is None:
            return None
        base = 10
    end = conversion.end()
    key: int | None = None
    xor = _XOR.search(text, position, window_end)
    if xor is not None:
        token = xor.group("key")
        key = int(token, 16) if token[:2] in ("0x", "0X") else int(token)
        if not 0 < key <= _BYTE_MAX:
            return None
        end = max(end, xor.end())
    return base, key, end


def _text(tokens: list[str], base: int, key: int | None) -> str | None:
    digits = _DIGITS[base]
    if len(tokens) < _MIN_CODES or any(not digits.issuperset(token) for token in tokens):
        return None
    codes = [int(token, base) for token in tokens]
    if key is not None:
        codes = [code ^ key for code in codes]
    return code_points(codes)


def _split_chain(text: str, position: int) -> tuple[int, set[str]] | None:
    """The end of the ``-split``/``.Split()`` chain at ``position`` and its delimiters."""
    delimiters: set[str] = set()
    end = position
    while (op := _SPLIT_OP.match(text, end)) is not None:
        regex = op.group("regex")
        if regex is not None:
            if len(regex) != 1 or regex in _REGEX_META:
                return None
            delimiters.add(regex)
            # ``-split`` and ``-isplit`` ignore case; ``-csplit`` does not.
            if op.group("op").lower() != "-csplit":
                delimiters.update((regex.lower(), regex.upper()))
        else:
            delimiters.update(op.group("chars"))
        end = op.end()
    return (end, delimiters) if delimiters else None


def _literal_before(text: str, end: int) -> tuple[int, str] | None:
    """The quoted literal that ends right before ``end`` (spaces allowed), or ``None``."""
    close = end
    while close > 0 and text[close - 1] in " \t":
        close -= 1
    if close == 0 or text[close - 1] not in "'\"":
        return None
    quote = text[close - 1]
    floor = max(0, close - 1 - _MAX_CODED, text.rfind("\n", 0, close - 1) + 1)
    opening = text.rfind(quote, floor, close - 1)
    if opening < 0:
        return None
    return opening, text[opening + 1 : close - 1]


def _split_literals(text: str) -> list[Found]:
    found: list[Found] = []
    consumed = 0
    for match in _SPLIT_START.finditer(text):
        if match.start() < consumed:
            continue
        literal = _literal_before(text, match.start())
        chain = _split_chain(text, match.start())
        if literal is None or chain is None:
            continue
        chain_end, delimiters = chain
        consumed = chain_end
        start, body = literal
        conversion = _conversion(text, chain_end)
        if conversion is None:
            continue
        base, key, end = conversion
        pieces = re.split("|".join(map(re.escape, sorted(delimiters))), body)
        decoded = _text([piece for piece in pieces if piece], base, key)
        if decoded is not None:
            found.append(Found(start, end, "ps_charcode", decoded, True))
    return found


def _code_lists(text: str) -> list[Found]:
    found: list[Found] = []
    for match in _CODE_LIST.finditer(text):
        conversion = _conversion(text, match.end())
        if conversion is None or conversion[0] == 10:
            continue
        base, key, end = conversion
        tokens = [token.strip().strip("'\"") for token in match.group()[1:-1].split(",")]
        decoded = _text(tokens, base, key)
        if decoded is not None:
            found.append(Found(match.start(), end, "ps_charcode", decoded, True))
    return found


def find_coded(text: str, lowered: str) -> list[Found]:
    """Codes split out of a literal, or listed, and turned into characters right after.

    Examples:
        >>> text = "('110q101-119q115'-split 'q' -split '-'|%{[char][int]$_})"
        >>> find_coded(text, text.lower())[0].decoded
        'news'
    """
    found: list[Found] = []
    if "split" in lowered:
        found.extend(_split_literals(text))
    if "toint" in lowered:
        found.extend(_code_lists(text))
    return found
