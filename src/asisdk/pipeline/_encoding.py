"""Reading text files line by line whatever their encoding, each bad line named.

* A UTF-8 byte-order mark is dropped; a UTF-16 or UTF-32 mark (or UTF-16 without one, told
  by its zero bytes) decodes the file as that encoding.
* Otherwise each line is decoded as UTF-8; a line that is not UTF-8 is decoded as Windows-1252
  (Latin-1 for the five bytes Windows-1252 leaves undefined) and reported with its line
  number, so a Latin-1 export is read, not silently turned into replacement characters.
* A line longer than ``max_line_bytes`` is cut there (the rest of it is skipped) and reported,
  so one endless line costs bounded memory.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

__all__ = [
    "DEFAULT_MAX_LINE_BYTES",
    "may_hold_surrogates",
    "replace_lone_surrogates",
    "sniff_encoding",
    "text_head",
    "text_lines",
]

#: Longest line read whole (longer lines are cut and reported): 64 MiB.
DEFAULT_MAX_LINE_BYTES: Final = 64 * 1024 * 1024

_BOMS: Final[tuple[tuple[bytes, str], ...]] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: Called with (line number, message) for a line decoded otherwise than as UTF-8, or cut.
LineProblem = Callable[[int, str], None]


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """The encoding of a text file from its first bytes, and the length of its BOM.

    Returns ``("utf-8", n)`` for UTF-8 and for anything not told apart (legacy 8-bit text is
    handled line by line by :func:`text_lines`).

    Examples:
        >>> sniff_encoding("\\ufeffa,b".encode("utf-16-le"))
        ('utf-16-le', 2)
        >>> sniff_encoding("a,b\\n1,2\\n".encode("utf-16-be"))
        ('utf-16-be', 0)
        >>> sniff_encoding(b"a,b")
        ('utf-8', 0)
    """
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    sample = head[:4096]
    if len(sample) >= 4:
        even = sample[0::2]
        odd = sample[1::2]
        # Mostly-ASCII UTF-16 has a zero in every other byte and almost none elsewhere.
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le", 0
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be", 0
    return "utf-8", 0


def text_head(head: bytes) -> bytes:
    """``head`` re-encoded as UTF-8 when it is UTF-16/32 text (for sniffing a format).

    Examples:
        >>> text_head("\\ufeff#Fields: date".encode("utf-16-le"))
        b'#Fields: date'
    """
    encoding, bom = sniff_encoding(head)
    body = head[bom:]
    if encoding == "utf-8":
        return body
    width = 4 if encoding.startswith("utf-32") else 2
    body = body[: len(body) - len(body) % width]
    return body.decode(encoding, errors="replace").encode("utf-8")


def _legacy(line: bytes) -> str:
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:
        return line.decode("latin-1")


def text_lines(
    file: Path,
    on_problem: LineProblem,
    *,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Iterator[str]:
    """Yield the lines of a text file as text (line ends kept), decoding each as it comes.

    A line number is 1-based and counts physical lines, as ``csv.reader.line_num`` does.

    Args:
        file: the file.
        on_problem: called for each line decoded as Windows-1252 or cut at ``max_line_bytes``.
        max_line_bytes: longest line read whole.

    Yields:
        The lines.

    Examples:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "latin1.csv"
        >>> _ = path.write_bytes("name\\ncaf\\xe9\\n".encode("latin-1"))
        >>> list(text_lines(path, lambda n, m: print(n, m)))
        2 not UTF-8; read as Windows-1252
        ['name\\n', 'café\\n']
    """
    with file.open("rb") as raw:
        head = raw.read(4096)
        encoding, bom = sniff_encoding(head)
        raw.seek(bom)
        if encoding != "utf-8":
            stream = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
            for number, (text, cut) in enumerate(_limited(stream, max_line_bytes), start=1):
                if cut:
                    on_problem(number, f"line longer than {max_line_bytes:,} characters cut")
                if "\ufffd" in text:
                    on_problem(number, f"bytes that are not {encoding.upper()} replaced")
                yield text
            return
        for number, (line, cut) in enumerate(_limited(raw, max_line_bytes), start=1):
            if cut:
                on_problem(number, f"line longer than {max_line_bytes:,} bytes cut")
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError:
                on_problem(number, "not UTF-8; read as Windows-1252")
                yield _legacy(line)


def _limited(stream: Any, limit: int) -> Iterator[tuple[Any, bool]]:
    """Lines of ``stream`` (``readline`` with a limit); a longer line is cut, its rest dropped.

    Works on binary and text streams alike (lines are ``bytes`` or ``str`` as the stream's).
    """
    newline = "\n" if isinstance(stream, io.TextIOBase) else b"\n"
    while True:
        line = stream.readline(limit)
        if not line:
            return
        if len(line) < limit or line.endswith(newline):
            yield line, False
            continue
        while True:  # skip the rest of the long line
            rest = stream.readline(limit)
            if not rest or rest.endswith(newline):
                break
        yield line + newline, True


_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def may_hold_surrogates(json_text: str) -> bool:
    """Whether JSON text escapes a UTF-16 surrogate (``\\ud800``), which may be left lone.

    Examples:
        >>> may_hold_surrogates('{"a": "\\\\ud83d\\\\ude00"}'), may_hold_surrogates('{"a": 1}')
        (True, False)
    """
    return "\\u" in json_text and _SURROGATE_ESCAPE.search(json_text) is not None


def replace_lone_surrogates(value: Any) -> tuple[Any, int]:
    """``value`` (a parsed JSON value) with lone surrogates as U+FFFD, and how many there were.

    A lone surrogate is not text: it cannot be written as UTF-8 (Parquet, CSV, the report).
    Walks nested objects and lists without recursion.

    Examples:
        >>> replace_lone_surrogates({"a": ["x\\ud800"]})
        ({'a': ['x\\ufffd']}, 1)
    """
    count = 0

    def clean(text: str) -> str:
        nonlocal count
        fixed, replaced = _SURROGATE.subn("\ufffd", text)
        count += replaced
        return fixed

    if isinstance(value, str):
        return clean(value), count
    stack: list[Any] = [value]
    while stack:
        node = stack.pop()
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        for key, item in items:
            if isinstance(item, str):
                node[key] = clean(item)
            elif isinstance(item, dict | list):
                stack.append(item)
            if isinstance(key, str) and _SURROGATE.search(key):
                node[clean(key)] = node.pop(key)
    return value, count
