"""Loading events from CSV, JSON lines, JSON, Parquet and EVTX files (also inside zip, gzip,
bzip2, xz and tar archives), row problems kept."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import itertools
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final, Literal

import attrs
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from asisdk._text_columns import is_arrow_text
from asisdk.errors import InvalidInputError, LimitExceededError
from asisdk.pipeline import _defaults
from asisdk.pipeline._archives import (
    DEFAULT_MAX_ARCHIVE_MEMBERS,
    DEFAULT_MAX_DECOMPRESSED_BYTES,
    ArchiveKind,
    archive_kind,
    iter_archive,
)
from asisdk.pipeline._csvrows import CsvRecord, csv_records
from asisdk.pipeline._encoding import (
    may_hold_surrogates,
    replace_lone_surrogates,
    text_head,
    text_lines,
)
from asisdk.pipeline._evtx import EVTX_MAGIC, read_evtx_records
from asisdk.pipeline._nested import expand_text_columns, flatten_records, iter_json_documents
from asisdk.pipeline._parquet import read_parquet_file
from asisdk.pipeline._textlogs import (
    TEXT_LOG_FORMATS,
    TextLogFormat,
    looks_delimited,
    read_text_log,
    sniff_text_log,
)
from asisdk.pipeline._winxml import is_event_xml, read_event_xml
from asisdk.pipeline._zeek import is_zeek, read_zeek
from asisdk.schema import is_local_time_column, parse_time_values, resolve_timezone

__all__ = [
    "InputFormat",
    "InputProblem",
    "LoadedEvents",
    "detect_format",
    "load_events",
    "load_frame",
]

#: What ``detect_format`` names a file it can read.
_Format = Literal[
    "csv",
    "jsonl",
    "json",
    "parquet",
    "evtx",
    "zeek",
    "winxml",
    "syslog",
    "auditd",
    "access",
    "iis",
    "text",
]

#: File formats :func:`load_events` reads (``auto`` tells them apart by name and content).
InputFormat = Literal["auto", _Format]

_SUPPORTED: Final = (
    "CSV/TSV, JSON lines, JSON, Parquet, Windows EVTX and event XML, Zeek, syslog, auditd, "
    "web access, IIS and text logs, or zip/gzip/bzip2/xz/tar of them"
)

#: Leading bytes of binary files that are not event files, and what to call them.
_BINARY_MAGIC: Final[tuple[tuple[bytes, str], ...]] = (
    (b"ElfChnk\x00", "a lone EVTX chunk (no file header)"),
    (b"PK\x03\x04", "a ZIP archive (or an XLSX/DOCX document)"),
    (b"\x1f\x8b", "a gzip file"),
    (b"BZh", "a bzip2 file"),
    (b"\xfd7zXZ\x00", "an xz file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE2 document (XLS/DOC/MSG)"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"%PDF", "a PDF document"),
    (b"MZ", "a Windows executable (PE)"),
    (b"\x7fELF", "an ELF executable"),
    (b"\xd4\xc3\xb2\xa1", "a pcap capture"),
    (b"\xa1\xb2\xc3\xd4", "a pcap capture"),
    (b"\x0a\x0d\x0d\x0a", "a pcapng capture"),
    (b"MDMP", "a Windows minidump"),
    (b"regf", "a Windows registry hive"),
)

_SUFFIXES: Final[dict[str, _Format]] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
}

#: The loader's own columns; an input column of one of these names is kept as ``input_...``.
_RESERVED: Final = (_defaults.FILE_COLUMN, _defaults.ROW_COLUMN)


@attrs.frozen(kw_only=True)
class InputProblem:
    """Something wrong with one input file, row or cell.

    Attributes:
        file: the file (``archive.zip!member.json`` for an archive member, ``"<frame>"`` for
            a DataFrame given directly).
        row: the line number (CSV, JSON lines) or 1-based record number (JSON, Parquet, EVTX) of
            the row; ``None`` when the problem is with the whole file.
        column: the column concerned, if one is.
        message: what is wrong and what happened to the row.
        skipped: whether the row (or the whole file) was left out; ``False`` when the row was
            kept with the bad value left empty.

    Examples:
        >>> str(InputProblem(file="a.csv", row=7, column=None, message="3 fields", skipped=True))
        'a.csv: row 7: 3 fields (row skipped)'
    """

    file: str
    row: int | None
    column: str | None
    message: str
    skipped: bool

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        outcome = ""
        if self.skipped:
            outcome = " (file skipped)" if self.row is None else " (row skipped)"
        return f"{': '.join(where)}: {self.message}{outcome}"


@attrs.frozen(kw_only=True)
class LoadedEvents:
    """Events read from one or more files, with what could not be read.

    Attributes:
        frame: the events, index ``0..n-1``, plus the columns ``asi_file`` (the file) and
            ``asi_row`` (the row's line or record number in it) that link every result back
            to its input row.
        sources: the files read (or a description of where the events came from).
        problems: the problems found, up to 200 listed one by one.
        problem_count: how many problems there were in all.
        skipped_rows: how many rows were left out (bad rows; a skipped file counts as 0
            rows, its problem is listed).
        skipped_files: how many files could not be read at all.
    """

    frame: pd.DataFrame
    sources: tuple[str, ...]
    problems: tuple[InputProblem, ...] = ()
    problem_count: int = 0
    skipped_rows: int = 0
    skipped_files: int = 0


class _Problems:
    """Collects problems: exact counts, a bounded list."""

    def __init__(self) -> None:
        self.listed: list[InputProblem] = []
        self.count = 0
        self.skipped_rows = 0
        self.skipped_files = 0

    def note(
        self, file: str, row: int | None, message: str, *, skipped: bool, column: str | None = None
    ) -> None:
        """Add the problem these fields describe."""
        self.add(InputProblem(file=file, row=row, column=column, message=message, skipped=skipped))

    def on_row(self, file: str, *, skipped: bool) -> Callable[[int, str], None]:
        """A ``(row, message)`` callback that notes a problem of ``file``."""
        return lambda row, message: self.note(file, row, message, skipped=skipped)

    def add(self, problem: InputProblem) -> None:
        self.count += 1
        if problem.skipped:
            if problem.row is None:
                self.skipped_files += 1
            else:
                self.skipped_rows += 1
        if len(self.listed) < _defaults.MAX_LISTED_PROBLEMS:
            self.listed.append(problem)

    def absorb(self, notes: _Problems) -> None:
        """Take the problems of ``notes`` (which skipped nothing): listed and counted."""
        for problem in notes.listed:
            self.add(problem)
        self.count += notes.count - len(notes.listed)


class _RenamedProblems(_Problems):
    """Passes problems on to ``target``, naming a temporary file as its archive member."""

    def __init__(self, target: _Problems, temporary: str, name: str) -> None:
        super().__init__()
        self._target = target
        self._temporary = temporary
        self._name = name

    def add(self, problem: InputProblem) -> None:
        if problem.file == self._temporary:
            problem = attrs.evolve(problem, file=self._name)
        self._target.add(problem)


def detect_format(path: str | os.PathLike[str]) -> _Format:
    """Tell a file's format from its first bytes, else its name, else its text.

    Binary formats are told by their magic bytes whatever the name (an ``.evtx`` file
    renamed ``.json`` is still read as EVTX); text formats by the name, else the first
    character. A name that does not exist (yet) is judged by its name alone.

    Raises:
        InvalidInputError: the file is binary and not a format that can be read (the
            message says what it looks like and lists the supported formats).

    Examples:
        >>> detect_format("events.ndjson")
        'jsonl'
    """
    file = Path(path)
    by_suffix = _SUFFIXES.get(file.suffix.lower())
    try:
        with file.open("rb") as stream:
            head = stream.read(4096)
    except FileNotFoundError:
        if by_suffix is not None:
            return by_suffix
        raise
    if head.startswith(EVTX_MAGIC):
        return "evtx"
    if head.startswith(b"PAR1"):
        return "parquet"
    _refuse_binary(head)
    text = text_head(head)  # UTF-16/32 text re-encoded, a UTF-8 BOM dropped
    if is_zeek(text):
        return "zeek"
    if is_event_xml(text):
        return "winxml"
    text_log = sniff_text_log(text)
    if text_log is not None:
        return text_log
    if by_suffix is not None:
        return by_suffix
    stripped = text.lstrip(b" \t\r\n")
    if re.match(rb"\[\s*[{\]]", stripped):  # an array of objects, not "[Sun Dec 04 ..."
        return "json"
    if stripped.startswith(b"{"):
        return "jsonl"
    return "csv" if looks_delimited(text) else "text"


def _refuse_binary(head: bytes) -> None:
    """Raise a short, printable error for a binary file that is no supported format."""
    for magic, looks_like in _BINARY_MAGIC:
        if head.startswith(magic):
            raise InvalidInputError(
                f"it looks like {looks_like}, not an event file; supported: {_SUPPORTED}"
            )
    if b"\x00" in text_head(head):
        raise InvalidInputError(
            f"it is a binary file (unknown format, starts {head[:8].hex(' ')}), not an event "
            f"file; supported: {_SUPPORTED}"
        )


def _cell(value: object, file: str, row: int, column: str, problems: _Problems) -> object:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, str) and len(value) > _defaults.MAX_CELL_CHARS:
        problems.note(
            file,
            row,
            f"cell of {len(value):,} characters cut to {_defaults.MAX_CELL_CHARS:,}",
            skipped=False,
            column=column,
        )
        return value[: _defaults.MAX_CELL_CHARS]
    return value


#: Chunks smaller than this are checked value by value, larger ones column by column.
_SMALL_CHUNK: Final = 1_000


def _chunk_frame(
    rows: list[int],
    records: list[dict[str, Any]],
    file: str,
    problems: _Problems,
    *,
    first: bool = True,
    files: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One chunk of records as a frame: nested values as JSON text, over-long cells cut.

    pandas builds the columns from the dicts in C; only object columns (mixed or nested
    values) and text columns holding an over-long cell are walked value by value.
    ``files`` names each record's file when the chunk pools several small files.
    """
    names = files if files is not None else [file] * len(records)
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame(index=range(0))
    if len(records) < _SMALL_CHUNK:
        # A few records (an EVTX file of a dozen events): one pass over the values is
        # cheaper than a pandas call per column.
        fix = {
            name
            for record in records
            for name, value in record.items()
            if isinstance(value, dict | list)
            or (isinstance(value, str) and len(value) > _defaults.MAX_CELL_CHARS)
        }
    else:
        fix = set(map(str, frame.columns))
    for name in frame.columns:
        if str(name) not in fix:
            continue
        values = frame[name]
        if values.dtype == object:
            limit = _defaults.MAX_CELL_CHARS
            # Most cells of a mixed column are plain numbers or short text: kept as they are.
            cells = [
                _cell(v, f, r, str(name), problems)
                if isinstance(v, dict | list) or (isinstance(v, str) and len(v) > limit)
                else v
                for v, r, f in zip(values, rows, names, strict=True)
            ]
            frame[name] = pd.Series(cells, index=frame.index, dtype=object)
        elif pd.api.types.is_string_dtype(values.dtype):
            long = values.str.len() > _defaults.MAX_CELL_CHARS
            if bool(long.any()):
                cut = [
                    _cell(v, f, r, str(name), problems) if is_long else v
                    for v, r, f, is_long in zip(
                        values, rows, names, long.fillna(False), strict=True
                    )
                ]
                frame[name] = pd.Series(cut, index=frame.index, dtype=values.dtype)
    # An input column named asi_file / asi_row is kept as input_...; said once per file
    frame = _renamed_reserved(frame, file, problems if first else _Problems())
    frame[_defaults.ROW_COLUMN] = pd.Series(rows, dtype="int64")
    return frame


def _records_frame(
    records: Iterable[tuple[int, dict[str, Any]]], file: str, problems: _Problems
) -> pd.DataFrame:
    """Build the frame of ``records`` chunk by chunk.

    Only one chunk (``LOAD_CHUNK_ROWS`` records) is held as Python objects at a time; the
    chunks are compact pandas columns (Arrow-backed text), so the peak memory of a large
    file is its frame plus one chunk, not every raw row twice.
    """
    chunks: list[pd.DataFrame] = []
    rows: list[int] = []
    batch: list[dict[str, Any]] = []
    for row, record in records:
        rows.append(row)
        batch.append(record)
        if len(batch) >= _defaults.LOAD_CHUNK_ROWS:
            chunks.append(_chunk_frame(rows, batch, file, problems, first=not chunks))
            rows, batch = [], []
    if batch or not chunks:
        chunks.append(_chunk_frame(rows, batch, file, problems, first=not chunks))
    if len(chunks) == 1:
        return chunks[0]
    frame = pd.concat(chunks, ignore_index=True)
    # The row numbers go last, as in a single chunk, whatever columns later chunks added.
    frame[_defaults.ROW_COLUMN] = frame.pop(_defaults.ROW_COLUMN)
    return frame


def _flat_records_frame(
    records: Iterable[tuple[int, dict[str, Any]]], file: str, problems: _Problems
) -> pd.DataFrame:
    """:func:`_records_frame` of records flattened to dotted names (``_nested``)."""
    return _records_frame(
        flatten_records(records, problems.on_row(file, skipped=False)), file, problems
    )


@contextlib.contextmanager
def _csv_field_limit(limit: int) -> Iterator[None]:
    """Raise the csv module's (process-wide) field limit while one file is read.

    The default, 131,072 characters, is shorter than real encoded PowerShell script blocks;
    longer fields are then cut to ``MAX_CELL_CHARS`` and reported, not dropped.
    """
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, limit))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _lines(file: Path, problems: _Problems) -> Iterator[str]:
    """The file's lines; one decoded otherwise than as UTF-8 (or cut) is noted, the row kept."""
    return text_lines(file, problems.on_row(str(file), skipped=False))


def _read_csv(file: Path, problems: _Problems) -> pd.DataFrame:
    name = str(file)
    delimiter = "\t" if file.suffix.lower() == ".tsv" else ","
    with _csv_field_limit(_defaults.MAX_CSV_FIELD_CHARS):
        records = csv_records(_lines(file, problems), delimiter=delimiter, width=None)
        header: list[str] | None = None
        for _, fields in records:
            if isinstance(fields, str):
                raise InvalidInputError(f"{name}: cannot read the header line: {fields}")
            if fields:
                header = fields
                break
        if header is None:
            return pd.DataFrame({_defaults.ROW_COLUMN: pd.Series([], dtype="int64")})
        duplicates = sorted({c for c in header if header.count(c) > 1})
        if duplicates:
            raise InvalidInputError(f"{name}: the header repeats the column(s) {duplicates}")
        return _flat_records_frame(_csv_records(records, header, name, problems), name, problems)


def _csv_records(
    records: Iterable[CsvRecord], header: list[str], name: str, problems: _Problems
) -> Iterator[tuple[int, dict[str, Any]]]:
    width = len(header)
    for start, fields in records:
        if isinstance(fields, str):
            problems.note(name, start, fields, skipped=True)
            continue
        if not fields:
            continue
        if len(fields) != width:
            problems.note(
                name,
                start,
                f"expected {width} fields as in the header, found {len(fields)}",
                skipped=True,
            )
            continue
        yield start, dict(zip(header, fields, strict=True))


def _scrubbed(value: object, name: str, row: int, problems: _Problems) -> Any:
    """``value`` with its lone surrogates replaced, how many noted."""
    value, replaced = replace_lone_surrogates(value)
    if replaced:
        problems.note(
            name,
            row,
            f"{replaced} lone UTF-16 surrogate(s) (not text) replaced by U+FFFD",
            skipped=False,
        )
    return value


def _object(
    value: object, name: str, row: int, problems: _Problems, *, scrub: bool
) -> dict[str, Any] | None:
    """``value`` if it is a JSON object (lone surrogates replaced when ``scrub``), else noted."""
    if not isinstance(value, dict):
        problems.note(
            name, row, f"expected a JSON object, found {type(value).__name__}", skipped=True
        )
        return None
    return _scrubbed(value, name, row, problems) if scrub else value


def _objects_frame(
    documents: Iterable[tuple[int, object]], name: str, problems: _Problems, *, scrub: bool
) -> pd.DataFrame:
    """The frame of the JSON objects among ``documents``; any other value is noted, skipped."""
    objects = ((row, _object(value, name, row, problems, scrub=scrub)) for row, value in documents)
    return _flat_records_frame(
        ((row, record) for row, record in objects if record is not None), name, problems
    )


def _read_jsonl(file: Path, problems: _Problems) -> pd.DataFrame:
    name = str(file)

    def documents() -> Iterator[tuple[int, object]]:
        for line_number, line in enumerate(_lines(file, problems), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except (ValueError, RecursionError) as exc:  # also too deep, a 5,000-digit integer
                reason = "nested too deep" if isinstance(exc, RecursionError) else str(exc)[:200]
                problems.note(name, line_number, f"invalid JSON: {reason}", skipped=True)
                continue
            if may_hold_surrogates(line):
                value = _scrubbed(value, name, line_number, problems)
            yield line_number, value

    return _objects_frame(documents(), name, problems, scrub=False)


def _read_json(file: Path, problems: _Problems) -> pd.DataFrame:
    name = str(file)
    # Decoding notes are held until it is known that this read stands: a file of one object
    # per line is read again as JSON lines, which notes them itself.
    notes = _Problems()
    text = "".join(text_lines(file, notes.on_row(name, skipped=False)))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        if "Extra data" in str(exc):  # objects one after another (one per line, or not)
            return _read_concatenated_json(file, text, problems, notes)
        raise InvalidInputError(f"{name}: not valid JSON: {exc}") from exc
    problems.absorb(notes)
    if isinstance(document, dict):
        for key in ("events", "value", "rows", "data", "records"):
            if isinstance(document.get(key), list):
                document = document[key]
                break
        else:
            document = [document]
    if not isinstance(document, list):
        raise InvalidInputError(f"{name}: expected a JSON array of objects")
    return _objects_frame(
        enumerate(document, start=1), name, problems, scrub=may_hold_surrogates(text)
    )


def _read_concatenated_json(
    file: Path, text: str, problems: _Problems, notes: _Problems
) -> pd.DataFrame:
    """Objects written one after another; one per line is read as JSON lines (bad lines kept)."""
    try:
        documents = list(iter_json_documents(text))
    except (ValueError, RecursionError):
        return _read_jsonl(file, problems)
    problems.absorb(notes)
    return _objects_frame(documents, str(file), problems, scrub=may_hold_surrogates(text))


def _read_parquet(file: Path, problems: _Problems) -> pd.DataFrame:
    name = str(file)

    def cell_problem(row: int, column: str, message: str) -> None:
        problems.note(name, row, message, skipped=False, column=column)

    frame = read_parquet_file(file, cell_problem)
    frame = _renamed_reserved(expand_text_columns(frame), name, problems)
    frame[_defaults.ROW_COLUMN] = pd.Series(range(1, len(frame) + 1), dtype="int64")
    return frame


def _renamed_reserved(frame: pd.DataFrame, name: str, problems: _Problems) -> pd.DataFrame:
    """Input columns named as the loader's own (``asi_file``, ``asi_row``) get ``input_``."""
    clashes = [c for c in _RESERVED if c in frame.columns]
    for column in clashes:
        problems.note(
            name,
            None,
            f"the input has a column {column!r}, a name the loader gives its own "
            f"column; it is kept as 'input_{column}'",
            skipped=False,
            column=column,
        )
    return frame.rename(columns={c: f"input_{c}" for c in clashes}) if clashes else frame


class _RecordPool:
    """Records of small files gathered into one frame, not a frame per file.

    A folder of EVTX logs of a dozen events each spent most of its time building one
    pandas frame per file and joining hundreds of frames of different columns; pooled, the
    frames are built ``LOAD_CHUNK_ROWS`` records at a time whatever the number of files.
    """

    def __init__(self, problems: _Problems) -> None:
        self._problems = problems
        self._rows: list[int] = []
        self._records: list[dict[str, Any]] = []
        self._files: list[str] = []

    def __len__(self) -> int:
        return len(self._records)

    def add(self, name: str, taken: list[tuple[int, dict[str, Any]]]) -> None:
        self._rows.extend(row for row, _ in taken)
        self._records.extend(record for _, record in taken)
        self._files.extend([name] * len(taken))

    def flush(self) -> pd.DataFrame | None:
        """The pooled records as one frame (``None`` when there are none); the pool empties."""
        if not self._records:
            return None
        frame = _chunk_frame(
            self._rows, self._records, self._files[0], self._problems, files=self._files
        )
        frame.insert(0, _defaults.FILE_COLUMN, pd.Series(self._files, dtype="str"))
        self._rows, self._records, self._files = [], [], []
        return frame


def _pooled_evtx(
    file: Path, name: str, problems: _Problems, pool: _RecordPool
) -> pd.DataFrame | None:
    """Read an EVTX file: into ``pool`` when small (``None``), else as its frame."""
    records = read_evtx_records(file, problems.on_row(str(file), skipped=True))
    taken = list(itertools.islice(records, _defaults.LOAD_CHUNK_ROWS))
    small = len(taken) < _defaults.LOAD_CHUNK_ROWS
    if small and not any(c in record for _, record in taken for c in _RESERVED):
        pool.add(name, taken)
        return None
    frame = _records_frame(itertools.chain(taken, records), str(file), problems)
    frame.insert(0, _defaults.FILE_COLUMN, name)
    return frame


def _read_zeek(file: Path, problems: _Problems) -> pd.DataFrame:
    return read_zeek(file, problems.on_row(str(file), skipped=True))


def _read_winxml(file: Path, problems: _Problems) -> pd.DataFrame:
    name = str(file)
    return _records_frame(read_event_xml(file, problems.on_row(name, skipped=True)), name, problems)


def _read_text_log(
    file: Path, kind: TextLogFormat, problems: _Problems, zone: dt.tzinfo
) -> pd.DataFrame:
    name = str(file)
    rows = read_text_log(
        file, kind, _lines(file, problems), problems.on_row(name, skipped=True), timezone=zone
    )
    return _records_frame(rows, name, problems)


_READERS: Final[dict[str, Callable[[Path, _Problems], pd.DataFrame]]] = {
    "winxml": _read_winxml,
    "parquet": _read_parquet,
    "csv": _read_csv,
    "jsonl": _read_jsonl,
    "json": _read_json,
    "zeek": _read_zeek,
}


#: Most files :func:`load_events` takes from the directories it is given, a bound on the walk.
MAX_DIRECTORY_FILES: Final = 100_000

#: How many skipped files a directory's warning names.
_SKIPPED_EXAMPLES: Final = 3


@attrs.frozen(kw_only=True)
class _DirectoryWalk:
    """The files found under one directory: those to read, those left out."""

    files: tuple[Path, ...]
    unrecognised: tuple[Path, ...]
    hidden: int


def _is_event_file(file: Path, input_format: InputFormat) -> bool:
    """Whether ``file``, found in a directory, is read: an archive or a kind detection knows.

    Text that detection recognises by no structure (``text``, the fallback for a file given by
    name) is left out unless ``input_format`` asks for it: a folder of collected logs also
    holds READMEs, licences and scripts, whose lines are not events.
    """
    if _archive_kind(file) is not None:
        return True
    try:
        fmt = detect_format(file)
    except InvalidInputError:
        return False
    except OSError:
        return True  # unreadable: read anyway, so the problem is listed with the file
    return fmt != "text" or input_format != "auto"


def _walk_directory(
    directory: Path, input_format: InputFormat, room: int, max_files: int
) -> _DirectoryWalk:
    """Every non-hidden file under ``directory``, depth first in sorted name order.

    Symbolic links are followed, but a directory already walked (by device and inode) is not
    walked again, so a link back up the tree cannot loop.
    """
    found: list[Path] = []
    hidden = 0
    seen: set[tuple[int, int]] = set()
    pending = [directory]
    while pending:
        current = pending.pop()
        try:
            status = current.stat()
        except OSError:
            continue
        if (status.st_dev, status.st_ino) in seen:
            continue
        seen.add((status.st_dev, status.st_ino))
        try:
            entries = sorted(current.iterdir(), key=lambda entry: entry.name)
        except OSError:
            continue  # an unreadable sub-directory: nothing under it can be read
        subdirectories: list[Path] = []
        for entry in entries:
            if entry.name.startswith("."):
                hidden += 1
                continue
            if entry.is_dir():
                subdirectories.append(entry)
                continue
            found.append(entry)
            if len(found) > room:
                raise LimitExceededError(
                    f"the directories hold more than {max_files:,} files "
                    f"(max_directory_files, reached in {directory}); pass its "
                    "sub-directories or files in smaller groups",
                    limit="max_directory_files",
                    value=max_files,
                )
        pending.extend(reversed(subdirectories))
    found.sort(key=lambda file: file.relative_to(directory).parts)
    files = [file for file in found if _is_event_file(file, input_format)]
    kept = set(files)
    unrecognised = tuple(file for file in found if file not in kept)
    return _DirectoryWalk(files=tuple(files), unrecognised=unrecognised, hidden=hidden)


def _examples(directory: Path, walk: _DirectoryWalk) -> str:
    """The first few files left out of ``directory``, named relative to it."""
    return ", ".join(
        str(file.relative_to(directory)) for file in walk.unrecognised[:_SKIPPED_EXAMPLES]
    )


def _unrecognised_message(directory: Path, walk: _DirectoryWalk) -> str:
    more = ", ..." if len(walk.unrecognised) > _SKIPPED_EXAMPLES else ""
    count = len(walk.unrecognised)
    return (
        f"{count:,} file{'s' if count != 1 else ''} not recognised as event files "
        f"left out (e.g. {_examples(directory, walk)}{more})"
    )


def _empty_directory_error(directory: Path, walk: _DirectoryWalk) -> InvalidInputError:
    if not walk.unrecognised and not walk.hidden:
        return InvalidInputError(f"{directory} is a directory with no files in it")
    found = []
    if walk.unrecognised:
        found.append(f"{len(walk.unrecognised):,} not recognised ({_examples(directory, walk)})")
    if walk.hidden:
        found.append(f"{walk.hidden:,} hidden")
    return InvalidInputError(
        f"{directory} holds no event files: {' and '.join(found)}; supported: {_SUPPORTED}"
    )


def _check_paths(
    paths: Sequence[str | os.PathLike[str]],
    input_format: InputFormat,
    problems: _Problems,
    max_files: int,
) -> list[Path]:
    """The files to read: each path given, a directory replaced by the event files under it."""
    given = [Path(p).expanduser() for p in paths]
    missing = [str(f) for f in given if not f.exists()]
    if missing:
        raise InvalidInputError(f"no such file: {', '.join(missing)}")
    files: list[Path] = []
    for path in given:
        if not path.is_dir():
            files.append(path)
            continue
        walk = _walk_directory(path, input_format, max_files - len(files), max_files)
        if not walk.files:
            raise _empty_directory_error(path, walk)
        if walk.unrecognised:
            problems.note(str(path), None, _unrecognised_message(path, walk), skipped=False)
            problems.skipped_files += len(walk.unrecognised)
        files.extend(walk.files)
    return files


def _archive_kind(file: Path) -> ArchiveKind | None:
    try:
        with file.open("rb") as stream:
            head = stream.read(512)
    except OSError:
        return None  # reported when the file is read
    return archive_kind(head)


def _read_one(
    file: Path,
    name: str,
    input_format: InputFormat,
    problems: _Problems,
    zone: dt.tzinfo,
    pool: _RecordPool,
) -> pd.DataFrame | None:
    """Read one (non-archive) file as ``name``; a file that cannot be read is listed.

    A small file of a record format goes into ``pool`` (``None`` is returned).
    """
    try:
        fmt = detect_format(file) if input_format == "auto" else input_format
        if fmt == "evtx":
            return _pooled_evtx(file, name, problems, pool)
        if fmt in TEXT_LOG_FORMATS:
            frame = _read_text_log(file, fmt, problems, zone)
        else:
            frame = _READERS[fmt](file, problems)
    except (OSError, ValueError, InvalidInputError) as exc:
        message = f"cannot read the file: {exc}"
    except Exception as exc:  # pyarrow raises its own types for corrupt files
        message = f"cannot read the file: {type(exc).__name__}: {exc}"
    else:
        frame.insert(0, _defaults.FILE_COLUMN, name)
        return frame
    problems.note(name, None, message.replace(str(file), name), skipped=True)
    return None


def load_events(
    paths: Sequence[str | os.PathLike[str]],
    *,
    input_format: InputFormat = "auto",
    time_column: str | None = None,
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES,
    max_archive_members: int = DEFAULT_MAX_ARCHIVE_MEMBERS,
    timezone: str | None = None,
    max_directory_files: int = MAX_DIRECTORY_FILES,
) -> LoadedEvents:
    """Read event files into one frame; bad rows and unreadable files are reported, not fatal.

    A row that cannot be read (a CSV line with the wrong number of fields, a JSON line that
    is not an object) is left out and listed with its file and line; a file that cannot be
    read at all (corrupt Parquet, no permission) is left out and listed; every other row is
    kept. Files of different formats and columns can be mixed. A Windows ``.evtx`` log is
    told by its content and read record by record, with the columns Windows and Sysmon
    name (``EventID``, ``Channel``, ``Computer``, ``TimeCreated``, ``Image``,
    ``CommandLine`` ...); a corrupt record is listed, the others are kept. Nested JSON is
    flattened to dotted names (``winlog.event_data.CommandLine``), JSON or Windows XML held
    in a text cell is expanded beside it (``EventData.SubjectUserName``), and Windows event
    XML, syslog, auditd, access, IIS W3C and plain text logs are read one event per record
    or line (docs/inputs.md).

    A zip, gzip, bzip2, xz or tar (``.tar.gz``, ``.tar.bz2``, ``.tar.xz``) archive is told by
    its content and each member read as a file of its own (its format sniffed by content
    like a top-level file; archives inside archives are not opened). Members are streamed,
    never extracted by their names; their events are named ``archive.zip!member.json`` in
    ``asi_file``. A corrupt member is listed by that name and the others are read; once
    ``max_decompressed_bytes`` have come out of one archive, the member being read is
    listed and the rest of that archive is left. Any other binary file is refused with a
    one-line problem saying what it looks like.

    A directory is walked recursively (symbolic links followed, each directory once) and
    every file in it that the detection above recognises is read, in sorted path order, each
    named by its own path in ``asi_file``. Hidden files and directories (``.name``) are left
    out; files that are not event files (a PDF, an image, and with ``input_format="auto"``
    text of no known log format: a README, a script) are left out with one problem for the
    directory that counts them and names a few.

    Records are turned into columns 20,000 at a time (``LOAD_CHUNK_ROWS``) and text is held
    Arrow-backed, so the memory a large file needs is its frame plus one chunk: 300,531
    Sysmon events (540 MB of JSON lines) load in about 1 GB. A frame of 50,000 events or
    more (``COMPACT_MIN_ROWS``) then keeps each text column that repeats itself (channels,
    providers, hosts, rendered message templates: at most one distinct value per 8 rows) as
    a pandas category (:func:`compact_text_columns`): those 300,531 events take 128 MB
    instead of 611 MB. The values are the same; ``frame[column].astype(str)`` gives plain
    text where a text operation needs it.

    Args:
        paths: the files and directories.
        input_format: ``auto`` (told by content; CSV and JSON by name when the content does
            not say), ``csv``, ``jsonl``, ``json``, ``parquet``, ``evtx``, ``zeek``,
            ``winxml`` (Windows event XML), ``syslog``, ``auditd``, ``access`` (Apache/nginx),
            ``iis`` (W3C extended) or ``text`` (one event per line); see docs/inputs.md.
        time_column: a column to parse as UTC times (values that are not times are listed as
            problems and left empty): epoch seconds to nanoseconds told by magnitude,
            FILETIME, ISO 8601 with any fraction and offset (100 ns kept).
        max_decompressed_bytes: most bytes read out of one archive (4 GiB by default), a
            bound on what a decompression bomb costs.
        max_archive_members: most members read from one archive (10,000 by default); a zip
            whose directory could hold more is not opened, a tar stops there.
        timezone: the IANA time zone (``Europe/Berlin``) of a local-time ``time_column``
            (``TimeGenerated [Local Time]``), required for one, and of syslog stamps written
            without a zone (RFC 3164 ``Dec 10 06:55:46``), which are converted to UTC (read
            as UTC when it is ``None``).
        max_directory_files: most files taken from the directories in ``paths`` (100,000 by
            default), a bound on the walk.

    Returns:
        A :class:`LoadedEvents`.

    Raises:
        InvalidInputError: a path does not exist, a directory holds no event file, or
            ``timezone`` is not an IANA time zone name (nothing is read then).
        LimitExceededError: the directories hold more than ``max_directory_files`` files.

    Examples:
        >>> loaded = load_events(["events.csv"], time_column="TimeGenerated")  # doctest: +SKIP
        >>> loaded.skipped_rows, len(loaded.frame)  # doctest: +SKIP
        (1, 4200)
    """
    zone: dt.tzinfo = dt.UTC if timezone is None else resolve_timezone(timezone)
    problems = _Problems()
    files = _check_paths(paths, input_format, problems, max_directory_files)
    frames: list[pd.DataFrame] = []
    pool = _RecordPool(problems)

    def keep(frame: pd.DataFrame | None) -> None:
        # Pooled records go first when a frame of their own comes: the file order is kept.
        if frame is not None or len(pool) >= _defaults.LOAD_CHUNK_ROWS:
            pooled = pool.flush()
            if pooled is not None:
                frames.append(pooled)
        if frame is not None:
            frames.append(frame)

    for file in files:
        kind = _archive_kind(file)
        if kind is None:
            keep(_read_one(file, str(file), input_format, problems, zone, pool))
            continue
        for member in iter_archive(
            file,
            kind,
            max_decompressed_bytes=max_decompressed_bytes,
            max_archive_members=max_archive_members,
        ):
            if member.path is None:
                problems.note(member.name, None, member.error or "cannot be read", skipped=True)
                continue
            renamed = _RenamedProblems(problems, str(member.path), member.name)
            keep(_read_one(member.path, member.name, input_format, renamed, zone, pool))
    keep(pool.flush())
    return _finish(frames, tuple(str(f) for f in files), problems, time_column, timezone)


def load_frame(
    frame: pd.DataFrame, *, source: str = "<frame>", time_column: str | None = None
) -> LoadedEvents:
    """Wrap an in-memory DataFrame as :class:`LoadedEvents` (times parsed, rows numbered).

    Text columns holding JSON objects (``AdditionalFields``) or Windows event XML
    (``EventData`` of the Log Analytics ``Event`` table) are expanded beside themselves
    (``EventData.SubjectUserName``), as the file readers do.

    Examples:
        >>> from asisdk.data import sample_events_frame
        >>> len(load_frame(sample_events_frame()).frame)
        642
    """
    copy = expand_text_columns(frame.reset_index(drop=True).copy())
    if _defaults.FILE_COLUMN not in copy.columns:
        copy.insert(0, _defaults.FILE_COLUMN, source)
    if _defaults.ROW_COLUMN not in copy.columns:
        copy[_defaults.ROW_COLUMN] = pd.Series(range(1, len(copy) + 1), dtype="int64")
    return _finish([copy], (source,), _Problems(), time_column)


def concat_frames(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """``pd.concat(frames, ignore_index=True)``, fast for many frames of different columns.

    pandas fills a column a frame lacks with a new all-missing array per frame and column;
    200 EVTX files of 200 different columns spend seconds there. Arrow-backed text columns
    are joined here as Arrow chunks (a missing piece is an Arrow null array, the present
    ones are not copied); other columns are concatenated by pandas, a missing piece being
    the column's own all-missing form, so the dtypes are the ones ``pd.concat`` gives.
    """
    lengths = [len(f) for f in frames]
    names = list(dict.fromkeys(c for f in frames for c in f.columns))
    columns: dict[Any, pd.Series[Any]] = {}
    for name in names:
        # Runs of frames without the column become one missing piece.
        runs: list[pd.Series[Any] | int] = []
        for f, n in zip(frames, lengths, strict=True):
            if name in f.columns:
                runs.append(f[name])
            elif runs and isinstance(runs[-1], int):
                runs[-1] += n
            else:
                runs.append(n)
        present = [r for r in runs if not isinstance(r, int)]
        if all(is_arrow_text(r) for r in present):
            chunks = [
                pa.nulls(r, pa.large_string())
                if isinstance(r, int)
                else pa.array(r).cast(pa.large_string())
                for r in runs
            ]
            columns[name] = pd.Series(pa.chunked_array(chunks, pa.large_string()), dtype="str")
            continue
        model = present[0]
        filled = [
            model.iloc[:0].reindex(range(r)) if isinstance(r, int) else r.reset_index(drop=True)
            for r in runs
        ]
        columns[name] = pd.concat(filled, ignore_index=True)
    return pd.DataFrame(columns)


def compact_text_columns(
    frame: pd.DataFrame, *, min_rows: int | None = None, rows_per_value: int | None = None
) -> pd.DataFrame:
    """``frame`` with its repetitive text columns stored as categories (a code per row).

    Event logs repeat themselves: a channel, a provider, a host, a rendered message template
    take a handful of values over millions of rows, and most columns of a wide log are empty
    in most rows. As Arrow text every row costs its bytes and an 8-byte offset; as a
    category it costs a 1- to 4-byte code. 300,000 Sysmon events shrink from 611 MB to about
    128 MB. The values read back are the same (``frame[c].astype(str)`` is unchanged).

    Args:
        frame: loaded events.
        min_rows: frames shorter than this are returned as they are (default
            ``COMPACT_MIN_ROWS``: small inputs stay plain text).
        rows_per_value: a column is compacted when it has at most one distinct value per
            this many rows (default ``COMPACT_ROWS_PER_VALUE``).

    Examples:
        >>> import pandas as pd
        >>> from asisdk.pipeline import compact_text_columns
        >>> events = pd.DataFrame({"Channel": ["Security"] * 4, "Id": ["a", "b", "c", "d"]})
        >>> compact = compact_text_columns(events.astype("str"), min_rows=4, rows_per_value=2)
        >>> [str(compact[c].dtype) for c in compact.columns]
        ['category', 'str']
    """
    least = _defaults.COMPACT_MIN_ROWS if min_rows is None else min_rows
    share = _defaults.COMPACT_ROWS_PER_VALUE if rows_per_value is None else rows_per_value
    if len(frame) < least or not len(frame):
        return frame
    compact = frame.copy(deep=False)
    for name in frame.columns:
        values = frame[name]
        if not is_arrow_text(values):
            continue
        # pa.array of an Arrow-backed column is its own storage: counted without a copy.
        if pc.count_distinct(pa.array(values)).as_py() * share <= len(values):
            compact[name] = values.astype("category")
    return compact


def _finish(
    frames: list[pd.DataFrame],
    sources: tuple[str, ...],
    problems: _Problems,
    time_column: str | None,
    timezone: str | None = None,
) -> LoadedEvents:
    if frames:
        frame = (concat_frames(frames) if len(frames) > 1 else frames[0]).reset_index(drop=True)
    else:
        frame = pd.DataFrame({_defaults.FILE_COLUMN: [], _defaults.ROW_COLUMN: []})
    if time_column is not None and time_column in frame.columns:
        frame[time_column] = parse_times(frame, time_column, problems, timezone=timezone)
    return LoadedEvents(
        frame=compact_text_columns(frame),
        sources=sources,
        problems=tuple(problems.listed),
        problem_count=problems.count,
        skipped_rows=problems.skipped_rows,
        skipped_files=problems.skipped_files,
    )


def parse_times(
    frame: pd.DataFrame, column: str, problems: _Problems, *, timezone: str | None = None
) -> pd.Series[Any]:
    """Parse ``frame[column]`` to UTC times; values that are not times become NaT (listed).

    Epoch numbers are told by magnitude and FILETIME, ISO 8601 with offsets and 100 ns are
    read (:func:`asisdk.schema.parse_time_values`); a column named as local time needs
    ``timezone``.

    Raises:
        InvalidInputError: the column holds local time and no ``timezone`` was given.
    """
    parsed = parse_time_values(frame[column], timezone=timezone, local=is_local_time_column(column))
    failed = parsed.failed
    if failed.any():
        files = frame[_defaults.FILE_COLUMN].tolist()
        rows = frame[_defaults.ROW_COLUMN].tolist()
        values = frame[column].tolist()
        for position in failed.to_numpy().nonzero()[0].tolist():
            problems.note(
                str(files[position]),
                int(rows[position]),
                f"{str(values[position])[:60]!r} is not a time; the row is kept without a time",
                skipped=False,
                column=column,
            )
    return parsed.times


def with_times(loaded: LoadedEvents, column: str, *, timezone: str | None = None) -> LoadedEvents:
    """Return ``loaded`` with ``column`` parsed to UTC times and any bad values listed.

    Raises:
        InvalidInputError: no such column, or it holds local time and no ``timezone``.
    """
    if column not in loaded.frame.columns:
        raise InvalidInputError(f"--time-column {column!r}: no such column in the events")
    problems = _Problems()
    problems.listed = list(loaded.problems)
    problems.count = loaded.problem_count
    frame = loaded.frame.copy(deep=False)  # columns are replaced, never written in place
    frame[column] = parse_times(frame, column, problems, timezone=timezone)
    return attrs.evolve(
        loaded,
        frame=frame,
        problems=tuple(problems.listed),
        problem_count=problems.count,
    )
