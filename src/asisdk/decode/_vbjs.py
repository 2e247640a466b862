"""VBScript/VBA and JavaScript string tricks: ``StrReverse("...")``, ``Replace("...", a, b)``
and ``"...".split("").reverse().join("")``.

As in :mod:`asisdk.decode._powershell`, each finder anchors on its call and reads the
literals next to it within :data:`~asisdk.decode._powershell.MAX_LITERAL` characters, so a
run of quotes costs one pass. Reversing a literal, or cutting junk out of a word, is
obfuscation on its face: those spans are ``evident`` (layers whatever they show).
"""

from __future__ import annotations

import re
from typing import Final

from asisdk.decode._powershell import MAX_LITERAL, Found, cuts_junk

__all__ = ["find_js_reverse", "find_vb_replace", "find_vb_reverse"]

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


def find_js_reverse(text: str) -> list[Found]:
    """``"...".split("").reverse().join("")``: the literal before it, reversed."""
    found: list[Found] = []
    floor = 0
    for match in _JS_REVERSE_TAIL.finditer(text):
        end = match.start()
        if end <= floor or text[end - 1] not in "'\"":
            continue
        quote = text[end - 1]
        opening = text.rfind(quote, max(floor, end - 1 - MAX_LITERAL), end - 1)
        if opening < 0:
            continue
        value = text[opening + 1 : end - 1]
        if "\n" not in value and value[::-1] != value:
            found.append(Found(opening, match.end(), "js_reverse", value[::-1], True))
            floor = match.end()
    return found
