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
import re
from typing import Final, NamedTuple

from asisdk.decode._cmd import find_caret, find_variables
from asisdk.decode._model import Encoding
from asisdk.decode._powershell import Found, find_bxor, find_iex, find_replace, find_reverse

__all__ = [
    "SCRIPT_PREFILTER",
    "SCRIPT_WORDS",
    "ScriptCandidate",
    "decode_script",
    "escapes_alnum",
    "find_explicit_base64",
    "find_script_candidates",
    "may_hold_script",
    "reveals",
]

#: Longest quoted piece considered part of an obfuscated expression.
_MAX_PIECE: Final = 4096
_SQ = rf"'[^'\n]{{0,{_MAX_PIECE}}}'"
_DQ = rf'"[^"\n$`]{{0,{_MAX_PIECE}}}"'
_QUOTED = rf"(?:{_SQ}|{_DQ})"
_QUOTED_ONE = re.compile(_QUOTED)
_CHAR = r"(?i:\[char\])\s*\d{1,7}"
# Automatic variables whose characters Invoke-Obfuscation picks to spell ``iex``.
_AUTOMATIC: Final[dict[str, str]] = {
    "shellid": "Microsoft.PowerShell",
    "pshome": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0",
    "env:comspec": "C:\\WINDOWS\\system32\\cmd.exe",
    "verbosepreference.tostring()": "SilentlyContinue",
}
_AUTO = r"\$(?i:shellid|pshome|env:comspec|verbosepreference\.tostring\(\))\[\d{1,2}\]"
_CONCAT_PIECE = rf"(?:{_QUOTED}|{_CHAR}|{_AUTO})"
_CONCAT_PIECE_ONE = re.compile(
    rf"{_QUOTED}|(?i:\[char\])\s*(?P<code>\d{{1,7}})"
    r"|\$(?P<auto>(?i:shellid|pshome|env:comspec|verbosepreference\.tostring\(\)))"
    r"\[(?P<at>\d{1,2})\]"
)
_AUTO_JOIN = re.compile(
    r"\$(?P<auto>(?i:shellid|pshome|env:comspec|verbosepreference\.tostring\(\)))"
    r"\[(?P<at>\d{1,2}(?:\s*,\s*\d{1,2}){1,8})\]\s*-(?i:join)\s*(?:''|\"\")"
)

#: One cheap pass: text without any of these holds no script candidate.
SCRIPT_PREFILTER: Final = re.compile(
    r"['\"]\s*\+\s*['\"]"
    r"|(?i:-f\s*['\"]|-join\b|fromcharcode|frombase64string|atob\s*\(|base64\s+-{1,2}d)"
    r"|`[A-Za-z]"
    r"|(?i:\[char\]\s*\d{1,7}\s*\+)"
    r"|&#?\w{1,8};"
    r"|\\u[0-9A-Fa-f{]"
    r"|\[\s*-1\s*\.\."
    r"|\w\^\w"
    r"|\$(?i:shellid|pshome|env:comspec|verbosepreference)"
    r"|[%!][\w.\-#$@]{1,64}(?::[~\w*][^%!\r\n]{0,64})?[%!]"
)

_CONCAT = re.compile(rf"{_CONCAT_PIECE}(?:\s*\+\s*{_CONCAT_PIECE})+")
_FORMAT = re.compile(
    rf"\"(?P<fmt>(?:\{{\d{{1,3}}\}}|[^\"{{}}\n$`]){{1,{_MAX_PIECE}}})\"\s*-[fF]\s*"
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
_VB_CODE = r"(?:&[hH][0-9A-Fa-f]{1,4}|\d{1,5})(?:\s*[-+*]\s*\d{1,5})?"
_VB_CHR = rf"(?i:chr[wb]?\$?)\(\s*{_VB_CODE}\s*\)"
_VB_PIECE = rf'(?:{_VB_CHR}|"[^"\n]{{0,{_MAX_PIECE}}}")'
_VB_CONCAT = re.compile(rf"{_VB_PIECE}(?:\s*[&+]\s*{_VB_PIECE})+")
_VB_PIECE_ONE = re.compile(
    r'"(?P<lit>[^"\n]*)"|(?i:chr[wb]?\$?)\(\s*(?P<a>&[hH][0-9A-Fa-f]{1,4}|\d{1,5})'
    r"(?:\s*(?P<op>[-+*])\s*(?P<b>\d{1,5}))?\s*\)"
)
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
#: Encodings whose finders work out the text (``ScriptCandidate.decoded``).
_PRECOMPUTED: Final = frozenset(
    {"ps_replace", "ps_reverse", "ps_bxor", "ps_iex", "cmd_caret", "cmd_var"}
)
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
    "chr",
)


#: :data:`SCRIPT_PREFILTER`'s alternatives, each after a substring every match of it holds
#: (in the lower-cased text): one alternation tried at every position costs several times
#: more than a few ``in`` tests and the one or two patterns that can match. ``None``: the
#: substring alone is a match.
_SCRIPT_GUARDS: Final[tuple[tuple[str, re.Pattern[str] | None], ...]] = (
    ("+", re.compile(r"['\"]\s*\+\s*['\"]|(?i:\[char\]\s*\d{1,7}\s*\+)")),
    ("-f", re.compile(r"(?i:-f)\s*['\"]")),
    ("-join", re.compile(r"(?i:-join)\b")),
    ("fromcharcode", None),
    ("frombase64string", None),
    ("atob", re.compile(r"(?i:atob)\s*\(")),
    ("base64", re.compile(r"(?i:base64)\s+-{1,2}d")),
    ("`", re.compile(r"`[A-Za-z]")),
    ("&", re.compile(r"&#?\w{1,8};")),
    ("\\u", re.compile(r"\\u[0-9A-Fa-f{]")),
    ("..", re.compile(r"\[\s*-1\s*\.\.")),
    ("^", re.compile(r"\w\^\w")),
    ("$", re.compile(r"\$(?i:shellid|pshome|env:comspec|verbosepreference)")),
    ("%", re.compile(r"%[\w.\-#$@]{1,64}(?::[~\w*][^%!\r\n]{0,64})?[%!]")),
    ("!", re.compile(r"[%!][\w.\-#$@]{1,64}(?::[~\w*][^%!\r\n]{0,64})?[%!]")),
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
    if any(word in lowered for word in SCRIPT_WORDS):
        return True
    if not text.isascii():
        return SCRIPT_PREFILTER.search(text) is not None
    return any(
        guard in lowered and (pattern is None or pattern.search(text) is not None)
        for guard, pattern in _SCRIPT_GUARDS
    )


def find_script_candidates(text: str) -> list[ScriptCandidate]:
    """Return every span of ``text`` that may be script obfuscation (unordered)."""
    found: list[ScriptCandidate] = []
    lowered = text.lower()
    if "+" in text:
        found.extend(
            ScriptCandidate(m.start(), m.end(), "ps_concat") for m in _CONCAT.finditer(text)
        )
    if "-f" in lowered:
        found.extend(
            ScriptCandidate(m.start(), m.end(), "ps_format") for m in _FORMAT.finditer(text)
        )
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
    if "$" in text and "-join" in lowered:
        for m in _AUTO_JOIN.finditer(text):
            value = _AUTOMATIC[m.group("auto").lower()]
            at = [int(n) for n in m.group("at").split(",")]
            if max(at) < len(value):
                joined = "".join(value[n] for n in at)
                found.append(ScriptCandidate(m.start(), m.end(), "ps_join", joined))
    if "chr" in lowered:
        found.extend(
            ScriptCandidate(m.start(), m.end(), "vba_chr")
            for m in _VB_CONCAT.finditer(text)
            if "chr" in m.group().lower()
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
    if "[" in text or "reverse" in lowered or "righttoleft" in lowered:
        found.extend(find_reverse(text))
    if "bxor" in lowered:
        found.extend(find_bxor(text))
    if "iex" in lowered or "invoke-expression" in lowered:
        found.extend(find_iex(text))
    if "^" in text:
        found.extend(find_caret(text))
    if "%" in text or "!" in text:
        found.extend(find_variables(text))
    return [ScriptCandidate(f.start, f.end, f.encoding, f.decoded) for f in found]


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


def _concat(source: str) -> str | None:
    out: list[str] = []
    for match in _CONCAT_PIECE_ONE.finditer(source):
        code = match.group("code")
        if match.group("auto") is not None:
            value = _AUTOMATIC[match.group("auto").lower()]
            at = int(match.group("at"))
            if at >= len(value):
                return None
            out.append(value[at])
        elif code is None:
            out.append(_unquote(match.group()))
        elif int(code) > _MAX_CODE_POINT or int(code) in _SURROGATES:
            return None
        else:
            out.append(chr(int(code)))
    return "".join(out)


def _format(source: str) -> str | None:
    match = _FORMAT.fullmatch(source)
    if match is None:
        return None
    args = _pieces(match.group("args"))
    out: list[str] = []
    position = 0
    fmt = match.group("fmt")
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


def _code_points(codes: list[int]) -> str | None:
    if any(code > _MAX_CODE_POINT or code in _SURROGATES for code in codes):
        return None
    return "".join(map(chr, codes))


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
    if encoding in _PRECOMPUTED:
        return None
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
        return _code_points([int(n, 16 if n[:2] in ("0x", "0X") else 10) for n in numbers])
    if encoding == "js_escape":
        return _js_escapes(source)
    if encoding == "js_unescape":
        return _unescape(source)
    if encoding == "vba_chr":
        return _vb_concat(source)
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


def _vb_concat(source: str) -> str | None:
    out: list[str] = []
    for match in _VB_PIECE_ONE.finditer(source):
        if match.group("lit") is not None:
            out.append(match.group("lit"))
            continue
        code = _vb_code(match)
        if code is None:
            return None
        out.append(chr(code))
    return "".join(out)
