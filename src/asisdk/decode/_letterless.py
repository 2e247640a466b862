"""PowerShell written without letters: special characters only, or spaces and tabs only.

Two of Invoke-Obfuscation's encodings leave no letter of the payload in the text.

*Special characters only* (Mutaguchi's technique): variables with names of punctuation
(``${;}``, ``${ }``, ``${%`*}``) count from ``+$()`` (zero) with ``++``; letters are cut out of
strings PowerShell makes itself (``"$(@{})"`` is ``System.Collections.Hashtable``, ``"$?"`` is
``True``, ``"".("insert")`` prints its overload definition); that spells ``[Char]`` and
``iex``, and a last string interpolates ``[Char]87 + [Char]114 + ...``, which is run. A small
evaluator for exactly that subset of PowerShell (assignment, ``++``, ``+``, indexing, string
interpolation of ``${name}``) gives the last string, which is the layer: the ``[char]`` list
it holds is the next layer down.

*Whitespace*: each character code is written digit by digit, a digit ``d`` as ``d + 1``
spaces (or tabs), the digits parted by one tab (or space) and the codes by two; a stub
splits and counts them back. The literal alone says it all: it is read both ways round and
kept when one reading is whole, readable text.

Both are layers whatever they show: nothing else writes such text.
"""

from __future__ import annotations

import bisect
import re
from typing import Final

from asisdk.decode._powershell import Found

__all__ = ["find_special_chars", "find_whitespace", "may_be_letterless"]

#: The start of the special-character encoding: a braced variable set to ``+$()`` (zero),
#: maybe through others (``${)}=${~}=+$()``).
_ZERO: Final = re.compile(r"(?:\$\{(?:[^}`]|`.){1,64}\}\s*=\s*){1,4}\+\s*\$\(\s*\)")
#: Longest text evaluated, tokens read and string built (a payload is a few KB; a hostile
#: text gets no further).
_MAX_TEXT: Final = 1 << 20
_MAX_TOKENS: Final = 1 << 18
_MAX_STRING: Final = 1 << 20
_MAX_VARIABLES: Final = 64
_MAX_DEPTH: Final = 32
#: What PowerShell makes of the values the encoding cuts letters from.
_HASHTABLE: Final = "System.Collections.Hashtable"
_METHODS: Final = {"insert": "string Insert(int startIndex, string value)"}
_SHORTEST_PAYLOAD: Final = 8

_TOKEN: Final = re.compile(
    r"""
    (?P<space>\s+)
    |\$\{(?P<var>(?:[^}`]|`.){1,64})\}
    |"(?P<dq>(?:\$\{(?:[^}`]|`.){1,64}+\}|\$(?!\{)|[^"`$]|`.|""){0,1048576}+)"
    |'(?P<sq>(?:[^']|''){0,65536}+)'
    |(?P<op>\+\+|\$\(|[-+=;()\[\]{}|%&.^])
    """,
    re.VERBOSE | re.DOTALL,
)
_BRACED: Final = re.compile(r"\$\{(?:[^}`]|`.){1,64}\}")
_LETTER: Final = re.compile(r"[A-Za-z]")
_BACKTICK: Final = re.compile(r"`(.)", re.DOTALL)
# Inside a double-quoted string: a braced variable, a subexpression of an empty hashtable,
# ``$?``, a doubled quote or a backtick escape; any other ``$`` makes the string unknown.
_INTERPOLATION: Final = re.compile(
    r"\$\{(?P<var>(?:[^}`]|`.){1,64})\}|(?P<hash>\$\(\s*@\{\s*\}\s*\))|(?P<ok>\$\?)"
    r'|(?P<quote>"")|`(?P<tick>.)|(?P<other>\$(?=[\w:({]))',
    re.DOTALL,
)

_Value = int | str


class _UnknownError(Exception):
    """The expression leaves the subset the encoding uses."""


class _ExhaustedError(Exception):
    """The text took more reading than a script of its length needs."""


def _name(raw: str) -> str:
    return _BACKTICK.sub(r"\1", raw)


def _index(value: _Value) -> int:
    if isinstance(value, int):
        return value
    text = value.strip()
    if not text.isdigit() or not text.isascii():
        raise _UnknownError
    return int(text)


class _Evaluator:
    """The subset of PowerShell the special-character encoding is written in."""

    def __init__(self, tokens: list[tuple[str, str, int, int]]) -> None:
        self.tokens = tokens
        self.at = 0
        self.variables: dict[str, _Value] = {}
        # Values read in all: a script reads each about once; a text that makes the reader
        # go back over it again and again stops here.
        self.budget = 2 * len(tokens) + 4096
        self.depth = 0

    # -- tokens --------------------------------------------------------------------------

    def _peek(self, kind: str, text: str | None = None) -> bool:
        if self.at >= len(self.tokens):
            return False
        token = self.tokens[self.at]
        return token[0] == kind and (text is None or token[1] == text)

    def _take(self, kind: str, text: str | None = None) -> str:
        if not self._peek(kind, text):
            raise _UnknownError
        self.at += 1
        return self.tokens[self.at - 1][1]

    # -- grammar -------------------------------------------------------------------------

    def statement(self) -> _Value:
        """``${a} = expression`` or an expression."""
        if self._peek("var") and self.at + 1 < len(self.tokens):
            following = self.tokens[self.at + 1]
            if following[0] == "op" and following[1] == "=":
                name = self._take("var")
                self.at += 1
                value = self.statement()  # ``${a} = ${b} = +$()`` sets both
                if name not in self.variables and len(self.variables) >= _MAX_VARIABLES:
                    raise _UnknownError
                self.variables[name] = value
                return value
        return self.expression()

    def expression(self) -> _Value:
        """Terms joined by ``+``; a string on the left makes ``+`` a concatenation."""
        value = self.term()
        while self._peek("op", "+"):
            self.at += 1
            right = self.term()
            if isinstance(value, str):
                value += str(right)
                if len(value) > _MAX_STRING:
                    raise _UnknownError
            elif isinstance(right, int):
                value += right
            else:
                raise _UnknownError
        return value

    def term(self) -> _Value:
        """A primary value, indexed by ``[...]`` or given a member ``.(...)``."""
        value = self.primary()
        while True:
            if self._peek("op", "["):
                self.at += 1
                index = _index(self.expression())
                self._take("op", "]")
                if not isinstance(value, str) or index >= len(value):
                    raise _UnknownError
                value = value[index]
            elif self._peek("op", ".") and self._next_is("op", "("):
                self.at += 2
                member = self.expression()
                self._take("op", ")")
                if not isinstance(value, str) or not isinstance(member, str):
                    raise _UnknownError
                method = _METHODS.get(member.lower())
                if method is None:
                    raise _UnknownError
                value = method
            else:
                return value

    def _next_is(self, kind: str, text: str) -> bool:
        return self.at + 1 < len(self.tokens) and self.tokens[self.at + 1][:2] == (kind, text)

    def primary(self) -> _Value:
        self.budget -= 1
        if self.budget < 0:
            raise _ExhaustedError
        if self.depth >= _MAX_DEPTH:
            raise _UnknownError
        self.depth += 1
        try:
            return self._primary()
        finally:
            self.depth -= 1

    def _primary(self) -> _Value:
        if self._peek("op", "+"):  # unary plus: a number
            self.at += 1
            value = self.term()
            if isinstance(value, str):
                value = _index(value) if value.strip() else 0
            return value
        if self._peek("op", "++"):
            self.at += 1
            name = self._take("var")
            current = self.variables.get(name)
            if not isinstance(current, int):
                raise _UnknownError
            self.variables[name] = current + 1
            return current + 1
        if self._peek("op", "$("):
            self.at += 1
            self._take("op", ")")
            return ""  # ``$()`` is null, which ``+`` makes zero
        if self._peek("op", "("):
            self.at += 1
            value = self.statement()
            self._take("op", ")")
            return value
        if self._peek("var"):
            name = self._take("var")
            if name not in self.variables:
                raise _UnknownError
            return self.variables[name]
        if self._peek("sq"):
            return self._take("sq").replace("''", "'")
        if self._peek("dq"):
            return self._interpolate(self._take("dq"))
        raise _UnknownError

    def _interpolate(self, body: str) -> str:
        out: list[str] = []
        last = size = 0
        for match in _INTERPOLATION.finditer(body):
            if size > _MAX_STRING:
                raise _UnknownError
            out.append(body[last : match.start()])
            size += match.start() - last
            last = match.end()
            if match.group("var") is not None:
                value = self.variables.get(_name(match.group("var")))
                if value is None:
                    raise _UnknownError
                out.append(str(value))
                size += len(out[-1])
            elif match.group("hash") is not None:
                out.append(_HASHTABLE)
            elif match.group("ok") is not None:
                out.append("True")
            elif match.group("quote") is not None:
                out.append('"')
            elif match.group("tick") is not None:
                out.append(match.group("tick"))
            else:
                raise _UnknownError
        out.append(body[last:])
        return "".join(out)

    def run(self) -> tuple[str, int, int] | None:
        """Evaluate every statement that can be; the longest string an expression statement
        gave (not an assignment), with the offsets of its tokens."""
        try:
            return self._statements()
        except _ExhaustedError:
            return None

    def _statements(self) -> tuple[str, int, int] | None:
        best: tuple[str, int, int] | None = None
        while self.at < len(self.tokens):
            start = self.at
            assigns = self._peek("var") and self._next_is("op", "=")
            try:
                value = self.statement()
            except _UnknownError:
                # Go on where the reading failed: what came before it read well.
                self.at = max(start + 1, min(self.at, len(self.tokens) - 1))
                continue
            if self.at == start:  # pragma: no cover - every statement takes a token
                self.at += 1
            if (
                not assigns
                and isinstance(value, str)
                and (best is None or len(value) > len(best[0]))
            ):
                best = (value, self.tokens[start][2], self.tokens[self.at - 1][3])
        return best


def _tokens(text: str, start: int) -> list[tuple[str, str, int, int]] | None:
    """``(kind, text, start, end)`` of every token from ``start``; ``None`` past the caps."""
    tokens: list[tuple[str, str, int, int]] = []
    position = start
    end = min(len(text), start + _MAX_TEXT)
    while position < end:
        match = _TOKEN.match(text, position, end)
        if match is None:
            tokens.append(("other", text[position], position, position + 1))
            position += 1
        else:
            kind = match.lastgroup or "other"
            if kind != "space":
                value = match.group(kind)
                if kind == "var":
                    value = _name(value)
                tokens.append((kind, value, match.start(), match.end()))
            position = match.end()
        if len(tokens) > _MAX_TOKENS:
            return None
    return tokens


def may_be_letterless(text: str, lowered: str) -> bool:
    """Whether ``text`` (``lowered`` is its lower case) may hold one of the two encodings."""
    return ("${" in text and "$(" in text) or ("\t" in text and "split" in lowered)


def find_special_chars(text: str) -> list[Found]:
    """The string a special-character-only script builds and runs, as one layer.

    Examples:
        >>> digits = "".join(f"${{{n}}}=++${{;}};" for n in "+@.[]()&|")
        >>> script = (
        ...     "${;}=+$();${=}=${;};" + digits + '${"}="["+"$(@{})"[${)}]+"$(@{})"["${+}${|}"]'
        ...     '+"$(@{})"["${@}${=}"]+"$?"[${+}]+"]";"${"}${|}${|}+${"}${+}${=}${=}"'
        ... )
        >>> [(f.encoding, f.decoded) for f in find_special_chars(script)]
        [('ps_specialchar', '[CHar]99+[CHar]100')]
    """
    zero = _ZERO.search(text)
    if zero is None:
        return []
    # On a command line the script's quotes are escaped for the shell (``\\"``, ``^|``).
    escaped = [m.start() for m in re.finditer(r'\\"', text)]
    source = text.replace('\\"', '"') if escaped else text
    dropped = [at - k for k, at in enumerate(escaped)]  # where each dropped ``\\`` was
    zero = _ZERO.search(source)
    if zero is None:  # pragma: no cover - unescaping quotes keeps the variable
        return []
    tokens = _tokens(source, zero.start())
    if tokens is None:
        return []
    best = _Evaluator(tokens).run()
    # Special characters only: a letter outside a variable's name is a script written
    # plainly (``"value: ${b}"``), not this encoding.
    if best is None or _LETTER.search(_BRACED.sub("", source[zero.start() : best[2]])):
        return []
    value = best[0].replace("^|", "|").strip()
    if len(value) < _SHORTEST_PAYLOAD or not value.isprintable():
        return []
    start = zero.start() + bisect.bisect_right(dropped, zero.start())
    end = best[2] + bisect.bisect_right(dropped, best[2] - 1)
    return [Found(start, end, "ps_specialchar", value, True, True)]


# -- whitespace --------------------------------------------------------------------------

_BLANK_LITERAL: Final = re.compile(r"'([ \t]{12,})'|\"([ \t]{12,})\"")
_RUN: Final = re.compile(r" +|\t+")
_MAX_DIGIT_RUN: Final = 10
_DELIMITERS: Final = frozenset({1, 2})
_SHORTEST_WHITESPACE: Final = 4


def _read_blank(blank: str, digit: str) -> str | None:
    """``blank`` read with ``digit`` (a space or a tab) as the counting character."""
    codes: list[int] = []
    number = ""
    for run in _RUN.findall(blank.strip(" \t".replace(digit, ""))):
        if run[0] == digit:
            if len(run) > _MAX_DIGIT_RUN:
                return None
            number += str(len(run) - 1)
        elif len(run) not in _DELIMITERS:
            return None
        elif len(run) == 2:  # two delimiters end a code
            codes.append(int(number))
            number = ""
    if number:
        codes.append(int(number))
    if len(codes) < _SHORTEST_WHITESPACE or any(code > 0x10FFFF for code in codes):
        return None
    decoded = "".join(map(chr, codes))
    readable = sum(char.isprintable() or char in "\r\n\t" for char in decoded)
    return decoded if readable == len(decoded) and decoded.strip() else None


def find_whitespace(text: str, lowered: str) -> list[Found]:
    """Scripts spelled in spaces and tabs (Invoke-Obfuscation's whitespace encoding).

    Examples:
        >>> codes = [[1, 0, 8], [1, 1, 5], [3, 2], [4, 5], [1, 0, 8]]  # "ls -l"
        >>> blank = "\\t\\t".join("\\t".join(" " * (d + 1) for d in code) for code in codes)
        >>> script = f"'{blank}' -split '\\t\\t'"
        >>> [(f.encoding, f.decoded) for f in find_whitespace(script, "split")]
        [('ps_whitespace', 'ls -l')]
    """
    if "split" not in lowered:
        return []
    found: list[Found] = []
    for match in _BLANK_LITERAL.finditer(text):
        blank = match.group(1) if match.group(1) is not None else match.group(2)
        if " " not in blank or "\t" not in blank:
            continue
        for digit in (" ", "\t"):
            decoded = _read_blank(blank, digit)
            if decoded is not None:
                found.append(
                    Found(match.start(), match.end(), "ps_whitespace", decoded, True, True)
                )
                break
    return found
