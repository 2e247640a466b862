"""PowerShell tricks that need more than a span of text: replacement chains, reversal,
``-bxor`` with a constant key and ``iex`` wrappers.

Each finder returns :class:`Found` spans with the text they stand for already worked out,
because several of them read a variable assigned elsewhere in the same script
(``$s = 'gnirtSdaolnwoD'; -join $s[-1..-($s.Length)]``).

Quoted strings are never searched for from every quote (a run of quotes would make that
quadratic): each finder anchors on its operator (``.Replace(``, ``-replace``, ``[-1..``,
``-bxor``, ``iex``) and reads the string before it backwards, or after it forwards, within
:data:`MAX_LITERAL` characters.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
from itertools import pairwise
from typing import Final, NamedTuple

from asisdk.decode._model import Encoding

__all__ = [
    "MAX_LITERAL",
    "Found",
    "code_points",
    "cuts_junk",
    "find_bxor",
    "find_iex",
    "find_replace",
    "find_reverse",
]

#: Longest string literal read as the operand of a trick.
MAX_LITERAL: Final = 65536
#: Characters between a byte list and its ``-bxor`` (``|%{[char]($_ -bxor``).
_BXOR_REACH: Final = 200
#: Characters between ``[array]::Reverse($a)`` and the ``-join`` that reads ``$a``.
_JOIN_REACH: Final = 200
_BYTE_MAX: Final = 0xFF
_MAX_CODE_POINT: Final = 0x10FFFF
_REGEX_META: Final = frozenset(".^$*+?{}[]|()\\")


def code_points(codes: list[int]) -> str | None:
    """The characters ``codes`` stand for, or ``None`` when one is no character (above
    U+10FFFF, or a UTF-16 surrogate)."""
    if any(code > _MAX_CODE_POINT or 0xD800 <= code < 0xE000 for code in codes):
        return None
    return "".join(map(chr, codes))


class Found(NamedTuple):
    """A span of script and the text it stands for."""

    start: int
    end: int
    encoding: Encoding
    decoded: str
    #: Obfuscation on its face (a literal reversed, junk cut out of a word, a constant XOR):
    #: a layer even when the text it shows is harmless.
    evident: bool = False
    #: The value is asked for: the text is this expression and nothing else (``chr(65)``),
    #: or an operation with constant operands computes it (``0x61, 0x62 -bxor 65``). A
    #: layer whatever it shows, blank text included.
    explicit: bool = False


# -- string literals ----------------------------------------------------------------------

_PIECE = (
    r"'(?:[^'\n]|''){0,256}'"
    r'|"[^"\n$`]{0,256}"'
    r"|(?i:(?:\[string\]\s*)?\[char\]\s*\(?\s*(?:0x[0-9a-f]{1,4}|\d{1,5})\s*\)?)"
)
_PIECE_ONE = re.compile(
    r"'(?P<sq>(?:[^'\n]|''){0,256})'"
    r'|"(?P<dq>[^"\n$`]{0,256})"'
    r"|(?i:(?:\[string\]\s*)?\[char\]\s*\(?\s*(?P<code>0x[0-9a-f]{1,4}|\d{1,5})\s*\)?)"
)
_ARG = rf"\(?\s*(?:{_PIECE})(?:\s*\+\s*(?:{_PIECE})){{0,16}}\s*\)?"
# JavaScript's ``.replace(/junk/g, "")``: a regex literal of plain characters.
_JS_REGEX = r"/(?P<re>(?:[^/\\\n*+?()\[\]{}|^$.]|\\[^\w\s]){1,256})/(?P<flags>[gimsuy]{0,6})"
_CALL_ARGS = re.compile(rf"\s*(?:(?P<a>{_ARG})|{_JS_REGEX})\s*,\s*(?P<b>{_ARG})\s*\)")
_OP_ARGS = re.compile(rf"\s*(?P<a>{_ARG})\s*,\s*(?P<b>{_ARG})")
_REPLACE_OP = re.compile(r"\.(?i:replace)\s*\(|-(?i:(?P<flag>[ci]?)replace)\b")


def _number(token: str) -> int:
    return int(token, 16) if token[:2].lower() == "0x" else int(token)


def _arg_value(arg: str) -> str | None:
    out: list[str] = []
    for match in _PIECE_ONE.finditer(arg):
        if match.group("code") is not None:
            code = _number(match.group("code"))
            if code > _MAX_CODE_POINT or 0xD800 <= code < 0xE000:
                return None
            out.append(chr(code))
        elif match.group("sq") is not None:
            out.append(match.group("sq").replace("''", "'"))
        else:
            out.append(match.group("dq"))
    return "".join(out)


def _literal_back(text: str, end: int, floor: int) -> tuple[int, str] | None:
    """The string literal that ends just before ``end`` (a closing quote at ``end - 1``)."""
    quote = text[end - 1]
    position = end - 1
    while True:
        opening = text.rfind(quote, max(floor, end - 1 - MAX_LITERAL), position)
        if opening < 0:
            return None
        if quote == "'" and opening > floor and text[opening - 1] == "'":
            position = opening - 1  # a doubled quote inside the string
            continue
        break
    body = text[opening + 1 : end - 1]
    if quote == '"' and ("$" in body or "`" in body):
        return None  # an expandable string: its value is not its text
    return opening, body.replace("''", "'") if quote == "'" else body


def _skip_back(text: str, position: int, chars: str) -> int:
    while position > 0 and text[position - 1] in chars:
        position -= 1
    return position


def _operand_back(text: str, end: int, floor: int) -> tuple[int, str] | None:
    """The quoted operand ending at ``end``: literals joined by ``+``, in parentheses."""
    position = _skip_back(text, end, " \t")
    closers = 0
    while position > floor and text[position - 1] == ")":
        closers += 1
        position = _skip_back(text, position - 1, " \t")
    pieces: list[str] = []
    while position > floor and text[position - 1] in "'\"":
        found = _literal_back(text, position, floor)
        if found is None:
            return None
        position, value = found
        pieces.append(value)
        before = _skip_back(text, position, " \t")
        if before > floor and text[before - 1] == "+":
            position = _skip_back(text, before - 1, " \t")
            continue
        break
    if not pieces:
        return None
    for _ in range(closers):
        before = _skip_back(text, position, " \t")
        if before <= floor or text[before - 1] != "(":
            return None
        position = before - 1
    return position, "".join(reversed(pieces))


def _replace(value: str, old: str, new: str, flag: str | None) -> str | None:
    if not old:
        return None
    if flag is None:  # String.Replace: ordinal, case-sensitive
        return value.replace(old, new)
    pattern = old
    if _REGEX_META & set(old):
        # Only escaped literals (``\$``, ``\.``): a real regular expression is not evaluated.
        unescaped = re.sub(r"\\([^\w\s])", r"\1", old)
        if _REGEX_META & set(re.sub(r"\\[^\w\s]", "", old)):
            return None
        pattern = unescaped
    flags = 0 if flag == "c" else re.IGNORECASE
    return re.sub(re.escape(pattern), lambda _m: new, value, flags=flags)


def find_replace(text: str) -> list[Found]:
    """``'...'.Replace('a','b')`` and ``'...' -replace 'a','b'`` chains on string literals."""
    found: list[Found] = []
    position = 0
    floor = 0
    while True:
        op = _REPLACE_OP.search(text, position)
        if op is None:
            return found
        operand = _operand_back(text, op.start(), floor)
        if operand is None:
            position = op.end()
            continue
        start, value = operand
        end = op.start()
        current: re.Match[str] | None = op
        span_start = start
        result = value
        evident = False
        while current is not None:
            is_call = current.group().startswith(".")
            args = (_CALL_ARGS if is_call else _OP_ARGS).match(text, current.end())
            if args is None:
                break
            regex = args.group("re") if is_call else None
            old = _arg_value(args.group("a")) if regex is None else _JS_UNESCAPE.sub(r"\1", regex)
            new = _arg_value(args.group("b"))
            if old is None or new is None:
                break
            flag = None if is_call else (current.group("flag") or "").lower()
            if regex is None:
                replaced = _replace(result, old, new, flag)
            else:
                count = 0 if "g" in args.group("flags") else 1
                ignore = re.IGNORECASE if "i" in args.group("flags") else 0
                replaced = re.compile(re.escape(old), ignore).sub(
                    new.replace("\\", "\\\\"), result, count=count
                )
            if replaced is None:
                break
            evident = evident or (not new and cuts_junk(result, old))
            result, end, start = replaced, args.end(), span_start
            current, span_start = _next_in_chain(text, start, end)
        if end > op.start() and result != value:
            found.append(Found(start, end, "ps_replace", result, evident))
            floor = end
        position = max(end, op.end())


_JS_UNESCAPE = re.compile(r"\\([^\w\s])")


# -- static string calls --------------------------------------------------------------------

_CALL_LIT = r"(?<!['\w])'(?:[^'\n]|''){0,4096}+'|(?<![\"\w])\"[^\"\n$`]{0,4096}+\""
_CALL_LITS = rf"(?:{_CALL_LIT})(?:\s*,\s*(?:{_CALL_LIT})){{0,256}}+"
# ``[regex]::Replace('...', 'a', 'b')``, ``[string]::Concat('a', 'b')``,
# ``[string]::Join('', 'a', 'b')`` (the items also in ``@(...)`` or ``(...)``).
_STATIC_CALL = re.compile(
    rf"\[(?i:(?P<type>regex|string|system\.string|system\.text\.regularexpressions\.regex))\]"
    rf"::(?i:(?P<method>replace|concat|join))\s*\(\s*(?P<first>{_CALL_LIT})\s*"
    rf"(?:,\s*@?\(?\s*(?P<rest>{_CALL_LITS})\s*\)?)?\s*\)"
)
# ``('a;b;c' -split ';') -join ''`` and ``'a;b;c'.Split(';') -join ''``.
_SPLIT_JOIN = re.compile(
    rf"\(?\s*(?P<value>{_CALL_LIT})\s*(?:-(?P<flag>[ci]?)(?i:split)\s*(?P<op>{_CALL_LIT})"
    rf"|\.(?i:split)\s*\(\s*(?P<chars>{_CALL_LIT})\s*\))\s*\)?\s*-(?i:join)\s*(?P<sep>{_CALL_LIT})"
)
_CALL_LIT_ONE = re.compile(_CALL_LIT)


def _lit(literal: str) -> str:
    body = literal[1:-1]
    return body.replace("''", "'") if literal[0] == "'" else body


def _split(value: str, separator: str, flag: str | None) -> list[str] | None:
    """``-split`` (a regular expression: only plain or escaped literals are read) or
    ``.Split(chars)`` (on any of the characters, as Windows PowerShell does)."""
    if flag is None:
        return re.split("|".join(map(re.escape, separator)), value) if separator else None
    if not separator or _REGEX_META & set(re.sub(r"\\[^\w\s]", "", separator)):
        return None
    plain = re.sub(r"\\([^\w\s])", r"\1", separator)
    return re.split(re.escape(plain), value, flags=0 if flag == "c" else re.IGNORECASE)


def find_static_calls(text: str) -> list[Found]:
    """``[regex]::Replace``, ``[string]::Concat`` and ``[string]::Join`` over literals, and a
    literal split then joined back (``('Down;load' -split ';') -join ''``).

    Examples:
        >>> [f.decoded for f in find_static_calls("[string]::Concat('Down','load','String')")]
        ['DownloadString']
        >>> [f.decoded for f in find_static_calls("('Down;load;String' -split ';') -join ''")]
        ['DownloadString']
    """
    found: list[Found] = []
    lowered = text.lower()
    if "::" in text:
        for match in _STATIC_CALL.finditer(text):
            first = _lit(match.group("first"))
            rest = [_lit(m.group()) for m in _CALL_LIT_ONE.finditer(match.group("rest") or "")]
            method = match.group("method").lower()
            regex = "regex" in match.group("type").lower()
            if method == "replace" and regex and len(rest) == 2:
                replaced = _replace(first, rest[0], rest[1], "c")
                if replaced is not None and replaced != first:
                    evident = not rest[1] and cuts_junk(first, rest[0])
                    found.append(Found(match.start(), match.end(), "ps_replace", replaced, evident))
            elif method == "concat" and not regex and rest:
                pieces = [first, *rest]
                found.append(
                    Found(
                        match.start(), match.end(), "ps_concat", "".join(pieces), glues_word(pieces)
                    )
                )
            elif method == "join" and not regex and rest:
                glued = not first and glues_word(rest)
                found.append(Found(match.start(), match.end(), "ps_join", first.join(rest), glued))
    if "split" in lowered and "join" in lowered:
        for match in _SPLIT_JOIN.finditer(text):
            value = _lit(match.group("value"))
            flag = None if match.group("chars") is not None else match.group("flag").lower()
            separator = _lit(match.group("chars") or match.group("op"))
            parts = _split(value, separator, flag)
            if parts is None or len(parts) < 2:
                continue
            sep = _lit(match.group("sep"))
            evident = not sep and cuts_junk(value, separator)
            found.append(Found(match.start(), match.end(), "ps_join", sep.join(parts), evident))
    return found


def glues_word(pieces: list[str]) -> bool:
    """Whether two neighbouring pieces, joined with nothing between them, glue a word
    together (``'Down'`` + ``'load'``): what a script that splits a name apart writes.

    Examples:
        >>> glues_word(["Down", "load"]), glues_word(["https://a.example", "/v1"])
        (True, False)
    """
    return any(a and b and a[-1].isalnum() and b[0].isalnum() for a, b in pairwise(pieces))


def cuts_junk(value: str, junk: str) -> bool:
    """Whether deleting ``junk`` from ``value`` cuts it out of a word (``'PowXXershell'``).

    Ordinary code deletes separators or suffixes (``'a-b'.Replace('-','')``); junk with a
    letter in it, between letters, was put there to be taken out.

    Examples:
        >>> cuts_junk("PowXXershell", "XX"), cuts_junk("report.txt", ".txt")
        (True, False)
    """
    if not any(char.isalnum() for char in junk):
        return False
    position = value.find(junk)
    while 0 <= position < len(value):
        after = position + len(junk)
        inside = position > 0 and after < len(value)
        if inside and value[position - 1].isalpha() and value[after].isalpha():
            return True
        position = value.find(junk, position + 1)
    return False


def _next_in_chain(text: str, start: int, end: int) -> tuple[re.Match[str] | None, int]:
    """The operator that continues a chain at ``end`` (``...).Replace(``), and the start
    of the span then, taken back over the ``(`` that the skipped ``)`` close."""
    position = _skip_space_and(text, end, "")
    closers = 0
    while text.startswith(")", position):
        closers += 1
        position = _skip_space_and(text, position + 1, "")
    nxt = _REPLACE_OP.match(text, position)
    if nxt is None:
        return None, start
    for _ in range(closers):
        before = _skip_back(text, start, " \t")
        if before == 0 or text[before - 1] != "(":
            return None, start
        start = before - 1
    return nxt, start


def _skip_space_and(text: str, position: int, chars: str) -> int:
    while position < len(text) and (text[position] in " \t" or text[position] in chars):
        position += 1
    return position


# -- reversal -------------------------------------------------------------------------------

_ASSIGN = re.compile(r"\$(?P<name>\w{1,64})\s*=\s*(?P<cast>(?i:\[char\[\]\]\s*))?(?=['\"])")
_LITERAL_FORWARD = re.compile(
    rf"'(?P<sq>(?:[^']|''){{0,{MAX_LITERAL}}})'|\"(?P<dq>[^\"$`]{{0,{MAX_LITERAL}}})\""
)
_TO_CHAR_ARRAY = re.compile(r"\s*\.(?i:tochararray)\s*\(\s*\)")
_ASSIGN_CHARS_OF = re.compile(
    r"\$(?P<name>\w{1,64})\s*=\s*(?:\$(?P<src>\w{1,64})\.(?i:tochararray)\s*\(\s*\)"
    r"|(?i:\[char\[\]\])\s*\$(?P<cast_src>\w{1,64})\b)"
)
_RANGE_LITERAL = re.compile(r"\[\s*-1\s*\.\.\s*-\s*(?P<n>\d{1,7})\s*\]")
_RANGE_VARIABLE = re.compile(
    r"\$(?P<name>\w{1,64})\s*\[\s*-1\s*\.\.\s*-\s*"
    r"(?:(?P<n>\d{1,7})|\(\s*\$(?P=name)\.(?i:length|count)\s*\))\s*\]"
)
_ARRAY_REVERSE = re.compile(
    r"\[(?i:array|system\.array)\]::(?i:reverse)\(\s*\$(?P<name>\w{1,64})\s*\)"
)
_REGEX_RTL = re.compile(
    r"\[(?i:regex)\]::(?i:matches)\(\s*(?=['\"])",
)
_RTL_REST = re.compile(r"\s*,\s*['\"]\.['\"]\s*,\s*['\"](?i:righttoleft)['\"]\s*\)")


def _literal_forward(text: str, position: int) -> tuple[int, str] | None:
    match = _LITERAL_FORWARD.match(text, position)
    if match is None:
        return None
    if match.group("sq") is not None:
        return match.end(), match.group("sq").replace("''", "'")
    return match.end(), match.group("dq")


def _assignments(text: str) -> dict[str, list[tuple[int, str, bool]]]:
    """Every ``$name = 'literal'`` (or ``[char[]]'...'``, ``'...'.ToCharArray()``) by name."""
    found: dict[str, list[tuple[int, str, bool]]] = {}
    for match in _ASSIGN.finditer(text):
        literal = _literal_forward(text, match.end())
        if literal is None:
            continue
        end, value = literal
        chars = match.group("cast") is not None or _TO_CHAR_ARRAY.match(text, end) is not None
        found.setdefault(match.group("name").lower(), []).append((end, value, chars))
    if "$" in text[1:] and "char" in text.lower():
        # ``$a = $s.ToCharArray()`` or ``$a = [char[]]$s``: the characters of ``$s`` then.
        for match in _ASSIGN_CHARS_OF.finditer(text):
            held = _value_before(
                found, match.group("src") or match.group("cast_src"), match.start()
            )
            if held is not None:
                entry = (match.end(), held[0], True)
                entries = found.setdefault(match.group("name").lower(), [])
                bisect.insort(entries, entry, key=lambda item: item[0])
    return found


def _value_before(
    assigned: dict[str, list[tuple[int, str, bool]]], name: str, position: int
) -> tuple[str, bool] | None:
    entries = assigned.get(name.lower())
    if not entries:
        return None
    latest = bisect.bisect_right(entries, position, key=lambda entry: entry[0]) - 1
    return (entries[latest][1], entries[latest][2]) if latest >= 0 else None


# ``$a + $b + 'c'``: variables that hold literals, concatenated (at least one variable and
# two pieces; a variable followed by ``[``, ``.`` or ``(`` is something else).
# Possessive, and never starting right after a quote: a run of quotes is read once.
_CONCAT_PART = (
    r"(?:\$\w{1,64}+(?![\w\[.(:])|(?<!['\w])'(?:[^'\n]|''){0,256}+'"
    r"|(?<![\"\w])\"[^\"\n$`]{0,256}+\")"
)
_VARIABLE_CONCAT = re.compile(rf"{_CONCAT_PART}(?:\s*\+\s*{_CONCAT_PART}){{1,64}}")
_CONCAT_PARTS = re.compile(_CONCAT_PART)


def find_variable_concat(text: str) -> list[Found]:
    """``$a + $b`` where each variable was assigned a literal before: the joined value, when
    two pieces glue a word together.

    Examples:
        >>> script = "$a = 'Down'; $b = 'loadString'; $wc.($a+$b)($u)"
        >>> [(f.encoding, f.decoded) for f in find_variable_concat(script)]
        [('ps_concat', 'DownloadString')]
    """
    found: list[Found] = []
    assigned: dict[str, list[tuple[int, str, bool]]] | None = None
    for match in _VARIABLE_CONCAT.finditer(text):
        if "$" not in match.group():
            continue
        assigned = assigned if assigned is not None else _assignments(text)
        pieces: list[str] = []
        for part in _CONCAT_PARTS.findall(match.group()):
            if part.startswith("$"):
                held = _value_before(assigned, part[1:], match.start())
                if held is None or held[1]:
                    break
                pieces.append(held[0])
            else:
                pieces.append(part[1:-1].replace("''", "'") if part[0] == "'" else part[1:-1])
        else:
            # Building a path or a URL from a base is what scripts do; a word glued back
            # together across two pieces (``'Down'`` + ``'loadString'``) is hiding it.
            if glues_word(pieces):
                found.append(Found(match.start(), match.end(), "ps_concat", "".join(pieces)))
    return found


def find_reverse(text: str) -> list[Found]:
    """``'...'[-1..-N]``, ``$s[-1..-($s.Length)]``, ``[array]::Reverse($a)``, RightToLeft."""
    found: list[Found] = []
    lowered = text.lower()
    if "[-1" in text.replace(" ", ""):
        floor = 0
        for match in _RANGE_LITERAL.finditer(text):
            # The literal right before the range, or in parentheses (``("aimohw")[-1..-6]``).
            quoted = match.start()
            parenthesised = text[quoted - 1 : quoted] == ")"
            if parenthesised:
                quoted = len(text[: quoted - 1].rstrip())
            if quoted <= floor or text[quoted - 1] not in "'\"":
                continue
            literal = _literal_back(text, quoted, floor)
            if literal is None:
                continue
            start, value = literal
            if parenthesised:
                opening = len(text[:start].rstrip()) - 1
                if opening < floor or text[opening] != "(":
                    continue
                start = opening
            count = int(match.group("n"))
            found.append(Found(start, match.end(), "ps_reverse", value[::-1][:count], True))
            floor = match.end()
    assigned: dict[str, list[tuple[int, str, bool]]] | None = None
    if "$" in text and ".." in text:
        for match in _RANGE_VARIABLE.finditer(text):
            assigned = assigned if assigned is not None else _assignments(text)
            held = _value_before(assigned, match.group("name"), match.start())
            if held is None:
                continue
            count = int(match.group("n")) if match.group("n") else len(held[0])
            reversed_value = held[0][::-1][:count]
            found.append(Found(match.start(), match.end(), "ps_reverse", reversed_value, True))
    if "reverse" in lowered:
        for match in _ARRAY_REVERSE.finditer(text):
            assigned = assigned if assigned is not None else _assignments(text)
            held = _value_before(assigned, match.group("name"), match.start())
            if held is None or not held[1]:
                continue
            name = re.escape(match.group("name"))
            join = re.compile(
                rf"-(?i:join)\s*\$(?i:{name})\b|\$(?i:{name})\s*-(?i:join)\s*(?:''|\"\")"
            ).search(text, match.end(), match.end() + _JOIN_REACH)
            end = join.end() if join is not None else match.end()
            found.append(Found(match.start(), end, "ps_reverse", held[0][::-1], True))
    if "righttoleft" in lowered:
        for match in _REGEX_RTL.finditer(text):
            literal = _literal_forward(text, match.end())
            if literal is None:
                continue
            end, value = literal
            rest = _RTL_REST.match(text, end)
            if rest is not None:
                found.append(Found(match.start(), rest.end(), "ps_reverse", value[::-1], True))
    return found


# -- -bxor with a constant key ------------------------------------------------------------------

_KEY = r"(?:0x[0-9A-Fa-f]{1,2}|\d{1,3}|\$\w{1,64})"
_BXOR = re.compile(rf"-(?i:bxor)\s*\(?\s*(?P<key>{_KEY})")
_BYTE = r"(?:0x[0-9A-Fa-f]{1,2}|\d{1,3})"
_BYTE_LIST = re.compile(rf"\(\s*{_BYTE}(?:\s*,\s*{_BYTE}){{2,}}\s*\)")
# The same list without its parentheses, right before ``-bxor`` (``0x61, 0x62 -bxor 65``).
# The look-behinds keep a match from starting inside a list: each list is read once.
_BARE_BYTE_LIST = re.compile(
    rf"(?<![\w.,])(?<!,\s)(?<!,\s\s)(?P<list>{_BYTE}(?:\s*,\s*{_BYTE}){{2,}})(?=\s*-(?i:bxor))"
)
_CHARS_CAST = re.compile(r"\[(?i:char|byte)\[\]\]\s*\(?\s*(?=['\"])")
_FROM_BASE64 = re.compile(
    r"(?i:(?:\[(?:system\.)?convert\]::)?from(?P<kind>base64|hex)string)\(\s*(?P<q>['\"])"
    r"(?P<payload>[A-Za-z0-9+/]{4,}={0,2})(?P=q)\s*\)"
)
_NUMERIC_ASSIGN = re.compile(rf"\$(?P<name>\w{{1,64}})\s*=\s*(?P<value>{_BYTE})(?![\w.])")


def _key_value(text: str, token: str, position: int, numbers: _Numbers) -> int | None:
    if not token.startswith("$"):
        value = _number(token)
        return value if 0 < value <= _BYTE_MAX else None
    if numbers.ends is None:
        numbers.ends, numbers.values = {}, {}
        for match in _NUMERIC_ASSIGN.finditer(text):
            name = match.group("name").lower()
            numbers.ends.setdefault(name, []).append(match.end())
            numbers.values.setdefault(name, []).append(_number(match.group("value")))
    name = token[1:].lower()
    ends = numbers.ends.get(name, [])
    latest = bisect.bisect_right(ends, position) - 1
    value = numbers.values[name][latest] if latest >= 0 else 0
    return value if 0 < value <= _BYTE_MAX else None


class _Numbers:
    """``$name = 35`` assignments of one text, read once when a key names a variable."""

    def __init__(self) -> None:
        self.ends: dict[str, list[int]] | None = None
        self.values: dict[str, list[int]] = {}


def _xored(data: bytes, key: int) -> str | None:
    plain = bytes(byte ^ key for byte in data)
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        return None


def find_bxor(text: str) -> list[Found]:
    """Bytes, characters or base64 XORed with a constant key by ``-bxor`` right after."""
    found: list[Found] = []
    sources: list[tuple[int, int, bytes]] = []
    for pattern in (_BYTE_LIST, _BARE_BYTE_LIST):
        for m in pattern.finditer(text):
            values = [_number(n) for n in re.findall(_BYTE, m.group())]
            if max(values) <= _BYTE_MAX:
                sources.append((m.start(), m.end(), bytes(values)))
    for match in _CHARS_CAST.finditer(text):
        literal = _literal_forward(text, match.end())
        if literal is not None:
            end, value = literal
            codes = [ord(char) for char in value]
            if codes and max(codes) <= _BYTE_MAX:
                sources.append((match.start(), end, bytes(codes)))
    for match in _FROM_BASE64.finditer(text):
        payload = match.group("payload")
        try:
            if match.group("kind").lower() == "hex":
                data = bytes.fromhex(payload)
            else:
                data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            continue
        sources.append((match.start(), match.end(), data))
    numbers = _Numbers()
    for start, end, data in sources:
        op = _BXOR.search(text, end, end + _BXOR_REACH)
        if op is None:
            continue
        key = _key_value(text, op.group("key"), start, numbers)
        if key is None:
            continue
        plain = _xored(data, key)
        if plain is not None:
            found.append(Found(start, op.end(), "ps_bxor", plain, evident=True, explicit=True))
    return found


# -- iex wrappers -------------------------------------------------------------------------------

_IEX_BEFORE = re.compile(r"(?<![\w-])(?i:iex|invoke-expression)\s*\(?\s*(?=['\"])")
_IEX_AFTER = re.compile(r"\s*\)?\s*\|\s*(?i:iex|invoke-expression)\b")


def find_iex(text: str) -> list[Found]:
    """``iex 'script'``, ``Invoke-Expression("...")`` and ``'script' | iex``: the script."""
    found: list[Found] = []
    for match in _IEX_BEFORE.finditer(text):
        literal = _literal_forward(text, match.end())
        if literal is None:
            continue
        end, value = literal
        closing = end
        if text[match.start() : match.end()].rstrip().endswith("("):
            closing = _skip_space_and(text, end, "")
            if not text.startswith(")", closing):
                continue
            closing += 1
        found.append(Found(match.start(), closing, "ps_iex", value))
    if "|" in text:
        floor = 0
        for match in _IEX_AFTER.finditer(text):
            position = _skip_back(text, match.start(), " \t")
            if position <= floor or text[position - 1] not in "'\"":
                continue
            literal = _literal_back(text, position, floor)
            if literal is None:
                continue
            start, value = literal
            found.append(Found(start, match.end(), "ps_iex", value))
            floor = match.end()
    return found
