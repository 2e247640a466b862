"""Flattening nested JSON records, and JSON or XML held as text in a column, to flat rows.

Decisions, also stated in docs/inputs.md:

* A nested object becomes dotted names: ``{"winlog": {"event_data": {"CommandLine": "x"}}}``
  gives the column ``winlog.event_data.CommandLine``. Lists stay one JSON text cell.
* A record in the ``evtx`` crate's JSON layout (``{"Event": {"System": ..., "EventData":
  ...}}``, what ``evtx_dump -o json`` writes) is flattened as an ``.evtx`` file is
  (:func:`asisdk.pipeline._evtx.flatten_event`): ``EventID``, ``Channel``, ``CommandLine`` ...
* A text cell holding a JSON object (``AdditionalFields`` of Sentinel and Defender tables) or
  Windows event XML (``EventData`` of the Log Analytics ``Event`` and ``SecurityEvent``
  tables: ``<Data Name="...">`` elements) is expanded beside the original column:
  ``AdditionalFields.Account``, ``EventData.SubjectUserName``.
* Limits, so one hostile record cannot cost the file: objects deeper than
  :data:`MAX_FLATTEN_DEPTH` stay JSON text at that depth; a record that would give more than
  :data:`MAX_FLATTEN_COLUMNS` columns is flattened one level only; text over
  :data:`MAX_EMBEDDED_CHARS` characters is not parsed. Each case is reported on the row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final
from xml.etree import ElementTree

import pandas as pd

from asisdk.pipeline._evtx import flatten_event

__all__ = [
    "MAX_EMBEDDED_CHARS",
    "MAX_FLATTEN_COLUMNS",
    "MAX_FLATTEN_DEPTH",
    "expand_text_columns",
    "expand_xml_text",
    "flatten_record",
    "flatten_records",
    "iter_json_documents",
]

#: Nesting levels flattened to dotted names; deeper objects stay one JSON text cell.
MAX_FLATTEN_DEPTH: Final = 16
#: Most columns one record is flattened to; a wider record is flattened one level only.
MAX_FLATTEN_COLUMNS: Final = 1000
#: Longest text cell parsed as embedded JSON or XML.
MAX_EMBEDDED_CHARS: Final = 1_000_000

_XML_DATA: Final = re.compile(r"<(?:\w+:)?Data\b[^>]*\bName\s*=", re.ASCII)
_XML_DOCTYPE: Final = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _as_json_text(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (RecursionError, ValueError):
        return "<value nested too deep to show>"


def expand_xml_text(text: str) -> dict[str, str] | None:
    """Fields of Windows event XML held as text: ``<Data Name="N">v</Data>`` gives ``N: v``.

    Unnamed ``<Data>`` values are joined as a JSON list under ``Data``; other leaf elements
    with text give their tag name (``Binary``, ``ParameterXml`` children ...). Returns
    ``None`` for text that is not XML with ``<Data Name=...>`` elements (a ``<script>`` tag
    in a command line is left alone). Documents with a DTD or entities are not parsed.

    Examples:
        >>> expand_xml_text('<EventData xmlns="http://schemas.microsoft.com/win/2004/08/'
        ...     'events/event"><Data Name="SubjectUserName">bob</Data></EventData>')
        {'SubjectUserName': 'bob'}
    """
    if len(text) > MAX_EMBEDDED_CHARS or _XML_DOCTYPE.search(text):
        return None
    if not _XML_DATA.search(text):
        return None
    try:
        # No DTD can be in ``text`` (refused above), so no entity can expand; expat does not
        # fetch external resources.
        root = ElementTree.fromstring(text)  # noqa: S314
    except ElementTree.ParseError:
        return None
    out: dict[str, str] = {}
    unnamed: list[str] = []
    for element in root.iter():
        tag = _local(str(element.tag))
        if tag == "Data":
            value = element.text or ""
            name = element.get("Name")
            if name:
                out.setdefault(name, value)
            elif value:
                unnamed.append(value)
        elif len(element) == 0 and element is not root and (element.text or "").strip():
            out.setdefault(tag, element.text or "")
    if unnamed:
        out.setdefault("Data", unnamed[0] if len(unnamed) == 1 else json.dumps(unnamed))
    return out


def _expand_text(text: str) -> dict[str, Any] | None:
    """The fields of a JSON object or Windows event XML held as text, else ``None``."""
    stripped = text.strip()
    if len(stripped) < 2 or len(stripped) > MAX_EMBEDDED_CHARS:
        return None
    if stripped[0] == "{" and stripped[-1] == "}":
        try:
            value = json.loads(stripped)
        except (ValueError, RecursionError):
            return None
        return value if isinstance(value, dict) and value else None
    if stripped[0] == "<" and stripped[-1] == ">":
        return expand_xml_text(stripped)
    return None


def _is_windows_event(record: dict[str, Any]) -> bool:
    event = record.get("Event")
    return isinstance(event, dict) and isinstance(event.get("System"), dict)


def _needs_flattening(record: dict[str, Any], *, expand_text: bool) -> bool:
    try:
        joined = "".join(record.values())  # CSV rows: all text, one C-speed scan
    except TypeError:
        pass
    else:
        return expand_text and ("{" in joined or "<" in joined)
    for value in record.values():
        if isinstance(value, dict):
            return True
        if expand_text and isinstance(value, str) and value[:1] in ("{", "<", " ", "\t", "\n"):
            return True
    return False


def flatten_record(
    record: dict[str, Any], *, expand_text: bool = True
) -> tuple[dict[str, Any], list[str]]:
    """Flatten one record to dotted column names, with what had to be limited.

    Args:
        record: a parsed JSON object (or a CSV row, whose values are text).
        expand_text: whether text cells holding a JSON object or Windows event XML are
            expanded beside their column.

    Returns:
        The flat row (lists as JSON text) and a message for each limit reached.

    Examples:
        >>> flatten_record({"winlog": {"event_data": {"CommandLine": "whoami"}}, "n": 1})
        ({'winlog.event_data.CommandLine': 'whoami', 'n': 1}, [])
        >>> flatten_record({"AdditionalFields": '{"Account": "bob"}'})[0]
        {'AdditionalFields': '{"Account": "bob"}', 'AdditionalFields.Account': 'bob'}
    """
    notes: list[str] = []
    if not _needs_flattening(record, expand_text=expand_text):
        return record, notes
    if _is_windows_event(record):
        flat = flatten_event(record)
        for key, value in record.items():
            if key != "Event":
                flat.setdefault(key, value)
        record = flat
    out: dict[str, Any] = {}
    # Iterative, not recursive: depth is bounded by MAX_FLATTEN_DEPTH, not by the stack.
    stack: list[tuple[str, Any, int, bool]] = [
        (str(key), value, 1, False) for key, value in reversed(record.items())
    ]
    deep = False
    while stack:
        name, value, depth, embedded = stack.pop()
        if isinstance(value, dict):
            if not value:
                out.setdefault(name, None)
            elif depth >= MAX_FLATTEN_DEPTH:
                out.setdefault(name, _as_json_text(value))
                deep = True
            else:
                stack.extend(
                    (f"{name}.{key}", sub, depth + 1, embedded)
                    for key, sub in reversed(value.items())
                )
            continue
        out.setdefault(name, value)
        if (
            expand_text
            and not embedded
            and isinstance(value, str)
            and value[:1] in ("{", "<", " ", "\t", "\r", "\n")
            and value.rstrip()[-1:] in ("}", ">")
        ):
            fields = _expand_text(value)
            if fields:
                stack.extend(
                    (f"{name}.{key}", sub, depth + 1, True) for key, sub in reversed(fields.items())
                )
        if len(out) > MAX_FLATTEN_COLUMNS:
            break
    if deep:
        notes.append(
            f"objects nested deeper than {MAX_FLATTEN_DEPTH} levels were kept as JSON text"
        )
    if len(out) > MAX_FLATTEN_COLUMNS:
        notes.append(
            f"more than {MAX_FLATTEN_COLUMNS:,} nested fields; the record was flattened one "
            "level only"
        )
        out = {str(k): _as_json_text(v) if isinstance(v, dict) else v for k, v in record.items()}
    return out, notes


def flatten_records(
    records: Iterable[tuple[int, dict[str, Any]]],
    on_note: Callable[[int, str], None] | None = None,
    *,
    expand_text: bool = True,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """:func:`flatten_record` over ``(row, record)`` pairs; ``on_note(row, message)`` per limit.

    Examples:
        >>> list(flatten_records([(1, {"a": {"b": 2}})]))
        [(1, {'a.b': 2})]
    """
    for row, record in records:
        flat, notes = flatten_record(record, expand_text=expand_text)
        if on_note is not None:
            for note in notes:
                on_note(row, note)
        yield row, flat


def iter_json_documents(text: str) -> Iterator[tuple[int, object]]:
    """Yield ``(1-based number, value)`` for JSON documents written one after another.

    What ``evtx_dump -o json`` and many exporters write: pretty-printed objects with no
    array around them. Stops with :class:`json.JSONDecodeError` at the first bad document.

    Examples:
        >>> list(iter_json_documents('{"a": 1}\\n{\\n  "a": 2\\n}\\n'))
        [(1, {'a': 1}), (2, {'a': 2})]
    """
    decoder = json.JSONDecoder()
    position = 0
    number = 0
    length = len(text)
    while True:
        while position < length and text[position] in " \t\r\n":
            position += 1
        if position >= length:
            return
        value, position = decoder.raw_decode(text, position)
        number += 1
        yield number, value


#: Values looked at to decide whether a frame column holds JSON objects or event XML.
_SAMPLE_VALUES: Final = 50


def _column_holds_markup(values: pd.Series[Any]) -> bool:
    sample = values.dropna().head(_SAMPLE_VALUES)
    return any(isinstance(value, str) and bool(_expand_text(value)) for value in sample)


def expand_text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with JSON-object and Windows-XML text columns expanded beside themselves.

    For frames that did not come through a row reader (a Log Analytics query result, a
    Parquet file): a text column is expanded when one of its first 50 values is a JSON object
    or event XML with ``<Data Name=...>`` elements; then every value of it is, giving
    ``Column.field`` columns (the original kept). Other frames are returned as they are.

    Examples:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"AdditionalFields": ['{"Account": "bob"}', None]})
        >>> expand_text_columns(frame).columns.tolist()
        ['AdditionalFields', 'AdditionalFields.Account']
    """
    added: dict[str, list[Any]] = {}
    for column in frame.columns:
        values = frame[column]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
            continue
        if not _column_holds_markup(values):
            continue
        for position, value in enumerate(values.tolist()):
            fields = _expand_text(value) if isinstance(value, str) else None
            if not fields:
                continue
            flat, _ = flatten_record(fields, expand_text=False)
            for key, sub in flat.items():
                name = f"{column}.{key}"
                if name in frame.columns:
                    continue
                cells = added.setdefault(name, [None] * len(frame))
                cells[position] = _as_json_text(sub) if isinstance(sub, list) else sub
            if len(added) > MAX_FLATTEN_COLUMNS:
                break
    if not added:
        return frame
    extra = pd.DataFrame(added, index=frame.index)
    return pd.concat([frame, extra], axis=1)
