"""Reading Windows ``.evtx`` event logs into flat rows named as Windows and Sysmon name them.

The binary format is parsed by the ``evtx`` package (the Rust ``evtx`` crate); this module
only flattens each record's ``Event.System`` and ``Event.EventData`` / ``UserData`` to one
row, with the same columns as ``convert_evtx.py`` in the project's test data, so an
``.evtx`` file and its JSON lines conversion give the same frame.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import pandas as pd
from evtx import PyEvtxParser

__all__ = ["EVTX_MAGIC", "flatten_event", "read_evtx_records"]

#: The first bytes of every ``.evtx`` file (the file header's signature).
EVTX_MAGIC: Final = b"ElfFile\x00"

#: ``System`` columns, in the order they are written.
SYSTEM_COLUMNS: Final[tuple[str, ...]] = (
    "EventID",
    "Provider_Name",
    "Provider_Guid",
    "Version",
    "Level",
    "Task",
    "Opcode",
    "Keywords",
    "TimeCreated",
    "EventRecordID",
    "ActivityID",
    "RelatedActivityID",
    "ExecutionProcessID",
    "ExecutionThreadID",
    "Channel",
    "Computer",
    "UserID",
)

_TEXT_SYSTEM: Final = (
    "Version",
    "Level",
    "Task",
    "Opcode",
    "Keywords",
    "EventRecordID",
    "Channel",
    "Computer",
)

#: Consecutive unreadable records after which the rest of a file is given up.
_MAX_CONSECUTIVE_ERRORS: Final = 1000

#: Called with (1-based record number in file order, what is wrong) for a record left out.
RecordProblem = Callable[[int, str], None]


def _text(value: Any) -> Any:
    """An element's value: its ``#text`` when it has attributes, else the value itself."""
    if isinstance(value, dict):
        if "#text" in value:
            return _text(value["#text"])
        rest = {k: v for k, v in value.items() if k != "#attributes"}
        return rest or None
    if isinstance(value, list):
        return [_text(v) for v in value]
    return value


def _attribute(node: Any, name: str) -> Any:
    if isinstance(node, dict):
        attributes = node.get("#attributes")
        if isinstance(attributes, dict):
            return attributes.get(name)
    return None


def _event_time(value: Any) -> Any:
    """``SystemTime`` as a UTC :class:`pandas.Timestamp` (100 ns kept); unparsable kept as is."""
    if not isinstance(value, str):
        return value
    try:
        return pd.Timestamp(value).tz_convert("UTC")
    except (ValueError, TypeError):
        try:
            return pd.Timestamp(value, tz="UTC")
        except (ValueError, TypeError):
            return value


def _flatten_system(system: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    event_id = _text(system.get("EventID"))
    try:
        out["EventID"] = int(event_id)
    except (TypeError, ValueError):
        out["EventID"] = event_id
    provider = system.get("Provider")
    out["Provider_Name"] = _attribute(provider, "Name") or _attribute(provider, "EventSourceName")
    out["Provider_Guid"] = _attribute(provider, "Guid")
    for name in _TEXT_SYSTEM:
        if name in system:
            out[name] = _text(system[name])
    out["TimeCreated"] = _event_time(_attribute(system.get("TimeCreated"), "SystemTime"))
    correlation = system.get("Correlation")
    out["ActivityID"] = _attribute(correlation, "ActivityID")
    out["RelatedActivityID"] = _attribute(correlation, "RelatedActivityID")
    execution = system.get("Execution")
    out["ExecutionProcessID"] = _attribute(execution, "ProcessID")
    out["ExecutionThreadID"] = _attribute(execution, "ThreadID")
    out["UserID"] = _attribute(system.get("Security"), "UserID")
    return {k: out[k] for k in SYSTEM_COLUMNS if out.get(k) is not None}


def _put(out: dict[str, Any], name: str, value: Any) -> None:
    # An EventData field never overwrites a System column (some providers log "Level").
    if name in out or name in SYSTEM_COLUMNS:
        name = f"EventData_{name}"
    out[name] = value


def _flatten_nested(prefix: str, value: Any, out: dict[str, Any]) -> None:
    value = _text(value)
    if isinstance(value, dict):
        for key, sub in value.items():
            _flatten_nested(f"{prefix}_{key}" if prefix else key, sub, out)
    else:
        _put(out, prefix, value)


def _flatten_event_data(data: Any, out: dict[str, Any]) -> None:
    if not isinstance(data, dict):
        if data is not None:
            _put(out, "Data", _text(data))
        return
    for key, value in data.items():
        if key == "#attributes":
            continue
        if key == "Data":  # unnamed <Data> values
            values = _text(value)
            if isinstance(values, list) and len(values) == 1:
                values = values[0]
            _put(out, "Data", values)
            continue
        _flatten_nested(key, value, out)


def _flatten_user_data(user: Any, out: dict[str, Any]) -> None:
    if not isinstance(user, dict):
        return
    children = [k for k in user if k != "#attributes"]
    if len(children) != 1:
        _flatten_nested("UserData", user, out)
        return
    out["UserData_Element"] = children[0]
    inner = _text(user[children[0]])
    if isinstance(inner, dict):
        for key, value in inner.items():
            _flatten_nested(key, value, out)
    elif inner is not None:
        _put(out, "Data", inner)


def flatten_event(event: dict[str, Any]) -> dict[str, Any]:
    """Flatten one event (the ``evtx`` crate's JSON layout) to Windows/Sysmon column names.

    ``System`` gives ``EventID`` (an int), ``Provider_Name``, ``Channel``, ``Computer``,
    ``EventRecordID``, ``TimeCreated`` (a UTC timestamp) and the rest of
    :data:`SYSTEM_COLUMNS`; every ``EventData`` field becomes a column under its own name
    (``Image``, ``CommandLine`` ...), one that clashes with a ``System`` column is written
    ``EventData_<name>``; unnamed ``<Data>`` values go to ``Data``; the fields of the single
    ``UserData`` child are flattened with ``_`` and its name goes to ``UserData_Element``.

    Args:
        event: ``{"Event": {"System": ..., "EventData": ...}}`` (or the inner object).

    Returns:
        One row: column name to value (values keep their JSON type).

    Examples:
        >>> row = flatten_event({"Event": {
        ...     "System": {"EventID": {"#text": 4688, "#attributes": {"Qualifiers": 0}},
        ...                "Channel": "Security"},
        ...     "EventData": {"NewProcessName": "cmd.exe"}}})
        >>> row["EventID"], row["Channel"], row["NewProcessName"]
        (4688, 'Security', 'cmd.exe')
    """
    body = event.get("Event", event)
    if not isinstance(body, dict):
        return {}
    system = body.get("System")
    out = _flatten_system(system if isinstance(system, dict) else {})
    _flatten_event_data(body.get("EventData"), out)
    _flatten_user_data(body.get("UserData"), out)
    return out


def read_evtx_records(
    path: Path, on_problem: RecordProblem
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(record number, flat row)`` for every readable record of an ``.evtx`` file.

    Record numbers count from 1 in file order (a record that cannot be read still takes its
    number); such a record is passed to ``on_problem`` and the rest of the file is read.

    Args:
        path: the ``.evtx`` file.
        on_problem: called with the record number and a message for every unreadable record.

    Yields:
        The record number and its flattened row (:func:`flatten_event`).

    Raises:
        RuntimeError: the file header cannot be read (raised by the ``evtx`` parser).

    Examples:
        >>> rows = read_evtx_records(Path("Security.evtx"), print)  # doctest: +SKIP
        >>> next(rows)[1]["EventID"]  # doctest: +SKIP
        4624
    """
    records = iter(PyEvtxParser(str(path)).records_json())
    number = 0
    consecutive_errors = 0
    while True:
        number += 1
        try:
            record = next(records)
        except StopIteration:
            return
        except Exception as exc:  # the parser raises RuntimeError (or OSError) per bad record
            on_problem(number, f"record {number} cannot be read: {_short(exc)}")
            consecutive_errors += 1
            if consecutive_errors >= _MAX_CONSECUTIVE_ERRORS:
                on_problem(number, "too many unreadable records in a row; the rest is skipped")
                return
            continue
        consecutive_errors = 0
        if not isinstance(record, dict):
            on_problem(number, f"record {number} was not returned by the parser")
            continue
        try:
            event = json.loads(record["data"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            on_problem(number, f"record {number} is not valid JSON: {_short(exc)}")
            continue
        if not isinstance(event, dict):
            on_problem(number, f"record {number} is not an event object")
            continue
        row = flatten_event(event)
        if "EventRecordID" not in row and record.get("event_record_id") is not None:
            row["EventRecordID"] = record["event_record_id"]
        yield number, row


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 160 else text[:157] + "..."
