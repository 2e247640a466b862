"""CSV records that one bad quote cannot merge: a broken multi-line record is re-read.

``csv.reader`` follows an opening quote to the next closing one, however far: one
unterminated quote makes every following line part of one cell. Here a record that spans
several physical lines and then fails (the file ends inside the quote, a character follows a
closing quote, or the field count differs from the header's) is reported by its first line,
and the lines after that one are read again as records of their own. A record that spans
lines and parses well (a quoted command line with line breaks) is kept as it is.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Final

__all__ = ["MAX_RECORD_LINES", "CsvRecord", "csv_records"]

#: Most physical lines one quoted record may span before it is judged unterminated.
MAX_RECORD_LINES: Final = 10_000

#: (first line number, fields) or (first line number, problem message).
CsvRecord = tuple[int, list[str] | str]


class _ReplayableLines:
    """Lines with push-back, numbered, remembering those of the record being read."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self._back: list[tuple[int, str]] = []
        self.number = 0
        self.current: list[tuple[int, str]] = []

    def __iter__(self) -> _ReplayableLines:
        return self

    def __next__(self) -> str:
        if len(self.current) >= MAX_RECORD_LINES:
            raise csv.Error(f"a quoted field runs over {MAX_RECORD_LINES:,} lines")
        if self._back:
            self.number, line = self._back.pop()
        else:
            line = next(self._lines)
            self.number += 1
        self.current.append((self.number, line))
        return line

    def start(self) -> None:
        self.current = []

    def replay_after_first(self) -> None:
        """Push back every line of the current record except its first."""
        rest = self.current[1:]
        self._back.extend(reversed(rest))
        if rest:
            self.number = self.current[0][0]


def csv_records(lines: Iterable[str], *, delimiter: str, width: int | None) -> Iterator[CsvRecord]:
    """Yield ``(line, fields)`` per record, or ``(line, message)`` for a record left out.

    Args:
        lines: the file's lines, line ends kept.
        delimiter: the field delimiter.
        width: the header's field count (``None`` while reading the header).

    Examples:
        >>> list(csv_records(['a,b\\n', '1,"x\\n', '2,y\\n'], delimiter=",", width=2))[1:]
        [(2, 'unexpected end of data (an unterminated quote?); the lines after it are read \
on their own'), (3, ['2', 'y'])]
    """
    source = _ReplayableLines(lines)
    reader = csv.reader(source, delimiter=delimiter, strict=True)
    while True:
        source.start()
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if not source.current:
                return
            first = source.current[0][0]
            if len(source.current) > 1:
                source.replay_after_first()
                reader = csv.reader(source, delimiter=delimiter, strict=True)
                yield (
                    first,
                    f"{exc} (an unterminated quote?); the lines after it are read on their own",
                )
            else:
                yield first, f"bad quoting: {exc}"
            continue
        first = source.current[0][0] if source.current else source.number
        if width is not None and fields and len(fields) != width and len(source.current) > 1:
            source.replay_after_first()
            yield (
                first,
                f"a quoted field spans {len(source.current)} lines and the record has "
                f"{len(fields)} fields, not {width} as in the header (an unterminated quote?); "
                "the lines after it are read on their own",
            )
            continue
        yield first, fields
        if width is None:
            width = len(fields)
