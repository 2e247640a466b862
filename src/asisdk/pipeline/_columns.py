"""Which columns hold the command lines / messages, the times, the IPs and the hosts."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pandas as pd

from asisdk.errors import InvalidInputError
from asisdk.pipeline import _defaults

__all__ = ["EventColumns", "detect_columns"]


@attrs.frozen(kw_only=True)
class EventColumns:
    """The roles of a frame's columns for triage.

    Attributes:
        text: columns decoded, scanned for indicators and grouped into patterns (the first
            one is the pattern text; the others fill in where it is empty).
        time: the event time column, or ``None`` (no timeline, no first/last seen).
        ip: columns holding bare IP addresses, scanned for indicators too.
        host: the column naming the host (timeline lanes), or ``None``.
    """

    text: tuple[str, ...]
    time: str | None
    ip: tuple[str, ...] = ()
    host: str | None = None


def _by_name(frame: pd.DataFrame) -> dict[str, str]:
    names: dict[str, str] = {}
    for column in frame.columns:
        names.setdefault(str(column).lower(), str(column))
    return names


def _has_values(frame: pd.DataFrame, column: str) -> bool:
    values = frame[column]
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        return bool((values.fillna("").astype(str).str.strip() != "").any())
    return bool(values.notna().any())


def _require(frame: pd.DataFrame, column: str, option: str) -> str:
    names = _by_name(frame)
    found = names.get(column.lower())
    if found is None:
        available = [c for c in map(str, frame.columns) if not c.startswith("asi_")]
        raise InvalidInputError(
            f"{option} {column!r}: no such column in the events; the columns are {available}"
        )
    return found


def detect_columns(
    frame: pd.DataFrame,
    *,
    text_columns: Sequence[str] | None = None,
    time_column: str | None = None,
) -> EventColumns:
    """Find the command line / message, time, IP and host columns of ``frame``.

    Names given are checked (case-insensitively); the others are detected from the usual
    Windows, Sysmon, Defender and Sentinel names (``CommandLine``, ``ProcessCommandLine``,
    ``CreatedProcessCommandLine``, ``Message`` ... and ``TimeGenerated``, ``TimeCreated``,
    ``Timestamp`` ...). Detected text columns must hold at least one non-empty value.

    Args:
        frame: the events.
        text_columns: the command line / message columns (``--column``), else detected.
        time_column: the time column (``--time-column``), else detected.

    Returns:
        An :class:`EventColumns`.

    Raises:
        InvalidInputError: a named column does not exist, or no text column was named and
            none was found; the message lists the frame's columns.

    Examples:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"TimeGenerated": ["2024-01-01"], "ProcessCommandLine": ["x"]})
        >>> detect_columns(frame)
        EventColumns(text=('ProcessCommandLine',), time='TimeGenerated', ip=(), host=None)
    """
    names = _by_name(frame)
    if text_columns:
        text = tuple(dict.fromkeys(_require(frame, c, "--column") for c in text_columns))
    else:
        text = tuple(
            names[c.lower()]
            for c in _defaults.TEXT_COLUMNS
            if c.lower() in names and _has_values(frame, names[c.lower()])
        )
        if not text:
            available = [c for c in map(str, frame.columns) if not c.startswith("asi_")]
            raise InvalidInputError(
                "no command line or message column found (looked for "
                f"{', '.join(_defaults.TEXT_COLUMNS)}); name one with --column; the columns "
                f"are {available}"
            )
    if time_column is not None:
        time: str | None = _require(frame, time_column, "--time-column")
    else:
        time = next((names[c.lower()] for c in _defaults.TIME_COLUMNS if c.lower() in names), None)
    ip = tuple(
        dict.fromkeys(
            names[c.lower()]
            for c in _defaults.IP_COLUMNS
            if c.lower() in names and names[c.lower()] not in text
        )
    )
    host = next((names[c.lower()] for c in _defaults.HOST_COLUMNS if c.lower() in names), None)
    return EventColumns(text=text, time=time, ip=ip, host=host)
