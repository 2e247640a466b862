"""VBScript/VBA and JavaScript string tricks: ``StrReverse("...")``, ``Replace("...", a, b)``,
``"...".split("").reverse().join("")``, ``["pow", "ersh", "ell"].join("")`` and
``"pXowXer".split("X").join("")``.

As in :mod:`asisdk.decode._powershell`, each finder anchors on its call and reads the
literals next to it within :data:`~asisdk.decode._powershell.MAX_LITERAL` characters, so a
run of quotes costs one pass. Reversing a literal, or cutting junk out of a word, is
obfuscation on its face: those spans are ``evident`` (layers whatever they show).
"""

from __future__ import annotations

import re
from typing import Final

from asisdk.decode._powershell import MAX_LITERAL, Found, cuts_junk, glues_word

__all__ = ["find_js_join", "find_js_reverse", "find_vb_join", "find_vb_replace", "find_vb_reverse"]

#: Longest literal argument read (VB string constants are short; payloads are not).
_MAX_ARG: Final = 4096
# ``StrReverse("...")`` (VBA, VBScript) and VB.NET's ``Reverse("...")``; not a method call
# (``[array]::Reverse($a)``, ``list.Reverse()``).
_VB_REVERSE = re.compile(
    rf"(?<![\w.:])(?i:strreverse|reverse)\s*\(\s*\"(?P<lit>[^\"\n]{{1,{MAX_LITERAL}}})\"\s*\)"
)
_VB_LITERAL = rf'"(?P<{{name}}>[^"\n]{{{{0,{_MAX_ARG}}}}})"'
# ``Replace(expression, find, replacement[, start[, count[, compare]]])`` on literals.
_VB_REPLACE = re.compile(
    r"(?<![\w.:])(?i:replace)\s*\(\s*"
    + _VB_LITERAL.format(name="value")
    + r"\s*,\s*"
    + _VB_LITERAL.format(name="old")
    + r"\s*,\s*"
    + _VB_LITERAL.format(name="new")
    + r"(?:\s*,\s*-?[\w.]{1,32}){0,3}\s*\)"
)
# ``"...".split("").reverse().join("")``, also with ``[...]`` spread or ``Array.from``.
_JS_REVERSE_TAIL = re.compile(
    r"\s*\.\s*split\s*\(\s*(?:\"\"|'')\s*\)\s*\.\s*reverse\s*\(\s*\)"
    r"\s*\.\s*join\s*\(\s*(?:\"\"|'')\s*\)"
)


def find_vb_reverse(text: str) -> list[Found]:
    """``StrReverse("...")``: the literal reversed."""
    found: list[Found] = []
    for match in _VB_REVERSE.finditer(text):
        value = match.group("lit")
        if value[::-1] != value:
            found.append(Found(match.start(), match.end(), "vba_reverse", value[::-1], True))
    return found


def find_vb_replace(text: str) -> list[Found]:
    """``Replace("PowXXershell", "XX", "")``: evident when it cuts junk out of a word."""
    found: list[Found] = []
    for match in _VB_REPLACE.finditer(text):
        value, old, new = match.group("value", "old", "new")
        if not old:
            continue
        replaced = value.replace(old, new)
        if replaced != value:
            evident = not new and cuts_junk(value, old)
            found.append(Found(match.start(), match.end(), "vba_replace", replaced, evident))
    return found


def _literal_ending_at(text: str, end: int, floor: int) -> tuple[int, str] | None:
    """The one-line literal whose closing quote is at ``end - 1`` (not before ``floor``):
    where it opens and what it holds."""
    if end <= floor or text[end - 1] not in "'\"":
        return None
    opening = text.rfind(text[end - 1], max(floor, end - 1 - MAX_LITERAL), end - 1)
    if opening < 0 or "\n" in text[opening:end]:
        return None
    return opening, text[opening + 1 : end - 1]


def find_js_reverse(text: str) -> list[Found]:
    """``"...".split("").reverse().join("")``: the literal before it, reversed."""
    found: list[Found] = []
    floor = 0
    for match in _JS_REVERSE_TAIL.finditer(text):
        literal = _literal_ending_at(text, match.start(), floor)
        if literal is None:
            continue
        opening, value = literal
        if value[::-1] != value:
            found.append(Found(opening, match.end(), "js_reverse", value[::-1], True))
            floor = match.end()
    return found


_JS_LITERAL = r"\"[^\"\n\\]{0,256}\"|'[^'\n\\]{0,256}'"
# ``["pow", "ersh", "ell"].join("")``: an array of literals joined (the separator is ``,``
# when none is given). Possessive: a long array is read one way.
_JS_ARRAY_JOIN = re.compile(
    rf"\[\s*+(?P<items>(?:{_JS_LITERAL})(?:\s*+,\s*+(?:{_JS_LITERAL})){{1,4096}}+)\s*+,?\s*+\]"
    rf"\s*\.\s*join\s*\(\s*(?P<sep>{_JS_LITERAL})?\s*\)"
)
_JS_ITEM = re.compile(_JS_LITERAL)
# ``"...".split("X").join("")``: every ``X`` replaced, anchored on the calls after the literal.
_JS_SPLIT_JOIN_TAIL = re.compile(
    rf"\s*\.\s*split\s*\(\s*(?P<old>{_JS_LITERAL})\s*\)"
    rf"\s*\.\s*join\s*\(\s*(?P<new>{_JS_LITERAL})\s*\)"
)


def find_js_join(text: str) -> list[Found]:
    """``[...].join(sep)`` over literals, and ``"...".split(a).join(b)`` (a replacement).

    A word cut into pieces that are joined back, or junk split out of a word, is evident.

    Examples:
        >>> [(f.encoding, f.decoded) for f in find_js_join('x = ["pow","ersh","ell"].join("")')]
        [('js_join', 'powershell')]
        >>> [f.decoded for f in find_js_join('"WXsXcript".split("X").join("")')]
        ['Wscript']
    """
    found: list[Found] = []
    if "[" in text:
        for match in _JS_ARRAY_JOIN.finditer(text):
            pieces = [item[1:-1] for item in _JS_ITEM.findall(match.group("items"))]
            sep = match.group("sep")
            separator = "," if sep is None else sep[1:-1]
            evident = not separator and glues_word(pieces)
            found.append(
                Found(match.start(), match.end(), "js_join", separator.join(pieces), evident)
            )
    floor = 0
    for match in _JS_SPLIT_JOIN_TAIL.finditer(text):
        old, new = match.group("old")[1:-1], match.group("new")[1:-1]
        literal = _literal_ending_at(text, match.start(), floor) if old else None
        if literal is None:
            continue
        opening, value = literal
        replaced = value.replace(old, new)
        if replaced != value:
            evident = not new and cuts_junk(value, old)
            found.append(Found(opening, match.end(), "js_join", replaced, evident))
            floor = match.end()
    return found


# VB's ``Join(Split("pow|ersh|ell", "|"), "")`` (a replacement) and
# ``Join(Array("pow", "ersh", "ell"), "")``; ``Join`` without a delimiter puts spaces.
_VB_LIT = r'"(?:[^"\n]|""){0,4096}+"'
_VB_JOIN_SPLIT = re.compile(
    rf"(?<![\w.:])(?i:join)\s*\(\s*(?i:split)\s*\(\s*(?P<value>{_VB_LIT})\s*,\s*(?P<sep>{_VB_LIT})"
    rf"\s*\)\s*(?:,\s*(?P<joiner>{_VB_LIT})\s*)?\)"
)
_VB_JOIN_ARRAY = re.compile(
    rf"(?<![\w.:])(?i:join)\s*\(\s*(?i:array)\s*\(\s*(?P<items>{_VB_LIT}(?:\s*,\s*{_VB_LIT}){{1,256}}+)"
    rf"\s*\)\s*(?:,\s*(?P<joiner>{_VB_LIT})\s*)?\)"
)
_VB_LIT_ONE = re.compile(_VB_LIT)


def _vb(literal: str | None, default: str) -> str:
    return default if literal is None else literal[1:-1].replace('""', '"')


def find_vb_join(text: str) -> list[Found]:
    """``Join(Split(s, a), b)`` (every ``a`` replaced by ``b``) and ``Join(Array(...), b)``
    over literals.

    Examples:
        >>> [f.decoded for f in find_vb_join('x = Join(Split("pow|ersh|ell", "|"), "")')]
        ['powershell']
        >>> [f.decoded for f in find_vb_join('Run Join(Array("pow", "ersh", "ell"), "")')]
        ['powershell']
    """
    found: list[Found] = []
    for match in _VB_JOIN_SPLIT.finditer(text):
        value, sep = _vb(match.group("value"), ""), _vb(match.group("sep"), " ")
        joiner = _vb(match.group("joiner"), " ")
        if not sep or sep not in value:
            continue
        evident = not joiner and cuts_junk(value, sep)
        decoded = joiner.join(value.split(sep))
        found.append(Found(match.start(), match.end(), "vba_replace", decoded, evident))
    for match in _VB_JOIN_ARRAY.finditer(text):
        pieces = [_vb(m.group(), "") for m in _VB_LIT_ONE.finditer(match.group("items"))]
        joiner = _vb(match.group("joiner"), " ")
        evident = not joiner and glues_word(pieces)
        found.append(Found(match.start(), match.end(), "vba_concat", joiner.join(pieces), evident))
    return found
