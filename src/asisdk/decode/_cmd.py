"""cmd.exe obfuscation: ``^`` escapes, empty ``""`` inside words, ``set`` variables,
``%var:~a,b%`` substrings and ``for`` loops that pick a command out of a string one
character at a time.

``p^ow^er^sh^ell`` is ``powershell`` to cmd; ``set a=pow&& set b=ershell&& %a%%b%`` runs it
too, and DOSfuscation spells commands out of pieces of well-known variables
(``%COMSPEC:~-16,1%``). These finders work out what cmd would run; as for the other script
layers, a span only becomes a layer when the result reveals what the source hid.
"""

from __future__ import annotations

import bisect
import itertools
import re
from typing import Final

from asisdk.decode._powershell import Found

__all__ = ["find_caret", "find_for_coded", "find_quotes", "find_variables"]

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


#: Rounds of expansion: a ``set`` whose command name is itself a variable
#: (``!s! "a=b"`` with ``s`` = ``set``) only appears once the round before has expanded it.
_ROUNDS: Final = 4
#: Uses of one character glued into words that make a stretch obfuscation on its face.
_MIN_SPELLED: Final = 4
#: Most characters a stretch may grow to by expansion (a value holds up to 1,024).
_MAX_EXPANDED: Final = 256 * 1024


#: A variable's value that is part of a word: letters (and digits), no path or spaces.
_WORDISH: Final = re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*")


def _sets(text: str) -> tuple[dict[str, list[int]], dict[str, list[str]]]:
    ends: dict[str, list[int]] = {}
    values: dict[str, list[str]] = {}
    if "set" in text.lower():
        for m in _SET.finditer(text):
            name = m.group("name").lower()
            ends.setdefault(name, []).append(m.end())
            values.setdefault(name, []).append(m.group("value").rstrip())
    return ends, values


def _spells(text: str, start: int, end: int, value: str) -> bool:
    """Whether a use of one letter or digit is glued to a word or another use (``%a%%b%c``)."""
    if len(value) != 1 or not value.isalnum():
        return False
    glue = (text[start - 1] if start else "") + (text[end] if end < len(text) else "")
    return any(char.isalnum() or char in "%!" for char in glue)


def _expand(text: str, floor: int) -> tuple[int, int, str, int] | None:
    """One round: the stretch of ``text`` from the first use at or after ``floor`` that has
    a value to the last, with each such use replaced, and how many of those uses spell a
    word a character at a time; ``None`` when no use has a value."""
    ends, values = _sets(text)
    pieces: list[str] = []
    first = last = -1
    spelled = size = 0
    word_before = False  # the use just before spelled part of a word (``ne`` of ``%a%%b%``)
    for use in _USE.finditer(text, floor):
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
        size += len(value) + use.start() - max(last, 0)
        if size > _MAX_EXPANDED:
            break  # a value used over and over: what is worked out so far is kept
        spelled += _spells(text, use.start(), use.end(), value)
        word = _WORDISH.fullmatch(value) is not None
        if word and word_before and use.start() == last:
            # ``%a%%b%`` with ``ne`` and ``tstat``: a word cut in two and put back together
            # (DOSfuscation's concatenation), obfuscation on its face
            spelled += _MIN_SPELLED
        word_before = word
        if first < 0:
            first = use.start()
        else:
            pieces.append(text[last : use.start()])
        pieces.append(value)
        last = use.end()
    if first < 0:
        return None
    return first, last, "".join(pieces), spelled


def find_variables(text: str) -> list[Found]:
    """Uses of ``set`` variables and substrings of well-known ones, worked out.

    The span runs from the first use to the last; its text is that stretch with every use
    replaced by its value (the value set last before the use). What that gives is expanded
    again, up to :data:`_ROUNDS` times, so that ``set`` commands spelled by variables
    (``call set "s=!v:~10,1!et" && !s! "a=p"``) are followed too.
    """
    found = _expand(text, 0)
    if found is None:
        return []
    first, last, expanded, spelled = found
    # Later rounds see the text before the stretch (its ``set`` commands) and the rest of
    # the line (uses that only get a value once a spelled ``set`` has been expanded).
    prefix, rest = text[:first], text[last:]
    current = expanded + rest
    for _ in range(_ROUNDS - 1):
        again = _expand(prefix + current, len(prefix))
        if again is None or len(prefix) + len(current) > _MAX_EXPANDED:
            break
        start, end, value, more = again
        spelled += more
        current = current[: start - len(prefix)] + value + current[end - len(prefix) :]
        if len(current) > _MAX_EXPANDED:
            break
    if current != expanded + rest:
        # The line's later part took part: the stretch runs to the end of the text.
        last, expanded = len(text), current
    # The word the uses are glued into (``%a%til``) belongs to what they spell.
    before = _GLUED_BEFORE.search(text, max(0, first - _MAX_GLUE), first)
    after = _GLUED_AFTER.match(text, last)
    head = before.group() if before else ""
    tail = after.group() if after else ""
    # DOSfuscation spells words one variable per character: obfuscation on its face.
    evident = spelled >= _MIN_SPELLED
    decoded = head + expanded + tail
    return [Found(first - len(head), last + len(tail), "cmd_var", decoded, evident)]


# -- empty quotes ------------------------------------------------------------------------

# ``n""et""st""at``: cmd drops an empty pair of quotes, so DOSfuscation puts them inside words.
# Two pairs at least, each between word characters; a lone ``a""b`` may be a typo.
_QUOTES_IN_WORD = re.compile(r'(?<![\w."])[\w.\-]{1,64}(?:""[\w.\-]{1,64}){2,}(?![\w"])')


def find_quotes(text: str) -> list[Found]:
    """Words cut by empty quote pairs (``n""et""st""at -ano``), with the ``cmd /c`` before.

    Evident on its face: no command line needs empty quotes inside a word.
    """
    found: list[Found] = []
    for match in _QUOTES_IN_WORD.finditer(text):
        start, end = match.span()
        before = _CMD_BEFORE.search(text, max(0, start - _CMD_REACH), start)
        head = before.start() if before is not None else start
        decoded = text[head:start] + match.group().replace('""', "")
        found.append(Found(head, end, "cmd_quotes", decoded, evident=True))
    return found


# -- FOR-coding ---------------------------------------------------------------------------

# ``for %A in (3 0 7 ...) do set f=!f!!s:~%A,1!`` (DOSfuscation's FORcode; ``for /L %A in
# (11,-1,0)`` reads a string backwards, its REVERSE): each pass appends one character of
# ``s`` to ``f``. Loop variables are ``%A`` on a command line and ``%%A`` in a batch file.
_FOR_CODED = re.compile(
    r"(?i:for)\s+(?P<l>/[lL]\s+)?%%?(?P<v>[A-Za-z])\s+(?i:in)\s*\((?P<list>[^)]{1,262144})\)"
    r"\s*(?i:do)\s+(?:@\s*)?(?i:set)\s+\"?(?P<out>[\w.\-#$@]{1,64})=!(?P=out)!"
    r"!(?P<src>[\w.\-#$@]{1,64}):~%%?(?P=v),1!"
)
_FOR_ITEM = re.compile(r"-?\d{1,9}")
_FOR_SEPARATORS = re.compile(r"[\s,;=]+")
#: Most characters one loop builds (a command line holds 8,191).
_MAX_FOR: Final = 65536
_MIN_FOR: Final = 4
#: Most loops worked out in one text, and how far before a loop its ``set`` is looked for.
_MOST_LOOPS: Final = 64
_SET_REACH: Final = 65536


def _set_value(text: str, name: str, before: int) -> tuple[str, int] | None:
    """The value the last ``set name=...`` before ``before`` gives ``name`` (carets undone),
    with where that ``set`` starts."""
    value = None
    pattern = re.compile(
        rf"(?<![\w-])(?i:set)\s+\"?{re.escape(name)}=(?P<value>(?:\^.|[^&\r\n\"^])*)",
        re.IGNORECASE | re.DOTALL,
    )
    for match in pattern.finditer(text, max(0, before - _SET_REACH), before):
        raw = match.group("value")  # trailing spaces are part of it, as cmd keeps them
        value = (re.sub(r"\^(.)", r"\1", raw, flags=re.DOTALL), match.start())
    return value


def _loop_indices(match: re.Match[str]) -> list[int] | None:
    items = [item for item in _FOR_SEPARATORS.split(match.group("list").strip()) if item]
    if not all(_FOR_ITEM.fullmatch(item) for item in items):
        return None
    numbers = [int(item) for item in items]
    if not match.group("l"):
        return numbers[:_MAX_FOR]
    if len(numbers) != 3 or numbers[1] == 0:
        return None
    first, step, last = numbers
    return list(range(first, last + (1 if step > 0 else -1), step)[:_MAX_FOR])


def find_for_coded(text: str) -> list[Found]:
    """Commands that a ``for`` loop builds one character at a time out of a ``set`` string.

    The span runs from the ``set`` of the string to the use of what the loop built
    (``call %f:~-12%``, ``echo !f:~-601!``); the value is what that use gives: what cmd runs.

    Examples:
        >>> line = (
        ...     'cmd /V /C "set u=nets /ao&&FOR %A IN (0 1 2 3 2 6 2 4 5 6 0 7 1337) DO '
        ...     'set f=!f!!u:~%A,1!&& IF %A==1337 CALL %f:~-12%"'
        ... )
        >>> [(f.encoding, f.decoded) for f in find_for_coded(line)]
        [('cmd_for', 'netstat /ano')]
    """
    found: list[Found] = []
    for match in itertools.islice(_FOR_CODED.finditer(text), _MOST_LOOPS):
        assigned = _set_value(text, match.group("src"), match.start())
        indices = _loop_indices(match)
        if assigned is None or not indices:
            continue
        source, start = assigned
        size = len(source)
        built = "".join(source[i] if -size <= i < size else "" for i in indices)
        out = match.group("out")
        use = re.compile(
            rf"(?P<m>[%!]){re.escape(out)}(?::~(?P<s>-?\d{{1,6}})(?:,(?P<n>-?\d{{1,6}}))?)?(?P=m)",
            re.IGNORECASE,
        ).search(text, match.end())
        end = match.end()
        if use is not None:
            # Undefined, ``!f!`` stays as written on a command line: the loop's first pass
            # leaves it in front of what it builds, and the use cuts it off (``:~-12``).
            built = _substring(f"!{out}!" + built, use.group("s"), use.group("n"))
            built = built.removeprefix(f"!{out}!")
            end = use.end()
        if len(built) >= _MIN_FOR and built.isprintable():
            found.append(Found(start, end, "cmd_for", built, True, True))
    return found
