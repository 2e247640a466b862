"""Script-level obfuscation: PowerShell concatenation, format, join and backticks; entities;
JavaScript ``String.fromCharCode`` and ``\\u`` escapes; short base64 in explicit decode calls.

Unlike base64 or hex, these are written by hand in ordinary scripts too (``'a' + 'b'`` is
just code), so a span only becomes a layer when its result *reveals* something its source
hid: a URL, a cmdlet or suspicious keyword, or more encoded content (see :func:`reveals`).
Every pattern is a linear sequence of bounded, mutually exclusive pieces, so a hostile
megabyte of ``'a'+`` costs one pass, not a backtracking explosion.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable
from typing import Final, NamedTuple

from asisdk.decode._cmd import find_caret, find_for_coded, find_quotes, find_variables
from asisdk.decode._letterless import find_special_chars, find_whitespace, may_be_letterless
from asisdk.decode._model import Encoding
from asisdk.decode._packer import find_packed
from asisdk.decode._powershell import (
    Found,
    code_points,
    find_bxor,
    find_iex,
    find_replace,
    find_reverse,
    find_static_calls,
    find_variable_concat,
)
from asisdk.decode._pscodes import find_coded
from asisdk.decode._securestring import SECURESTRING_HEADER, find_securestring
from asisdk.decode._vbjs import (
    find_js_join,
    find_js_reverse,
    find_vb_join,
    find_vb_replace,
    find_vb_reverse,
)

__all__ = [
    "MIN_CODED_ALNUM",
    "SCRIPT_PREFILTER",
    "SCRIPT_WORDS",
    "ScriptCandidate",
    "coded_alnum",
    "decode_script",
    "escapes_alnum",
    "find_explicit_base64",
    "find_script_candidates",
    "may_hold_script",
    "reveals",
    "self_evident",
    "whole_expression",
]

#: Longest quoted piece considered part of an obfuscated expression.
_MAX_PIECE: Final = 4096
_SQ = rf"'[^'\n]{{0,{_MAX_PIECE}}}'"
_DQ = rf'"[^"\n$`]{{0,{_MAX_PIECE}}}"'
_QUOTED = rf"(?:{_SQ}|{_DQ})"
_QUOTED_ONE = re.compile(_QUOTED)
# ``[char]73``, ``[char](73)``, ``[char]0x49``, ``[char](0x49)``.
_CHAR = r"(?i:\[char\])\s*(?:\(\s*(?i:0x[0-9a-f]{1,4}|\d{1,7})\s*\)|(?i:0x[0-9a-f]{1,4})|\d{1,7})"
# Automatic variables whose characters Invoke-Obfuscation picks to spell ``iex``.
_AUTOMATIC: Final[dict[str, str]] = {
    "shellid": "Microsoft.PowerShell",
    "pshome": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0",
    "env:comspec": "C:\\WINDOWS\\system32\\cmd.exe",
    "env:public": "C:\\Users\\Public",
    "verbosepreference": "SilentlyContinue",
}
#: What ``[String]''.Chars`` prints: the method's overload, whose letters spell ``iex`` too.
_CHARS_METHOD: Final = "char Chars(int index)"
# ``$ShellId``, ``${sh`eLl`Id}``, ``$VerbosePreference.ToString()``,
# ``([string]$VerbosePreference)``, ``(Get-Variable '*mdr*').Name`` (MaximumDriveCount),
# ``([String]''.Chars)``.
_AUTO_REF = (
    r"\$\{[\w`:]{1,40}\}(?:\.(?i:tostring)\(\s*\))?"
    r"|\$(?i:shellid|pshome|env:comspec|env:public|verbosepreference(?:\.tostring\(\))?)"
    r"|\(\s*\[(?i:string)\]\s*(?:''|\"\")\.(?i:chars)\s*\)"
    r"|\(\s*\[(?i:string)\]\s*(?:\$\{[\w`]{1,40}\}|\$(?i:verbosepreference))\s*\)"
    r"|\(\s*(?i:get-variable|gv|variable)\s+['\"]\*(?i:mdr)\*['\"]\s*\)\.(?i:name)"
)
_AUTO = rf"(?:{_AUTO_REF})\[\d{{1,2}}\]"
_CONCAT_PIECE = rf"(?:{_QUOTED}|{_CHAR}|{_AUTO})"
_CONCAT_PIECE_ONE = re.compile(
    rf"{_QUOTED}|(?i:\[char\])\s*\(?\s*(?P<code>(?i:0x[0-9a-f]{{1,4}})|\d{{1,7}})\s*\)?"
    rf"|(?P<auto>{_AUTO_REF})\[(?P<at>\d{{1,2}})\]"
)
_AUTO_JOIN = re.compile(
    rf"(?P<auto>{_AUTO_REF})\[(?P<at>\d{{1,2}}(?:\s*,\s*\d{{1,2}}){{1,8}})\]"
    rf"(?:\s*\+\s*(?P<tail>{_QUOTED}))?\s*-(?i:join)\s*(?:''|\"\")"
)
_AUTO_NOISE = re.compile(r"[\s`${}()]|\[string\]|\.tostring")


def _automatic(reference: str) -> str | None:
    """The value of an automatic variable as Invoke-Obfuscation writes it, or ``None``."""
    name = reference.lower()
    if "*mdr*" in name:
        return "MaximumDriveCount"
    if ".chars" in name:
        return _CHARS_METHOD
    return _AUTOMATIC.get(_AUTO_NOISE.sub("", name))


#: One cheap pass: text without any of these holds no script candidate.
SCRIPT_PREFILTER: Final = re.compile(
    r"['\"]\s*\+\s*['\"]|['\"]\s*&(?:amp;)?\s*['\"]"
    r"|(?i:-f\s*['\"]|-join\b|fromcharcode|frombase64string|atob\s*\(|base64\s+-{1,2}d)"
    r"|`[A-Za-z]"
    r"|\$\w{1,64}\s*\+\s*[$'\"]"
    r"|(?i:\[char\]\s*\(?\s*(?:0x[0-9a-f]{1,4}|\d{1,7})\s*\)?\s*\+)"
    r"|&#?\w{1,8};"
    r"|\\u[0-9A-Fa-f{]"
    r"|\[\s*-1\s*\.\."
    r"|\w\^(?:\w|\r?\n)"
    r'|[\w.\-]""[\w.\-]{1,64}""[\w.\-]'
    r"|\$\{?(?i:shellid|pshome|env:comspec|env:public|verbosepreference)"
    r"|(?i:chr[wb]?\$?)\s*\("
    r"|[%!][\w.\-#$@]{1,64}(?::[~\w*][^%!\r\n]{0,64})?[%!]"
    r"|['\"]\s*(?i:-[ci]?split|\.split\s*\()\s*['\"]"
    r"|[\]'\"]\s*\)?\s*\.\s*join\s*\("
    r"|\]::(?i:replace|concat|join)\s*\("
    r"|(?i:join)\s*\(\s*(?i:split|array)\s*\("
    r"|\$\{[^}]{1,64}\}\s*=\s*\+\s*\$\("
    r"|['\"](?=[ \t]{12})[ \t]*\t[ \t]*['\"]"
)

_CONCAT = re.compile(rf"{_CONCAT_PIECE}(?:\s*\+\s*{_CONCAT_PIECE})+")
_FORMAT = re.compile(
    rf"(?:\"(?P<fmt>(?:\{{\d{{1,3}}\}}|[^\"{{}}\n$`]){{1,{_MAX_PIECE}}})\""
    rf"|'(?P<sfmt>(?:\{{\d{{1,3}}\}}|[^'{{}}\n]){{1,{_MAX_PIECE}}})')\s*-[fF]\s*"
    rf"(?P<args>{_QUOTED}(?:\s*,\s*{_QUOTED})*)"
)
_JOIN_AFTER = re.compile(rf"\(\s*{_QUOTED}(?:\s*,\s*{_QUOTED})+\s*\)\s*-(?i:join)\s*(?:''|\"\")")
_JOIN_BEFORE = re.compile(rf"-(?i:join)\s*\(\s*{_QUOTED}(?:\s*,\s*{_QUOTED})+\s*\)")
# The look-behind anchors a name at its first character: without it, every position of a long
# word would rescan the rest of the word.
_BACKTICK = re.compile(r"(?<![\w.\-])[\w.\-]*(?:`[A-Za-z][\w.\-]*)+")
_TOKEN = re.compile(r"[^\s\"'<>`]+")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z]{2,8});")
_FROMCHARCODE = re.compile(
    r"String\s*(?:\.\s*fromCharCode|\[\s*(?P<q>['\"])fromCharCode(?P=q)\s*\])\s*"
    r"(?:\.\s*apply\s*\(\s*(?:null|this|String|undefined)\s*,\s*\[|\()"
    r"\s*(?:0[xX][0-9A-Fa-f]{1,6}|\d{1,7})"
    r"(?:\s*,\s*(?:0[xX][0-9A-Fa-f]{1,6}|\d{1,7}))*\s*[\])]"
)
_UNESCAPE = re.compile(
    r"(?i:unescape|decodeURIComponent|decodeURI)\s*\(\s*(?P<q>['\"])"
    r"(?P<body>(?:%u[0-9A-Fa-f]{4}|%[0-9A-Fa-f]{2}|[^'\"%\n\\]){1,65536})(?P=q)\s*\)"
)
_UNESCAPE_ONE = re.compile(r"%u([0-9A-Fa-f]{4})|%([0-9A-Fa-f]{2})")
# VBA/VBScript: ``Chr(104) & "ttp" & ChrW(58)``; a code may be a small sum (``Chr(50 + 54)``).
# AutoIt also writes ``'...'``; Office XML keeps formulas with ``&amp;`` for ``&``. Chr calls
# may also stand side by side. A literal's doubled quotes (``"say ""hi"""``) are not read:
# a pattern for them, tried at every quote of a run of quotes, would cost quadratic time.
_VB_CODE = r"(?:&[hH][0-9A-Fa-f]{1,4}|\d{1,5})(?:\s*[-+*]\s*\d{1,5})?"
_VB_CHR = rf"(?i:chr[wb]?\$?)\(\s*{_VB_CODE}\s*\)"
_VB_DQ = rf'"[^"\n]{{0,{_MAX_PIECE}}}"'
_VB_SQ = rf"'[^'\n]{{0,{_MAX_PIECE}}}'"
_VB_PIECE = rf"(?:{_VB_CHR}|{_VB_DQ}|{_VB_SQ})"
_VB_AND = r"\s*(?:&(?:amp;)?|\+)\s*"
_VB_CONCAT = re.compile(rf"{_VB_PIECE}(?:{_VB_AND}{_VB_PIECE})+|{_VB_CHR}(?:\s*{_VB_CHR})+")
_VB_PIECE_ONE = re.compile(
    r'"(?P<lit>[^"\n]{0,4096})"|\'(?P<sq>[^\'\n]{0,4096})\'|(?i:chr[wb]?\$?)\(\s*(?P<a>&[hH][0-9A-Fa-f]{1,4}|\d{1,5})'
    r"(?:\s*(?P<op>[-+*])\s*(?P<b>\d{1,5}))?\s*\)"
)
# JavaScript (and C-like) literals with backslash escapes: ``"say \\"hi\\"" + '...'``.
_JS_DQ = rf'"(?:[^"\\\n]|\\[^\n]){{0,{_MAX_PIECE}}}"'
_JS_SQ = rf"'(?:[^'\\\n]|\\[^\n]){{0,{_MAX_PIECE}}}'"
_JS_CONCAT = re.compile(rf"(?:{_JS_DQ}|{_JS_SQ})(?:\s*\+\s*(?:{_JS_DQ}|{_JS_SQ}))+")
_JS_PIECE_ONE = re.compile(rf"{_JS_DQ}|{_JS_SQ}")
_JS_BACKSLASH = re.compile(r"\\([\\'\"])")
_VB_CHR_ONE = re.compile(rf"(?<![\w.]){_VB_CHR}")
_JS_ESCAPE_ONE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\u\{([0-9A-Fa-f]{1,6})\}|\\x([0-9A-Fa-f]{2})")
_EXPLICIT_CALL = re.compile(
    r"(?i:frombase64string|atob)\s*\(\s*(?P<q>['\"])(?P<payload>[A-Za-z0-9+/]{4,}={0,2})(?P=q)"
)
_EXPLICIT_PIPE = re.compile(
    r"(?i:echo|printf)\s+(?:-n\s+)?(?P<q>['\"]?)(?P<payload>[A-Za-z0-9+/]{4,}={0,2})(?P=q)"
    r"\s*\|\s*(?i:base64)\s+(?:-d|--decode|-D)\b"
)
_PERCENT_ALNUM = re.compile(r"%(?:3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa])")
_NUMERIC_ENTITY = re.compile(r"&#(?:([0-9]{1,7})|[xX]([0-9A-Fa-f]{1,6}));")
_NUMBER = re.compile(r"0[xX][0-9A-Fa-f]+|\d+")
_FORMAT_ITEM = re.compile(r"\{(\d{1,3})\}")
_MAX_CODE_POINT: Final = 0x10FFFF
_SURROGATES: Final = range(0xD800, 0xE000)

# What a deobfuscated text must show that its source did not.
_REVEALING = re.compile(
    r"(?i:https?://[\w.\-:@\[\]]+|\\\\[\w.\-]+\\[\w$]+"
    r"|\b(?:iex|invoke-expression|invoke-webrequest|iwr|downloadstring|downloadfile|downloaddata"
    r"|net\.webclient|webclient|start-process|new-object|invoke-command|invoke-mimikatz"
    r"|frombase64string|encodedcommand|bitstransfer|system\.reflection\.assembly|amsiutils"
    r"|amsiinitfailed|virtualalloc|createthread|shellexecute|wscript\.shell|powershell"
    r"|cmd\.exe|mshta|rundll32|regsvr32|certutil|bitsadmin|eval|document\.write|unescape"
    r"|activexobject|xmlhttp|<script)\b)"
    r"|\b[A-Z][a-z]{1,11}-[A-Z][A-Za-z]{2,40}\b"
)


class ScriptCandidate(NamedTuple):
    """A span that may be script-level obfuscation; ``encoding`` says which kind."""

    start: int
    end: int
    encoding: Encoding
    #: The text it stands for, when the finder already worked it out.
    decoded: str | None = None
    #: The finder saw obfuscation on its face (see :attr:`Found.evident`).
    evident: bool = False
    #: The value is asked for (see :attr:`Found.explicit`): a layer whatever it shows.
    explicit: bool = False


def _indicators(text: str) -> set[str]:
    return {match.lower() for match in _REVEALING.findall(text)}


def reveals(source: str, decoded: str, *, encoded_inside: bool) -> bool:
    """Whether ``decoded`` shows something ``source`` hid (an indicator or encoded content).

    Args:
        source: the obfuscated span as written.
        decoded: what it stands for.
        encoded_inside: whether ``decoded`` holds further encoded content.

    Examples:
        >>> reveals("'Down'+'loadString'", "DownloadString", encoded_inside=False)
        True
        >>> reveals("'C:\\\\'+'temp'", "C:\\\\temp", encoded_inside=False)
        False
    """
    if decoded == source:
        return False
    return encoded_inside or bool(_indicators(decoded) - _indicators(source))


def escapes_alnum(encoding: Encoding, source: str) -> bool:
    """Whether ``source`` escapes a letter or digit, which no encoder needs to do.

    URLs percent-encode ``:/?&`` and HTML writes ``&amp;`` in ordinary text; writing ``h`` as
    ``%68`` or ``&#104;`` is done to hide a word.

    Examples:
        >>> escapes_alnum("percent", "%68%74%74%70%3A%2F%2F"), escapes_alnum("percent", "%3A%2F")
        (True, False)
    """
    if encoding == "percent":
        return _PERCENT_ALNUM.search(source) is not None
    for match in _NUMERIC_ENTITY.finditer(source):
        decimal, hexadecimal = match.groups()
        code = int(decimal) if decimal else int(hexadecimal, 16)
        if code < _MAX_CODE_POINT and chr(code).isascii() and chr(code).isalnum():
            return True
    return False


#: Letters and digits written as codes (``&#x45;``, ``%41``, ``\\x41``, ``Chr(65)``) from which
#: a span is obfuscation on its face: a constant may need a code or three, a word does not.
MIN_CODED_ALNUM: Final = 4
#: Escapes in the literal of an explicit ``unescape(...)`` call that make it a layer.
_MIN_CALL_ESCAPES: Final = 4
_CODED: Final = frozenset(
    {"html_entity", "js_escape", "js_unescape", "js_charcode", "vba_chr", "vba_concat", "ps_concat"}
)


def _codes(encoding: Encoding, source: str) -> list[int]:
    """The character codes that ``source`` writes as codes (not as literal text)."""
    if encoding == "html_entity":
        return [int(dec) if dec else int(hexa, 16) for dec, hexa in _NUMERIC_ENTITY.findall(source)]
    if encoding == "js_escape":
        return [int(next(g for g in m.groups() if g), 16) for m in _JS_ESCAPE_ONE.finditer(source)]
    if encoding in ("js_unescape", "percent"):
        return [int(a or b, 16) for a, b in _UNESCAPE_ONE.findall(source)]
    if encoding == "js_charcode":
        numbers = _NUMBER.findall(source[source.index("(") :])
        return [int(n, 16 if n[:2] in ("0x", "0X") else 10) for n in numbers]
    if encoding in ("vba_chr", "vba_concat"):
        codes = (_vb_code(m) for m in _VB_PIECE_ONE.finditer(source) if m.group("a"))
        return [code for code in codes if code is not None]
    return [_number(m.group("code")) for m in _CONCAT_PIECE_ONE.finditer(source) if m.group("code")]


def coded_alnum(encoding: Encoding, source: str) -> int:
    """How many ASCII letters and digits ``source`` writes as character codes.

    Examples:
        >>> coded_alnum("html_entity", "&#x45;&#x78;&#x74;&lt;"), coded_alnum("vba_chr", "Chr(13)")
        (3, 0)
    """
    return sum(
        1
        for code in _codes(encoding, source)
        if code < _MAX_CODE_POINT and chr(code).isascii() and chr(code).isalnum()
    )


def _literal_pieces(encoding: Encoding, source: str) -> list[str] | None:
    """The literals a concatenation joins, or ``None`` when a piece is not a literal."""
    if encoding == "vba_concat":
        pieces: list[str] = []
        for match in _VB_PIECE_ONE.finditer(source):
            if match.group("a") is not None:
                return None
            pieces.append(_vb_literal(match))
        return pieces
    pattern = _JS_PIECE_ONE if encoding == "js_concat" else _CONCAT_PIECE_ONE
    out: list[str] = []
    for match in pattern.finditer(source):
        if encoding == "ps_concat" and (match.group("code") or match.group("auto")):
            return None
        out.append(match.group())
    if encoding == "js_concat":
        return [_JS_BACKSLASH.sub(r"\1", piece[1:-1]) for piece in out]
    return [piece[1:-1] for piece in out]


#: Letters a word cut by a concatenation must have (``'a'+'b'`` is no word).
_MIN_WORD: Final = 4


def splits_words(encoding: Encoding, source: str) -> int:
    """How many joins of a literal concatenation fall inside a word (``'Po'+'wer'``).

    Code wraps a long string between words (``'Processed ' + 'items'``); cutting a word in
    two is done to hide it.

    Examples:
        >>> splits_words("ps_concat", "'Po'+'wer'+'Sh'+'ell'")
        3
        >>> splits_words("ps_concat", "'a '+'b'")
        0
    """
    pieces = _literal_pieces(encoding, source)
    if pieces is None:
        return 0
    words = [piece for piece in pieces if piece]
    # VB's ``&`` also chains cmd commands (``"a.exe" & "b.exe"``): there a cut must join two
    # lower-case letters.
    lower = encoding == "vba_concat"
    return sum(1 for left, right in itertools.pairwise(words) if _cuts(left, right, lower=lower))


def _cuts(left: str, right: str, *, lower: bool) -> bool:
    """Whether ``left + right`` joins letters of one word (not a file extension's)."""
    before, after = _run(reversed(left)), _run(right)
    if not before or not after or before + after < _MIN_WORD:
        return False
    if len(left) > before and left[-before - 1] == ".":
        return False
    return not lower or (left[-1].islower() and right[0].islower())


def _run(chars: Iterable[str]) -> int:
    """How many letters ``chars`` starts with (at most :data:`_MIN_WORD`)."""
    count = 0
    for char in chars:
        if not char.isalpha() or count == _MIN_WORD:
            break
        count += 1
    return count


def self_evident(encoding: Encoding, source: str) -> bool:
    """Whether ``source`` is obfuscation on its face, whatever the text it stands for.

    A word of letters written as codes (``&#x45;&#x78;&#x74;&#x65;``, ``Chr(69) & Chr(120)...``),
    an ``unescape('...')`` call on a mostly escaped literal, or a concatenation of literals
    that cuts words (``"a"+"pp"+"le"``; with VB's ``&``, which also chains cmd commands, two
    such cuts). Ordinary text shows none of these, so they are layers even when the text
    they hide is harmless.

    Examples:
        >>> self_evident("vba_chr", "Chr(100) & Chr(117) & Chr(99) & Chr(107)")
        True
        >>> self_evident("js_charcode", "String.fromCharCode(65,66,67)")
        False
    """
    if encoding in _CODED and coded_alnum(encoding, source) >= MIN_CODED_ALNUM:
        return True
    if encoding == "js_unescape" and len(_UNESCAPE_ONE.findall(source)) >= _MIN_CALL_ESCAPES:
        return True
    if encoding in ("ps_concat", "js_concat"):
        return splits_words(encoding, source) >= 1
    if encoding == "vba_concat":
        return splits_words(encoding, source) >= 2
    if encoding == "ps_format":
        return _reordered(source)
    if encoding == "ps_backtick":
        return len(_TICK_IN_WORD.findall(source)) >= _MIN_TICKS
    return False


# A backtick inside a word before a letter that is no escape (```n``, ```t`` ... are):
# ``IN`V`o`Ke``, ``Ne`W-ob`ject``. Escapes are lower-case only: ```N`` is just ``N``. Two
# of them: Invoke-Obfuscation's ticks; Empire's single ``"GEtFie`LD"`` names nothing.
_MIN_TICKS: Final = 2
_TICK_IN_WORD: Final = re.compile(r"[A-Za-z0-9]`[A-Zcdghijklmopqswxyz]")


def _reordered(source: str) -> bool:
    """Whether a format string is placeholders alone, out of order (``"{2}{0}{1}" -f ...``).

    Output templates have words between their items, in order; Invoke-Obfuscation's
    reordering has nothing else, shuffled.
    """
    match = _FORMAT.fullmatch(source)
    if match is None:
        return False
    fmt = match.group("fmt") or match.group("sfmt") or ""
    items = [int(index) for index in _FORMAT_ITEM.findall(fmt)]
    bare = _FORMAT_ITEM.sub("", fmt).rstrip("\\")
    return not bare and len(items) >= 2 and items != sorted(items)


_CHR_CALL: Final = re.compile(r"(?i:chr[wb]?\$?)\s*\(")
_QUOTES_AND: Final = re.compile(r"['\"]\s*&(?:amp;)?\s*['\"]")

#: Words that mark a script trick; looked for with ``in`` (much cheaper than a regex
#: alternation tried at every position).
SCRIPT_WORDS: Final = (
    "replace",
    "bxor",
    "reverse",
    "righttoleft",
    "iex",
    "invoke-expression",
    "unescape",
    "decodeuri",
    "toint16",
    "eval(function(p,a,c,k,e,",
    SECURESTRING_HEADER,
)


#: :data:`SCRIPT_PREFILTER`'s alternatives, each after a substring every match of it holds
#: (in the lower-cased text): one alternation tried at every position costs several times
#: more than a few ``in`` tests and the one or two patterns that can match. ``None``: the
#: substring alone is a match.
_SCRIPT_GUARDS: Final[tuple[tuple[str, re.Pattern[str] | None], ...]] = (
    (
        "+",
        re.compile(
            r"['\"]\s*\+\s*['\"]|(?i:\[char\]\s*\(?\s*(?:0x[0-9a-f]{1,4}|\d{1,7})\s*\)?\s*\+)"
            r"|\$\w{1,64}\s*\+\s*[$'\"]"
        ),
    ),
    ("-f", re.compile(r"(?i:-f)\s*['\"]")),
    # ``-join``, JavaScript's ``.join(``, ``[string]::Join(`` and VB's ``Join(Split(``: one
    # substring test for all (each ``in`` costs as much as a rare pattern's search).
    (
        "join",
        re.compile(
            r"(?i:-join)\b|[\]'\"]\s*\)?\s*\.\s*join\s*\(|\]::(?i:join)\s*\("
            r"|(?i:join)\s*\(\s*(?i:split|array)\s*\("
        ),
    ),
    ("concat", re.compile(r"\]::(?i:concat)\s*\(")),
    ("fromcharcode", None),
    ("frombase64string", None),
    ("atob", re.compile(r"(?i:atob)\s*\(")),
    ("base64", re.compile(r"(?i:base64)\s+-{1,2}d")),
    ("`", re.compile(r"`[A-Za-z]")),
    ("&", re.compile(r"&#?\w{1,8};|['\"]\s*&(?:amp;)?\s*['\"]")),
    ("\\u", re.compile(r"\\u[0-9A-Fa-f{]")),
    ("..", re.compile(r"\[\s*-1\s*\.\.")),
    ("^", re.compile(r"\w\^(?:\w|\r?\n)")),
    # cmd's empty quotes inside a word (``n""et""st""at``)
    ('""', re.compile(r'[\w.\-]""[\w.\-]{1,64}""[\w.\-]')),
    (
        "$",
        re.compile(
            r"\$\{?(?i:shellid|pshome|env:comspec|env:public|verbosepreference)"
            # Invoke-Obfuscation's special-character encoding (see ``_letterless``).
            r"|\$\{[^}]{1,64}\}\s*=\s*\+\s*\$\("
        ),
    ),
    # ``chr`` alone is in every Chrome command line: only a call counts.
    ("chr", _CHR_CALL),
    ("%", re.compile(r"%[\w.\-#$@]{1,64}(?::[~\w*][^%!\r\n]{0,64})?[%!]")),
    ("!", re.compile(r"[%!][\w.\-#$@]{1,64}(?::[~\w*][^%!\r\n]{0,64})?[%!]")),
    # Invoke-Obfuscation's codes split out of a literal: ``'73%110q118'-split '%'``.
    ("split", re.compile(r"['\"]\s*(?i:-[ci]?split|\.split\s*\()\s*['\"]")),
    # Invoke-Obfuscation's whitespace encoding (see ``_letterless``).
    ("\t", re.compile(r"['\"](?=[ \t]{12})[ \t]*\t[ \t]*['\"]")),
)


def may_hold_script(text: str) -> bool:
    """Whether ``text`` may hold script obfuscation (a few ``in`` tests, a regex or two).

    Exactly ``SCRIPT_PREFILTER.search(text)`` or a script word present. On ASCII text each
    alternative of the prefilter is tried only where its guard substring occurs (for ASCII,
    ``(?i:...)`` matches what ``str.lower`` finds); other text takes the one-pattern path,
    since case-insensitive matching also folds a few non-ASCII letters (``ſ``, ``K``).

    Examples:
        >>> may_hold_script("cmd /c echo %COMSPEC:~0,1%"), may_hold_script("whoami /all")
        (True, False)
    """
    lowered = text.lower()
    # Plain loops: this runs on every text, and a generator costs more than its ``in`` tests.
    for word in SCRIPT_WORDS:
        if word in lowered:
            return True
    if not text.isascii():
        return SCRIPT_PREFILTER.search(text) is not None
    for guard, pattern in _SCRIPT_GUARDS:
        if guard in lowered and (pattern is None or pattern.search(text) is not None):
            return True
    return False


# -- a text that is one expression ------------------------------------------------------------

#: Longest text read as one constant expression.
_WHOLE_CAP: Final = 65536
#: What such an expression starts with: a quote, ``Chr`` or ``[char]``.
_WHOLE_FIRST: Final = frozenset("'\"cC[")
_WHOLE_PLUS: Final = re.compile(r"\s*\+\s*")
_WHOLE_SPACE: Final = re.compile(r"\s*")
_WHOLE_CODE: Final = re.compile(
    r"(?i:chr[wb]?\$?)\(\s*(?P<a>&[hH][0-9A-Fa-f]{1,4}|\d{1,5})"
    r"(?:\s*(?P<op>[-+*])\s*(?P<b>\d{1,5}))?\s*\)"
    r"|(?i:\[char\])\s*(?P<ps>\d{1,7})"
)
# Two ways of writing a quote inside a literal: doubled (VB, PowerShell's ``'it''s'``) or
# after a backslash (JavaScript, C). Each piece pattern is tried at one position only, so a
# run of quotes costs one pass.
_WHOLE_DOUBLED: Final = re.compile(r'"((?:[^"\n]|""){0,65536})"|\'((?:[^\'\n]|\'\'){0,65536})\'')
_WHOLE_ESCAPED: Final = re.compile(
    r'"((?:[^"\\\n]|\\[^\n]){0,65536})"|\'((?:[^\'\\\n]|\\[^\n]){0,65536})\''
)


def whole_expression(text: str) -> ScriptCandidate | None:
    """The value of ``text`` when it is one constant expression and nothing else.

    A text that is nothing but ``chr(65)``, ``"first " + "second"`` or ``'''' + ''''`` asks
    what it stands for: the value is a layer whatever it shows. The same pieces inside a
    statement (``$s = "a" + "b"``) are ordinary code, and only a layer when they hide
    something (see :func:`self_evident`). Pieces are literals (quotes doubled or escaped
    with a backslash), ``Chr(n)``/``ChrW``/``ChrB`` and ``[char]n``, joined by ``+``; ``Chr``
    calls may also stand side by side. ``&`` is left out: a command line that is two quoted
    programs joined by cmd's ``&`` is no expression.

    Examples:
        >>> whole_expression("chr(65)").decoded
        'A'
        >>> whole_expression("'''' + ''''").decoded
        "''"
        >>> whole_expression('$s = "a" + "b"') is None
        True
    """
    if len(text) > 2 * _WHOLE_CAP:
        return None
    end = len(text.rstrip())
    start = len(text) - len(text.lstrip())
    if not 3 <= end - start <= _WHOLE_CAP or text[start] not in _WHOLE_FIRST:
        return None
    for literal, escaped in ((_WHOLE_ESCAPED, True), (_WHOLE_DOUBLED, False)):
        value = _evaluate(text, start, end, literal, escaped=escaped)
        if value is not None:
            decoded, encoding = value
            return ScriptCandidate(start, end, encoding, decoded, evident=True, explicit=True)
    return None


def _evaluate(
    text: str, position: int, end: int, literal: re.Pattern[str], *, escaped: bool
) -> tuple[str, Encoding] | None:
    """The value of the expression ``text[position:end]`` and its kind, or ``None``."""
    out: list[str] = []
    kind: Encoding = "ps_concat"
    operators = codes = 0
    while True:
        code = _WHOLE_CODE.match(text, position, end)
        if code is not None:
            value = _vb_code(code) if code.group("a") else int(code.group("ps"))
            if value is None or value > _MAX_CODE_POINT or value in _SURROGATES:
                return None
            out.append(chr(value))
            codes += 1
            if code.group("a"):
                kind = "vba_chr"
            position = code.end()
        elif (piece := literal.match(text, position, end)) is not None:
            quote = piece.group()[0]
            body = piece.group(1) if quote == '"' else piece.group(2)
            if not escaped:
                out.append(body.replace(quote * 2, quote))
            elif "\\" in body:
                out.append(_JS_BACKSLASH.sub(r"\1", body))
                kind = "js_concat" if kind == "ps_concat" else kind
            else:
                out.append(body)
            position = piece.end()
        else:
            return None
        if position == end:
            break
        plus = _WHOLE_PLUS.match(text, position, end)
        if plus is not None:
            operators += 1
            position = plus.end()
            continue
        # ``Chr(72)Chr(105)``: calls side by side.
        space = _WHOLE_SPACE.match(text, position, end)
        after = space.end() if space is not None else position
        if code is None or _WHOLE_CODE.match(text, after, end) is None:
            return None
        position = after
    if not operators and not codes:
        return None  # a lone literal is no expression
    return "".join(out), kind


def find_script_candidates(text: str) -> list[ScriptCandidate]:
    """Return every span of ``text`` that may be script obfuscation (unordered)."""
    found: list[ScriptCandidate] = []
    whole = whole_expression(text)
    if whole is not None:
        found.append(whole)
    lowered = text.lower()
    if "+" in text:
        found.extend(
            ScriptCandidate(m.start(), m.end(), "ps_concat") for m in _CONCAT.finditer(text)
        )
    if "-f" in lowered:
        found.extend(
            ScriptCandidate(m.start(), m.end(), "ps_format") for m in _FORMAT.finditer(text)
        )
        if "(" in text:
            found.extend(find_nested_format(text))
    if "-join" in lowered:
        for pattern in (_JOIN_AFTER, _JOIN_BEFORE):
            found.extend(
                ScriptCandidate(m.start(), m.end(), "ps_join") for m in pattern.finditer(text)
            )
    if "`" in text:
        found.extend(
            ScriptCandidate(m.start(), m.end(), "ps_backtick") for m in _BACKTICK.finditer(text)
        )
    if "&" in text and ";" in text:
        found.extend(
            ScriptCandidate(m.start(), m.end(), "html_entity")
            for m in _TOKEN.finditer(text)
            if _ENTITY.search(m.group())
        )
    if "fromcharcode" in lowered:
        found.extend(
            ScriptCandidate(m.start(), m.end(), "js_charcode") for m in _FROMCHARCODE.finditer(text)
        )
    if ("$" in text or "mdr" in lowered or ".chars" in lowered) and "-join" in lowered:
        for m in _AUTO_JOIN.finditer(text):
            value = _automatic(m.group("auto"))
            at = [int(n) for n in m.group("at").split(",")]
            if value is not None and max(at) < len(value):
                joined = "".join(value[n] for n in at)
                if m.group("tail") is not None:
                    joined += _unquote(m.group("tail"))
                found.append(ScriptCandidate(m.start(), m.end(), "ps_join", joined))
    chr_calls = "chr" in lowered and _CHR_CALL.search(text) is not None
    if chr_calls or ("&" in text and _QUOTES_AND.search(text) is not None):
        for m in _VB_CONCAT.finditer(text):
            chr_in = "chr" in m.group().lower()
            if chr_in or "&" in m.group():
                found.append(
                    ScriptCandidate(m.start(), m.end(), "vba_chr" if chr_in else "vba_concat")
                )
    if chr_calls:
        found.extend(
            ScriptCandidate(m.start(), m.end(), "vba_chr") for m in _VB_CHR_ONE.finditer(text)
        )
    if "+" in text and ("\\'" in text or '\\"' in text):
        found.extend(
            ScriptCandidate(m.start(), m.end(), "js_concat") for m in _JS_CONCAT.finditer(text)
        )
    if "unescape" in lowered or "decodeuri" in lowered:
        found.extend(
            ScriptCandidate(m.start(), m.end(), "js_unescape") for m in _UNESCAPE.finditer(text)
        )
    found.extend(_tricks(text, lowered))
    if "\\u" in text:
        found.extend(
            ScriptCandidate(m.start(), m.end(), "js_escape")
            for m in _TOKEN.finditer(text)
            if "\\u" in m.group() and _JS_ESCAPE_ONE.search(m.group())
        )
    return found


def _tricks(text: str, lowered: str) -> list[ScriptCandidate]:
    """The tricks whose finders work out the text themselves (see ``_powershell``, ``_cmd``)."""
    found: list[Found] = []
    if "replace" in lowered:
        found.extend(find_replace(text))
        found.extend(find_vb_replace(text))
    if "[" in text or "reverse" in lowered or "righttoleft" in lowered:
        found.extend(find_reverse(text))
    if "reverse" in lowered:
        found.extend(find_vb_reverse(text))
        found.extend(find_js_reverse(text))
    if "bxor" in lowered:
        found.extend(find_bxor(text))
    if ".join" in lowered:
        found.extend(find_js_join(text))
    if "join" in lowered and ("split" in lowered or "array" in lowered):
        found.extend(find_vb_join(text))
    if "+" in text and "$" in text:
        found.extend(find_variable_concat(text))
    if ("::" in text and ("replace" in lowered or "concat" in lowered or "join" in lowered)) or (
        "split" in lowered and "-join" in lowered
    ):
        found.extend(find_static_calls(text))
    if "split" in lowered or "toint" in lowered:
        found.extend(find_coded(text, lowered))
    if "eval(function(p,a,c,k,e," in text:
        found.extend(find_packed(text))
    if "iex" in lowered or "invoke-expression" in lowered:
        found.extend(find_iex(text))
    if SECURESTRING_HEADER in text:
        found.extend(find_securestring(text))
    if may_be_letterless(text, lowered):
        found.extend(find_special_chars(text))
        found.extend(find_whitespace(text, lowered))
    if "^" in text:
        found.extend(find_caret(text))
    if '""' in text:
        found.extend(find_quotes(text))
    if "%" in text or "!" in text:
        found.extend(find_variables(text))
        if ":~%" in text and "for" in lowered:
            found.extend(find_for_coded(text))
    return [
        ScriptCandidate(f.start, f.end, f.encoding, f.decoded, f.evident, f.explicit) for f in found
    ]


def find_explicit_base64(text: str) -> list[tuple[int, int]]:
    """Spans of base64 payloads that a decode call names as base64, however short."""
    lowered = text.lower()
    spans: list[tuple[int, int]] = []
    if "frombase64string" in lowered or "atob" in lowered:
        spans.extend(m.span("payload") for m in _EXPLICIT_CALL.finditer(text))
    if "base64" in lowered and "|" in text:
        spans.extend(m.span("payload") for m in _EXPLICIT_PIPE.finditer(text))
    return spans


def _unquote(piece: str) -> str:
    return piece[1:-1]


def _pieces(text: str) -> list[str]:
    return [_unquote(m.group()) for m in _QUOTED_ONE.finditer(text)]


def _number(code: str) -> int:
    """A character code as written: decimal, or hexadecimal after ``0x``."""
    return int(code, 16) if code[:2].lower() == "0x" else int(code)


def _concat(source: str) -> str | None:
    out: list[str] = []
    for match in _CONCAT_PIECE_ONE.finditer(source):
        code = match.group("code")
        if match.group("auto") is not None:
            value = _automatic(match.group("auto"))
            at = int(match.group("at"))
            if value is None or at >= len(value):
                return None
            out.append(value[at])
        elif code is None:
            out.append(_unquote(match.group()))
        else:
            number = _number(code)
            if number > _MAX_CODE_POINT or number in _SURROGATES:
                return None
            out.append(chr(number))
    return "".join(out)


def _format(source: str) -> str | None:
    match = _FORMAT.fullmatch(source)
    if match is None:
        return None
    fmt = match.group("fmt")
    if fmt is None:
        fmt = match.group("sfmt")
    elif fmt.endswith("}\\"):
        # ``\"{1}{0}\" -f ...`` inside ``cmd /c "..."``: cmd's escaped quote, not a backslash.
        fmt = fmt[:-1]
    return _fill(fmt, _pieces(match.group("args")))


def _fill(fmt: str, args: list[str]) -> str | None:
    """``fmt -f args``, or ``None`` without a placeholder or with one past the arguments."""
    out: list[str] = []
    position = 0
    for item in _FORMAT_ITEM.finditer(fmt):
        out.append(fmt[position : item.start()])
        index = int(item.group(1))
        if index >= len(args):
            return None
        out.append(args[index])
        position = item.end()
    if position == 0:
        return None  # no placeholder: not an obfuscation
    out.append(fmt[position:])
    return "".join(out)


# Invoke-Obfuscation nests ``-f`` in the arguments of ``-f``, in parentheses:
# ``"{1}{0}" -f 'ent',("{0}{1}" -f 'Pres','Cur')``. Two levels inside the outer one; each
# argument starts with a quote or a parenthesis, so the pattern is read in one pass.
_FMT_DQ = rf"\\?\"(?:\{{\d{{1,3}}\}}|[^\"{{}}\n$`]){{1,{_MAX_PIECE}}}\""
_FMT_SQ = rf"'(?:\{{\d{{1,3}}\}}|[^'{{}}\n]){{1,{_MAX_PIECE}}}'"
_FMT_STRING = rf"(?:{_FMT_DQ}|{_FMT_SQ})"
_NESTING: Final = 2


def _nested_format_pattern() -> re.Pattern[str]:
    argument = _QUOTED
    for _ in range(_NESTING):
        inner = rf"{_FMT_STRING}\s*-[fF]\s*{argument}(?:\s*,\s*{argument})*"
        argument = rf"(?:{_QUOTED}|\(\s*{inner}\s*\))"
    return re.compile(rf"{_FMT_STRING}\s*-[fF]\s*{argument}(?:\s*,\s*{argument})*")


_NESTED_FORMAT: Final = _nested_format_pattern()
_FMT_HEAD: Final = re.compile(r"\\?\"(?P<fmt>[^\"\n]*)\"|'(?P<sfmt>[^'\n]*)'")
_DASH_F: Final = re.compile(r"\s*-[fF]\s*")
_SPACE: Final = re.compile(r"\s*")
_COMMA: Final = re.compile(r"\s*,\s*")


def find_nested_format(text: str) -> list[ScriptCandidate]:
    """``-f`` expressions with ``-f`` expressions among their arguments, worked out.

    Examples:
        >>> [c.decoded for c in find_nested_format("'{1}{0}' -f 'ss',('{1}{0}' -f 'e','Pr')")]
        ['Press']
    """
    found: list[ScriptCandidate] = []
    for match in _NESTED_FORMAT.finditer(text):
        if "(" not in match.group():
            continue  # no nesting: the plain finder's
        worded: list[str] = []
        value = _nested_value(match.group(), 0, worded)
        if value is not None and value[1] == len(match.group()):
            # Formats of placeholders alone are obfuscation on their face; templates with
            # words (``"Total: {0}" -f (...)``) are layers only when they reveal something.
            evident = not worded
            found.append(
                ScriptCandidate(match.start(), match.end(), "ps_format", value[0], evident)
            )
    return found


def _after(pattern: re.Pattern[str], source: str, position: int) -> int:
    match = pattern.match(source, position)
    return position if match is None else match.end()


def _nested_value(source: str, position: int, worded: list[str]) -> tuple[str, int] | None:
    """The value of the ``-f`` expression at ``position`` of a match, and where it ends.

    Format strings with more than placeholders in them are added to ``worded``.
    """
    head = _FMT_HEAD.match(source, position)
    if head is None:
        return None
    fmt = head.group("sfmt")
    if fmt is None:
        fmt = head.group("fmt")
        fmt = fmt[:-1] if fmt.endswith("}\\") else fmt
    if _FORMAT_ITEM.sub("", fmt):
        worded.append(fmt)
    position = _after(_DASH_F, source, head.end())
    args: list[str] = []
    while True:
        if source.startswith("(", position):
            inner = _nested_value(source, _after(_SPACE, source, position + 1), worded)
            if inner is None:
                return None
            args.append(inner[0])
            position = _after(_SPACE, source, inner[1])
            if not source.startswith(")", position):
                return None
            position += 1
        else:
            literal = _QUOTED_ONE.match(source, position)
            if literal is None:
                return None
            args.append(_unquote(literal.group()))
            position = literal.end()
        comma = _COMMA.match(source, position)
        if comma is None:
            break
        position = comma.end()
    value = _fill(fmt, args)
    return None if value is None else (value, position)


def _backtick(source: str) -> str | None:
    out: list[str] = []
    chars = iter(source)
    for char in chars:
        if char != "`":
            out.append(char)
            continue
        # Outside double quotes a backtick only makes the next character literal.
        out.append(next(chars, ""))
    return "".join(out)


def _js_escape(match: re.Match[str]) -> str:
    code = int(next(group for group in match.groups() if group), 16)
    if code > _MAX_CODE_POINT or code in _SURROGATES:
        raise ValueError(code)
    return chr(code)


def _js_escapes(source: str) -> str | None:
    try:
        return _JS_ESCAPE_ONE.sub(_js_escape, source)
    except ValueError:
        return None


def decode_script(encoding: Encoding, source: str) -> str | None:
    """Return the text that the obfuscated ``source`` stands for, or ``None``.

    Examples:
        >>> decode_script("ps_format", "\\"{1}{0}\\" -f 'String','Download'")
        'DownloadString'
    """
    # The other kinds (replace, reverse, bxor, iex, cmd, packer...) are worked out by their
    # finders (``ScriptCandidate.decoded``): nothing to decode from the span alone.
    if encoding == "ps_concat":
        return _concat(source)
    if encoding == "ps_join":
        return "".join(_pieces(source))
    if encoding == "ps_format":
        return _format(source)
    if encoding == "ps_backtick":
        return _backtick(source)
    if encoding == "html_entity":
        return html.unescape(source) if escapes_alnum(encoding, source) else None
    if encoding == "js_charcode":
        start = source.index("(")
        numbers = _NUMBER.findall(source[start:])
        return code_points([int(n, 16 if n[:2] in ("0x", "0X") else 10) for n in numbers])
    if encoding == "js_escape":
        return _js_escapes(source)
    if encoding == "js_unescape":
        return _unescape(source)
    if encoding in ("vba_chr", "vba_concat"):
        return _vb_concat(source)
    if encoding == "js_concat":
        pieces = _literal_pieces(encoding, source)
        return None if pieces is None else "".join(pieces)
    return None


def _unescape_one(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2), 16)
    if code in _SURROGATES:
        raise ValueError(code)
    return chr(code)


def _unescape(source: str) -> str | None:
    """JavaScript ``unescape``: ``%uXXXX`` and ``%XX`` (one character each, as Latin-1)."""
    match = _UNESCAPE.fullmatch(source)
    if match is None:
        return None
    try:
        return _UNESCAPE_ONE.sub(_unescape_one, match.group("body"))
    except ValueError:
        return None


def _vb_code(match: re.Match[str]) -> int | None:
    first = match.group("a")
    value = int(first[2:], 16) if first[:1] == "&" else int(first)
    if match.group("op") is not None:
        other = int(match.group("b"))
        op = match.group("op")
        value = value + other if op == "+" else value - other if op == "-" else value * other
    return value if 0 < value <= _MAX_CODE_POINT and value not in _SURROGATES else None


def _vb_literal(match: re.Match[str]) -> str:
    if match.group("lit") is not None:
        return str(match.group("lit"))
    return str(match.group("sq"))


def _vb_concat(source: str) -> str | None:
    out: list[str] = []
    for match in _VB_PIECE_ONE.finditer(source):
        if match.group("a") is None:
            out.append(_vb_literal(match))
            continue
        code = _vb_code(match)
        if code is None:
            return None
        out.append(chr(code))
    return "".join(out)
