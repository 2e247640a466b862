"""Reading Zeek logs: the ASCII (TSV) writer's format with its ``#`` header, and JSON lines.

Decisions, also stated in docs/triage.md:

* ``-`` (the ``#unset_field``) becomes missing; ``(empty)`` (the ``#empty_field``) becomes ``""``.
* ``time`` columns become UTC times, exact to the microsecond (parsed as decimals, not floats);
  ``interval`` and ``double`` become float seconds; ``count``, ``int`` and ``port`` become
  ``Int64``; ``bool`` (``T``/``F``) becomes ``boolean``; everything else stays text.
* ``set[...]`` and ``vector[...]`` stay one string, the elements joined by ``,`` (Zeek's own
  TSV form); lists in JSON lines are joined the same way, so both formats give equal frames.
* ``Timestamp`` repeats ``ts`` so the triage finds the time, and ``Message`` (added when the
  log has none) holds a short text per event, e.g. ``10.0.0.5:51234 -> 10.0.0.9:80 tcp http``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final

import pandas as pd

from asisdk.errors import InvalidInputError
from asisdk.pipeline import _defaults

__all__ = ["is_zeek", "read_zeek"]

#: The column the triage detects as the event time (``ts`` is kept as well).
TIME_COLUMN: Final = "Timestamp"
#: The text column added for the triage when a log has none.
MESSAGE_COLUMN: Final = "Message"

_SET_JOINER: Final = ","
_INT_TYPES: Final = frozenset({"count", "int", "port"})
_FLOAT_TYPES: Final = frozenset({"interval", "double"})

#: (a column only that log has, the message template) in the order they are tried.
_MESSAGES: Final[tuple[tuple[str, str], ...]] = (
    ("conn_state", "{id.orig_h}:{id.orig_p} -> {id.resp_h}:{id.resp_p} {proto} {service}"),
    ("qtype_name", "dns {query} {qtype_name} {answers}"),
    ("method", "{method} {host}{uri} {status_code}"),
    ("note", "{note} {msg} {src} {dst}"),
    ("certificate.subject", "x509 {certificate.subject} issuer {certificate.issuer}"),
    ("server_name", "ssl {server_name} {version} {id.orig_h} -> {id.resp_h}:{id.resp_p}"),
    ("fuid", "file {mime_type} {filename} {md5} {sha1}"),
)
_FIELD: Final = re.compile(r"\{([^}]+)\}")

RowProblem = Callable[[int, str], None]


def is_zeek(head: bytes) -> bool:
    """Whether a file's first bytes are a Zeek TSV header or a Zeek JSON line.

    Examples:
        >>> is_zeek(b"#separator \\\\x09\\n#set_separator\\t,\\n")
        True
        >>> is_zeek(b'{"ts": 1700000000.5, "uid": "CxY1", "id.orig_h": "10.0.0.1"}\\n')
        True
        >>> is_zeek(b'{"TimeGenerated": "2024-01-01"}')
        False
    """
    text = head.lstrip(b"\xef\xbb\xbf")
    if text.startswith(b"#separator"):
        return True
    if not text.lstrip().startswith(b"{"):
        return False
    line = text.lstrip().split(b"\n", 1)[0]
    try:
        record = json.loads(line)
    except ValueError:
        return False
    return (
        isinstance(record, dict)
        and isinstance(record.get("ts"), int | float)
        and ("uid" in record or "fuid" in record)
    )


def read_zeek(file: Path, problem: RowProblem) -> pd.DataFrame:
    """Read one Zeek log (TSV with ``#`` headers, or JSON lines) into a typed frame.

    Several logs concatenated in one file (each with its own header) are all read; their
    columns are united. A row with the wrong number of fields, or a bad JSON line, is
    reported through ``problem(line_number, message)`` and left out.

    Raises:
        InvalidInputError: a TSV log has rows before its ``#fields`` line.

    Examples:
        >>> from pathlib import Path
        >>> frame = read_zeek(Path("conn.log"), print)  # doctest: +SKIP
        >>> frame["Timestamp"].dt.tz  # doctest: +SKIP
        datetime.timezone.utc
    """
    with file.open(encoding="utf-8-sig", errors="replace") as stream:
        first = stream.readline()
        stream.seek(0)
        if first.startswith("#separator"):
            rows, types = _tsv_rows(stream, str(file), problem)
        else:
            rows, types = _json_rows(stream, problem)
    return _frame(rows, types)


def _unescape(value: str) -> str:
    return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), value)


def _tsv_rows(
    lines: Iterator[str], name: str, problem: RowProblem
) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, str]]:
    separator, set_separator, empty, unset = "\t", ",", "(empty)", "-"
    fields: list[str] | None = None
    kinds: list[str] = []
    path = ""
    types: dict[str, str] = {}
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line:
            continue
        if line.startswith("#separator"):
            separator = _unescape(line[len("#separator") :].strip() or "\\x09")
            fields, kinds, path = None, [], ""
            continue
        if line.startswith("#"):
            key, _, value = line[1:].partition(separator)
            if key == "set_separator":
                set_separator = _unescape(value)
            elif key == "empty_field":
                empty = value
            elif key == "unset_field":
                unset = value
            elif key == "path":
                path = value
            elif key == "fields":
                fields = value.split(separator)
            elif key == "types":
                kinds = value.split(separator)
            continue
        if fields is None:
            raise InvalidInputError(f"{name}: line {number}: a Zeek row before any #fields line")
        values = line.split(separator)
        if len(values) != len(fields):
            problem(number, f"expected {len(fields)} fields as in #fields, found {len(values)}")
            continue
        row_types = dict(zip(fields, kinds, strict=False))
        types.update(row_types)
        record: dict[str, Any] = {"_path": path} if path else {}
        for column, value in zip(fields, values, strict=True):
            kind = row_types.get(column, "string")
            if value == unset:
                record[column] = None
            elif value == empty:
                record[column] = ""
            elif kind.startswith(("set[", "vector[")):
                record[column] = _SET_JOINER.join(value.split(set_separator))
            else:
                record[column] = value
        rows.append((number, record))
    return rows, types


def _json_rows(
    lines: Iterator[str], problem: RowProblem
) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, str]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            problem(number, f"invalid JSON: {exc}")
            continue
        if not isinstance(record, dict):
            problem(number, f"expected a JSON object, found {type(record).__name__}")
            continue
        for key, value in record.items():
            if isinstance(value, list):
                record[key] = _SET_JOINER.join(map(str, value))
            elif isinstance(value, dict):
                record[key] = json.dumps(value, ensure_ascii=False)
        rows.append((number, record))
    return rows, {"ts": "time"}


def _epoch_microseconds(value: object) -> int | None:
    """Float epoch seconds (text or number) as whole microseconds, without float rounding."""
    if value is None or isinstance(value, bool):
        return None
    try:
        seconds = Decimal(repr(value) if isinstance(value, float) else str(value))
        return int(seconds.scaleb(6).to_integral_value())
    except (InvalidOperation, ValueError):
        return None


def _typed(values: list[Any], kind: str) -> pd.Series[Any]:
    if kind == "time":
        if any(isinstance(v, str) and not _is_number(v) for v in values if v is not None):
            times = pd.to_datetime(pd.Series(values, dtype=object), utc=True, errors="coerce")
            return times.astype("datetime64[ns, UTC]")
        micros = pd.Series([_epoch_microseconds(v) for v in values], dtype="Int64")
        return pd.to_datetime(micros, unit="us", utc=True).astype("datetime64[ns, UTC]")
    if kind in _INT_TYPES:
        return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype("Int64")
    if kind in _FLOAT_TYPES:
        return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").astype("float64")
    if kind == "bool":
        flags = {"T": True, "F": False, True: True, False: False}
        return pd.Series([flags.get(v) for v in values], dtype="boolean")
    return pd.Series(values, dtype=object)


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def _frame(rows: list[tuple[int, dict[str, Any]]], types: dict[str, str]) -> pd.DataFrame:
    names = dict.fromkeys(name for _, record in rows for name in record)
    columns = {
        name: _typed([record.get(name) for _, record in rows], types.get(name, ""))
        for name in names
    }
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))
    if "ts" in frame.columns:
        frame[TIME_COLUMN] = frame["ts"]
    if MESSAGE_COLUMN not in frame.columns:
        frame[MESSAGE_COLUMN] = pd.Series(
            [_message(record) for _, record in rows], index=frame.index, dtype=object
        )
    frame[_defaults.ROW_COLUMN] = pd.Series([n for n, _ in rows], dtype="int64")
    return frame


def _message(record: dict[str, Any]) -> str:
    template = next((t for key, t in _MESSAGES if key in record), None)
    if template is None:
        shown = (k for k in record if k not in {"ts", "uid", "_path"})
        return "; ".join(f"{k}={record[k]}" for k in shown if record[k] not in (None, ""))
    text = _FIELD.sub(lambda m: _text(record.get(m.group(1))), template)
    return " ".join(text.split())


def _text(value: object) -> str:
    return "" if value is None else str(value)
