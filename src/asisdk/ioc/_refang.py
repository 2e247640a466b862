"""Refanging: turn defanged indicators (``hxxp``, ``evil[.]com``) back into live syntax.

Refanging is its own step (:func:`refang`); the extractor refangs before matching and keeps
an offset map (:class:`RefangMap`) so that every match still knows where it was written.
"""

from __future__ import annotations

import bisect
import itertools
import re
from array import array
from collections.abc import Callable, Iterable
from typing import Final

import attrs

from asisdk.ioc._tlds import NAME_TLDS

__all__ = ["RefangMap", "refang", "refang_with_map", "run_before"]

# One scan finds every defang marker. Every alternative starts with a literal character, so
# the regex engine skips the text between candidates in one tight loop and, on a candidate,
# enters only the alternative of its character (lookbehinds or a character class first would
# make it try each alternative at each ``h`` of the text); the word context is checked on the
# (rare) hits. ``]`` leads only ``].[``, which fails on the second character: a run of ``]``
# (after a URL, in hostile text) costs one check a character. The kinds that follow each
# leading character are listed in the order they are tried.
_DOT_WORDS = r"\.|,|dot|DOT|Dot|punkt|PUNKT|punto|PUNTO"
_BRACKET_DOT = rf"\ {{0,3}}(?:{_DOT_WORDS})\ {{0,3}}[\]\)\}}]"
_BRACKET_AT = r"\ {0,3}(?:@|at|AT|At)\ {0,3}[\]\)\}]"
_BRACKET_ARROBA = r"\ {0,3}(?:arroba|ARROBA|et|ET)\ {0,3}[\]\)\}]"
_H = (
    (
        "scheme",
        r"(?:[xX*]{2})[pP](?=[sS]?(?:\[:\]|:(?://|\\\\|\[/\])|\[:\]//|\[://\]|\\\[:\\?\]))",
    ),
    ("sfix", r"(?i:ttps?)(?: +:/{2,3} *|:/{3,} *|:// +|(?<![:/])//(?!/) *)"),
)
_F = (("ftp", r"[xX][pP](?=s?(?:\[:\]|:)(?://|\[/\]))"),)
_X = (("x4", r"[xX]{3}[sSxX]?(?=://)"),)
_PAREN = (("dot", _BRACKET_DOT), ("at", _BRACKET_AT), ("arroba", _BRACKET_ARROBA))
_DEFANG_LEADS: Final[tuple[tuple[str, tuple[tuple[str, str], ...]], ...]] = (
    ("]", (("cdot2", r"\.[\[\]]"), ("cdot1", r"(?<=\w\.\])(?=\w)"))),
    ("h", _H),
    ("H", _H),
    ("f", _F),
    ("F", _F),
    ("x", _X),
    ("X", _X),
    (
        "[",
        (
            ("dot", _BRACKET_DOT),
            ("colon", r":\]|://\]"),
            ("slash", r"/\]"),
            ("hyphen", r"-\]"),
            ("at", _BRACKET_AT),
            ("arroba", _BRACKET_ARROBA),
            ("odot", r"\.\[?|\.\]?"),
            ("oslash", r"/(?<=\w\[/)(?=\w)"),
        ),
    ),
    ("(", (*_PAREN, ("pslash", r"/\)"))),
    ("{", _PAREN),
    (
        "\\",
        (
            ("bsdot", r"\."),
            ("jslash", "/"),
            # Markdown escapes the brackets of a pasted marker: ``evil\[.\]com``, ``\[@\]``,
            # ``\[:\]`` (one kind: a ``\`` of a path fails it on one character).
            ("mdx", r"[\[\(](?:\ ?(?:\.|dot|DOT)\ ?|@|:)\\?[\]\)]"),
        ),
    ),
    ("<", (("adot", r"\.>"),)),
    ("^", (("cdot", r"\."),)),
    (":", (("bsslash", r"(?<=[pPsS]:)\\\\"),)),
    # ``user_at_evil.com``: only where a name with more labels follows (what _uat checks,
    # found by the scan itself: a run of ``_at_`` then costs no call a marker).
    ("_", (("uat", r"(?:at|AT)_(?=[\w-]{1,63}+(?:\.\w| ?[\[\(\{]| (?:dot|DOT) |[\[\]]\.|\\\.))"),)),
)
#: Group name in :data:`_DEFANG` -> marker kind (a kind led by two characters has two names).
_DEFANG_KIND: Final[dict[str, str]] = {}


def _defang_pattern() -> re.Pattern[str]:
    branches = []
    for lead, kinds in _DEFANG_LEADS:
        inner = []
        for kind, regex in kinds:
            name = f"{kind}_{len(_DEFANG_KIND)}"
            _DEFANG_KIND[name] = kind
            inner.append(f"(?P<{name}>{regex})")
        branches.append(re.escape(lead) + "(?:" + "|".join(inner) + ")")
    return re.compile("|".join(branches))


_DEFANG: Final = _defang_pattern()
# Spelled-out markers without brackets (``evil dot com``, ``john at evil dot com``): only
# looked for when the text holds one. Led by the space or hyphen, like the scan above.
_SPELLED: Final = re.compile(
    r" (?<=\w )(?:(?:(?P<sdot>dot|DOT)|(?P<sat>at|AT)(?= [\w-]{1,63}+ (?:dot|DOT) )) (?=\w)"
    r"| ?(?P<sat2>@) {1,2}(?=\w)|(?P<sat1>@)(?=[\w-]{1,63}+ {0,3}[\[\(\{\\]))"
    r"|@(?<=\w@)(?P<sat1b> {1,2})(?=[\w-]{1,63}+ {0,3}[\[\(\{\\])"
    r"|-(?<=\w-)(?P<hdot>dot-)(?=\w)"
)
_STOPWORDS: Final = frozenset(
    {"the", "a", "an", "of", "and", "or", "to", "in", "on", "this", "that", "is", "was", "my"}
)


@attrs.frozen
class RefangMap:
    """Where the replacements of one refang call went.

    Each replacement ``k`` turned ``original[orig_start[k]:orig_end[k]]`` into
    ``refanged[new_start[k]:new_end[k]]``; the offsets are in text order, kept in machine
    arrays (8 bytes an offset: a list of ints costs 36, which hostile text full of markers
    turns into tens of bytes per input character).
    """

    new_start: array[int]
    new_end: array[int]
    orig_start: array[int]
    orig_end: array[int]
    #: The map of the pass before this one (characters a reader never sees, taken out of
    #: names: see :func:`_unseen_out`); this map's originals are that pass's output.
    before: RefangMap | None = None
    #: Whether the replacements are defang markers, which vouch for what they are in
    #: (:meth:`touches`); the characters of the first pass do not.
    markers: bool = True

    @classmethod
    def empty(cls) -> RefangMap:
        """A map with no replacement yet, to extend."""
        return cls(array("q"), array("q"), array("q"), array("q"))

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a refanged span to the span of the original text it came from."""
        span = self._map(start, at_end=False), self._map(end, at_end=True)
        return span if self.before is None else self.before.to_original(*span)

    def _map(self, pos: int, *, at_end: bool) -> int:
        k = bisect.bisect_right(self.new_end, pos) - 1
        nxt = k + 1
        if nxt < len(self.new_start) and self.new_start[nxt] < pos < self.new_end[nxt]:
            return self.orig_end[nxt] if at_end else self.orig_start[nxt]
        if nxt < len(self.new_start) and self.new_start[nxt] == pos and not at_end:
            return self.orig_start[nxt]
        if k < 0:
            return pos
        return self.orig_end[k] + (pos - self.new_end[k])

    def touches(self, start: int, end: int) -> bool:
        """Whether a defang marker was replaced inside the refanged span ``[start, end)``."""
        if not self.markers:
            return False
        k = bisect.bisect_right(self.new_end, start)
        return k < len(self.new_start) and self.new_start[k] < end


def _word_before(text: str, pos: int) -> bool:
    return pos > 0 and (text[pos - 1].isalnum() or text[pos - 1] in "-_")


def _word_after(text: str, pos: int) -> bool:
    return pos < len(text) and (text[pos].isalnum() or text[pos] in "-_")


_PATH_LOOKBACK: Final = 128
_MD_ESCAPES: Final = ("\\[", "\\]", "\\(", "\\)")
# A label ends before a ``-dot-`` marker (``evil-dot-example-dot-com`` is three labels).
_NEXT_LABEL: Final = re.compile(r"(?:[\w]|-(?!dot-\w)){1,63}")
_MORE_NAME: Final = re.compile(
    r"\.\]?\w| ?[\[\(\{] ?(?:\.|dot|DOT|Dot|punkt|PUNKT|punto|PUNTO) ?[\]\)\}]| (?:dot|DOT) \w"
    r"|[\[\]]\.[\[\]]?\w|\\\.\w|-dot-\w"
)


def _name_continues(text: str, pos: int, *, dot: bool) -> bool:
    label = _NEXT_LABEL.match(text, pos)
    if label is None:
        return False
    if _MORE_NAME.match(text, label.end()):
        return True
    return dot and label.group().lower() in NAME_TLDS


def _in_windows_path(text: str, pos: int) -> bool:
    # ``\.`` is a defanged dot in ``evil\.com`` but a path piece in ``C:\Users\bob\.ssh``:
    # the token before it (back to a space, tab, newline or quote) holds a separator that is
    # not itself a defanged dot. Searched in place: a run of ``a\.a\.`` costs no copies.
    lo = max(0, pos - _PATH_LOOKBACK)
    cut = max(
        text.rfind(" ", lo, pos),
        text.rfind("\t", lo, pos),
        text.rfind("\n", lo, pos),
        text.rfind('"', lo, pos),
    )
    start = cut + 1 if cut >= 0 else lo
    # Backslashes of Markdown-escaped brackets (``example\\(.\\)com``) are no separators.
    escaped = sum(text.count(pair, start, pos) for pair in _MD_ESCAPES)
    if text.count("\\", start, pos) > text.count("\\.", start, pos) + escaped:
        return True
    colon = text.find(":", start, pos)
    while colon >= 0 and text.startswith("//", colon + 1):
        colon = text.find(":", colon + 3, pos)  # ``https://evil\.com``: a scheme, not a drive
    return colon >= 0 or text.find("%", start, pos) >= 0


def run_before(text: str, end: int, outside: re.Pattern[str], most: int) -> int:
    """Where the run of characters ending at ``end`` starts: right after the last character
    that ``outside`` (``(?s:.*)[^...]``) finds in the ``most`` before ``end``, or ``end - most``.

    One greedy match in C; a ``...$`` regex searched over the window would try every start.
    """
    lo = max(0, end - most)
    last = outside.match(text, lo, end)
    return last.end() if last else lo


def _spelled(text: str, match: re.Match[str], start: int, end: int) -> tuple[int, int, str] | None:
    """``evil dot com`` and ``john at evil dot com``: only when the rest reads as a name."""
    word = text[run_before(text, start, _NOT_WORD_BEFORE, _MAX_WORD) : start]
    if not word:
        return None
    if match.lastgroup == "sdot":
        if word.lower() in _STOPWORDS or not _name_continues(text, end, dot=True):
            return None
        return start, end, "."
    # ``at`` is an ordinary word: only a spelled-out address (``at evil dot com``) counts.
    label = _NEXT_LABEL.match(text, end)
    if label is None or not text.startswith((" dot ", " DOT "), label.end()):
        return None
    if word.lower() in _STOPWORDS or label.group().lower() in _STOPWORDS:
        return None
    return start, end, "@"


_NOT_WORD_BEFORE: Final = re.compile(r"(?s:.*)[^\w-]")
_MAX_WORD: Final = 64


_SCHEME_BEFORE: Final = re.compile(r"(?<![\w])(?i:https?|ftps?)$")


_Replacement = tuple[int, int, str] | None


def _hdot(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    # ``bad-dot-com``
    return (start, end, ".") if _name_continues(text, end, dot=True) else None


def _sat2(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    # ``foo @ bar.com``
    return (start, end, "@") if _name_continues(text, end, dot=False) else None


# A name whose next dot is defanged (``example[.]com``, ``example (.) com``, ``example\.com``).
_DEFANGED_NEXT: Final = re.compile(
    r"[\w-]{1,63}+ {0,3}(?:[\[\(\{] {0,3}(?:\.|dot|DOT|Dot|punkt|PUNKT) {0,3}[\]\)\}]|\\\.)"
)


def _sat1(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    # ``myuser @example[.]com``, ``myuser@ example[.]com``: a space on one side of the ``@``
    # is part of the defanging only when the name after it is defanged too (``thanks
    # @github.com`` is a mention).
    return (start, end, "@") if _DEFANGED_NEXT.match(text, end) else None


def _sfix(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    # ``http ://``, ``http:/// x``, ``http//x``
    return start, end, match.group().split(":")[0].split("/")[0].strip().lower() + "://"


# Three octets of an address, each dot plain or defanged, right before a marker
# (``111[.111.]111`` before the ``[.`` of ``[.111``).
_OCTETS_BEFORE: Final = re.compile(r"(?<![\w.])\d{1,3}(?:[\[\]().]{1,3}\d{1,3}){2}\Z")
_LAST_OCTET: Final = re.compile(r"\d{1,3}(?![\w.\[\]])")
_OCTETS_REACH: Final = 24


def _continues(text: str, start: int, end: int) -> bool:
    """Whether the name goes on after an odd dot marker: more labels or a TLD, or the last
    octet of an address whose first three come before it (``111[.111.]111[.111``)."""
    if _name_continues(text, end, dot=True):
        return True
    return (
        _LAST_OCTET.match(text, end) is not None
        and _OCTETS_BEFORE.search(text, max(0, start - _OCTETS_REACH), start) is not None
    )


def _odot(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    # ``www[.example``, ``www].[example``
    if _word_before(text, start) and _continues(text, start, end):
        return start, end, "."
    return None


def _cdot1(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    # ``hxxp://example.]com``, ``111.]111``: an odd closing bracket after the dot (the scan
    # found the ``]``; the replacement takes the dot before it too)
    if _word_before(text, start - 1) and _continues(text, start - 1, end):
        return start - 1, end, "."
    return None


_URL_HOST: Final = re.compile(r"[\w.:@-]{1,253}")
_MAX_AUTHORITY: Final = 270


def _oslash(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    # ``hxxp://example.com[/test``: an odd bracket before the path of a URL, right after
    # the authority that follows ``://``
    colon = text.rfind("://", max(0, start - _MAX_AUTHORITY), start)
    if colon < 1 or not text[colon - 1].isalpha() or not _word_after(text, end):
        return None
    host = _URL_HOST.match(text, colon + 3, start)
    return (start, end, "/") if host is not None and host.end() == start else None


def _jslash(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    # ``https://a.com\/x.php``: a JSON-escaped slash
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "/._-"):
        return start, end, "/"
    return None


def _scheme(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    if _word_before(text, start):  # ``...hxxp`` inside a longer word
        return None
    return start, end, "ftp" if match.group()[:1] in "fF" else "http"


def _x4(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    if _word_before(text, start):
        return None
    return start, end, "https" if len(match.group()) == len("xxxxs") else "http"


def _colon(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    return start, end, match.group()[1:-1]


def _slash(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    return start, end, "/"


def _pslash(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    # ``evil(.)com(/)a.php``: only right after a name (``the root (/)`` is prose)
    return (start, end, "/") if _word_before(text, start) else None


def _mdx(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    # ``evil\[.\]com``, ``bob\[@\]evil``, and ``hxxps\[:\]//`` right after a scheme
    marker = match.group()
    if ":" in marker:
        if marker[1] == "[" and text.startswith("//", end) and _word_before(text, start):
            return start, end, ":"
        return None
    if _word_before(text, start) and _word_after(text, end):
        return start, end, "@" if "@" in marker else "."
    return None


def _bsslash(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    if not _SCHEME_BEFORE.search(text, max(0, start - 6), start):
        return None
    return start, end, "://"


def _uat(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
    if _word_before(text, start) and _name_continues(text, end, dot=False):
        return start, end, "@"
    return None


def _between_words(repl: str) -> _Handler:
    def handler(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
        if _word_before(text, start) and _word_after(text, end):
            return start, end, repl
        return None

    return handler


def _bracketed(repl: str) -> _Handler:
    dot = repl == "."

    def handler(text: str, match: re.Match[str], start: int, end: int) -> _Replacement:
        # ``evil [dot] com``: the spaces around a spaced marker go too, but only when what
        # follows reads as the rest of a name (``the [dot] operator`` stays prose).
        if text.startswith(" ", end) and start > 0 and text[start - 1] == " ":
            before = after = 1
            while before < _MAX_SPACES and text.startswith(" ", start - before - 1):
                before += 1
            while after < _MAX_SPACES and text.startswith(" ", end + after):
                after += 1
            if not _name_continues(text, end + after, dot=dot):
                return None
            start, end = start - before, end + after
        if _word_before(text, start) and _word_after(text, end):
            return start, end, repl
        return None

    return handler


#: Spaces around a spaced bracket marker that go with it (``example  [  .  ]   com``).
_MAX_SPACES: Final = 3
_Handler = Callable[[str, re.Match[str], int, int], _Replacement]
#: What decides each marker kind (one lookup, not a chain of comparisons per marker).
_HANDLERS: Final[dict[str, _Handler]] = {
    "sdot": _spelled,
    "sat": _spelled,
    "hdot": _hdot,
    "sat2": _sat2,
    "sat1": _sat1,
    "sat1b": _sat1,
    "sfix": _sfix,
    "odot": _odot,
    "cdot2": _odot,
    "cdot1": _cdot1,
    "jslash": _jslash,
    "oslash": _oslash,
    "scheme": _scheme,
    "ftp": _scheme,
    "x4": _x4,
    "colon": _colon,
    "slash": _slash,
    "pslash": _pslash,
    "bsslash": _bsslash,
    "uat": _uat,
    "hyphen": _between_words("-"),
    "mdx": _mdx,
    "adot": _between_words("."),
    "cdot": _between_words("."),
    "dot": _bracketed("."),
    "at": _bracketed("@"),
    "arroba": _bracketed("@"),
}
# Each group name of the scan straight to its handler (``\.`` runs are decided by name, in
# refang_with_map).
_HANDLERS.update({name: _HANDLERS[kind] for name, kind in _DEFANG_KIND.items() if kind != "bsdot"})


# The rest of a name after a ``\.``, and the markers in it.
_BS_NAME: Final = re.compile(r"[\w-]+(?:\\\.[\w-]+)*+")  # possessive: no stack per dot
_BS_MARK: Final = re.compile(r"\\\.")


def _bsdot_run(text: str, start: int) -> tuple[int, array[int]] | None:
    r"""The ``\.`` markers of one name from ``start`` on (``evil\.example\.com``), decided
    together: the name's end and each marker's offset, or ``None`` to leave them alone.

    Every marker of a name has the same words around it and the same token before it, so one
    decision serves the run (``a\.a\.a...`` costs one regex match, not a call per dot).
    """
    if not _word_before(text, start):
        return None
    name = _BS_NAME.match(text, start + 2)
    if name is None or _in_windows_path(text, start):
        return None
    end = name.end()
    marks = array("q", (start,))
    marks.extend(m.start() for m in _BS_MARK.finditer(text, start + 2, end))
    return end, marks


def _match_start(match: re.Match[str]) -> int:
    return match.start()


# Characters a PDF or a web page leaves inside a name, which its reader never sees: a soft
# hyphen, a word joiner or a byte order mark between two characters of a name; a zero-width
# space or joiner beside the name's dot, slash, colon or at sign (``evil\u200b.com``,
# ``https://\u200bexample.com``); and the Latin ligatures of a PDF's text layer
# (``of\ufb01ce-update.net``). Between two letters a zero-width space may be a word break,
# so it stays (a boundary: see ``TYPO_PUNCT``). Looked for only in text that is not ASCII.
_UNSEEN_ANY: Final = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff\ufb00-\ufb06]")
# Each alternative starts with its characters, so the regex engine skips the text between
# them in one loop; the look-behind after the first character checks the one before it.
_UNSEEN: Final = re.compile(
    "[\u00ad\u2060\ufeff](?<=[A-Za-z0-9_.\\-/@:].)[\u00ad\u2060\ufeff]*"
    "(?=[A-Za-z0-9_.\\-/@\\[(])"
    "|[\u200b-\u200d](?<=[./@:\\])].)[\u200b-\u200d]*(?=[A-Za-z0-9_\\-\\[(])"
    "|[\u200b-\u200d](?<=[A-Za-z0-9_\\-\\])].)[\u200b-\u200d]*(?=[./@:\\[(])"
    "|[\ufb00-\ufb06]+"
)
#: At most this many characters in 64 are taken out or spelled out (a report pasted from a
#: PDF has a few; text made of them is hostile, or no report): the rest stay boundaries.
_UNSEEN_SHARE: Final = 64
_UNSEEN_LEAST: Final = 4096
_LIGATURES: Final = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}


def _unseen_out(text: str) -> tuple[str, RefangMap | None]:
    """``text`` without the invisible characters inside names, ligatures spelled out."""
    if text.isascii() or _UNSEEN_ANY.search(text) is None:
        return text, None
    unseen = attrs.evolve(RefangMap.empty(), markers=False)
    pieces: list[str] = []
    last = out_len = 0
    most = _UNSEEN_LEAST + len(text) // _UNSEEN_SHARE
    for match in itertools.islice(_UNSEEN.finditer(text), most):
        start, end = match.span()
        found = match.group()
        repl = "".join(_LIGATURES[char] for char in found) if found[0] in _LIGATURES else ""
        pieces.append(text[last:start])
        out_len += start - last
        unseen.new_start.append(out_len)
        unseen.orig_start.append(start)
        pieces.append(repl)
        out_len += len(repl)
        unseen.new_end.append(out_len)
        unseen.orig_end.append(end)
        last = end
    if not pieces:
        return text, None
    pieces.append(text[last:])
    return "".join(pieces), unseen


def refang_with_map(text: str) -> tuple[str, RefangMap | None]:
    """Refang ``text`` and return it with the offset map (``None`` when nothing changed)."""
    text, unseen = _unseen_out(text)
    refanged, fanged = _refang_markers(text)
    if unseen is None:
        return refanged, fanged
    return refanged, unseen if fanged is None else attrs.evolve(fanged, before=unseen)


def _refang_markers(text: str) -> tuple[str, RefangMap | None]:
    pieces: list[str] = []
    fanged = RefangMap.empty()
    new_start, new_end = fanged.new_start, fanged.new_end
    orig_start, orig_end = fanged.orig_start, fanged.orig_end
    last = 0
    out_len = 0
    matches: Iterable[re.Match[str]] = _DEFANG.finditer(text)
    if " dot " in text or " DOT " in text or " @" in text or "@ " in text or "-dot-" in text:
        # Both scans in text order (a sort of two short lists costs less than a lazy merge).
        matches = sorted([*matches, *_SPELLED.finditer(text)], key=_match_start)
    for match in matches:
        if match.start() < last:
            continue
        if _DEFANG_KIND.get(match.lastgroup or "") == "bsdot":
            run = _bsdot_run(text, match.start())
            if run is None:
                continue
            end, marks = run
            # Each ``\.`` becomes ``.``: the k-th marker at ``p`` lands at ``base + p - k``.
            base = out_len + marks[0] - last
            first = marks[0]
            new_start.extend(base + p - first - k for k, p in enumerate(marks))
            new_end.extend(base + p - first - k + 1 for k, p in enumerate(marks))
            orig_start.extend(marks)
            orig_end.extend(p + 2 for p in marks)
            pieces.append(text[last:first])
            pieces.append(text[first:end].replace("\\.", "."))
            out_len = base + (end - first) - len(marks)
            last = end
            continue
        found = _HANDLERS[match.lastgroup or ""](text, match, *match.span())
        if found is None:
            continue
        start, end, repl = found
        if start < last:
            continue
        pieces.append(text[last:start])
        out_len += start - last
        new_start.append(out_len)
        orig_start.append(start)
        pieces.append(repl)
        out_len += len(repl)
        new_end.append(out_len)
        orig_end.append(end)
        last = end
    if not pieces:
        return text, None
    pieces.append(text[last:])
    return "".join(pieces), fanged


def refang(text: str) -> str:
    """Return ``text`` with defanged indicators made live again.

    Every spelling of ioc-fanger's set and a few more: ``hxxp``, ``hXXp``, ``h**p``,
    ``fxp``, ``xxxx://``; ``[:]``, ``[://]``, ``[/]``, ``:\\\\`` and spaced schemes
    (``http ://``, ``http//``); ``[.] (.) {.} <.> [,] \\. ^.``, ``[dot]``, ``[punkt]``,
    ``(punto)``, odd brackets (``www[.example``), ``-dot-`` and a spelled-out ``evil dot
    com``; ``[@] (@) [at] (at) [arroba] (et) _at_``, ``foo @ bar.com`` and ``john at evil
    dot com``; ``[-]`` and a JSON-escaped ``\\/``. Upper-case and spaced variants count.
    Characters a reader never sees are taken out of names (a soft hyphen, a zero-width space
    beside a dot) and ligatures spelled out (``\ufb01``), as PDFs and web pages leave them.
    Text that merely contains brackets or the words (``f(x)``, ``a [at] the end``, ``the
    dot com bubble``) is left alone.

    Examples:
        >>> refang("hxxps[:]//evil[.]example[.]com/a and admin[@]evil(dot)com")
        'https://evil.example.com/a and admin@evil.com'
    """
    return refang_with_map(text)[0]
