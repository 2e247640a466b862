"""Which columns hold the command lines / messages, the times, the IPs and the hosts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa

from asisdk._text_columns import category_mask, is_text_category
from asisdk.errors import InvalidInputError
from asisdk.pipeline import _defaults
from asisdk.pipeline._evtx import SYSTEM_COLUMNS
from asisdk.schema import CANONICAL_COLUMNS, SchemaMatch, is_local_time_column, match_schema

__all__ = [
    "EVENT_TEXT_COLUMN",
    "EventColumns",
    "detect_columns",
    "first_text",
    "nonblank_mask",
    "with_event_text",
]

#: The text :func:`with_event_text` writes for Windows events that have no text column.
EVENT_TEXT_COLUMN: Final = "asi_event_text"

#: ``System`` fields that lead the event text (the rest of ``System`` is left out).
_EVENT_TEXT_SYSTEM: Final = ("EventID", "Channel")


@attrs.frozen(kw_only=True)
class EventColumns:
    """The roles of a frame's columns for triage.

    Attributes:
        text: columns decoded, scanned for indicators and grouped into patterns (the first
            one is the pattern text; the others fill in where it is empty).
        time: the event time column, or ``None`` (no timeline, no first/last seen).
        ip: columns holding bare IP addresses, scanned for indicators too.
        host: the column naming the host (timeline lanes), or ``None``.
        time_local: the time column holds local time (``TimeGenerated [Local Time]``), to
            be converted with a time zone, never called UTC.
    """

    text: tuple[str, ...]
    time: str | None
    ip: tuple[str, ...] = ()
    host: str | None = None
    time_local: bool = attrs.field(default=False, repr=False)


def columns_by_name(frame: pd.DataFrame) -> dict[str, str]:
    """Each column by its lower-cased name (the first of the same name, case aside)."""
    names: dict[str, str] = {}
    for column in frame.columns:
        names.setdefault(str(column).lower(), str(column))
    return names


def empty_table(columns: Iterable[str]) -> pd.DataFrame:
    """A table of ``columns`` (object dtype) without rows: what a stage that found nothing gives."""
    return pd.DataFrame({name: pd.Series(dtype=object) for name in columns})


def named_columns(names: Mapping[str, str], wanted: Sequence[str]) -> list[str]:
    """The columns of ``wanted`` (looked up in ``names``, see :func:`columns_by_name`)."""
    return [names[c.lower()] for c in wanted if c.lower() in names]


def _own_columns(frame: pd.DataFrame) -> list[str]:
    """The frame's columns but the canonical ``asi_`` ones (what an error message lists)."""
    return [c for c in map(str, frame.columns) if not c.startswith("asi_")]


#: Rows checked at a time for blank text (a stripped copy of one slice, not of the column).
_BLANK_SLICE: Final = 50_000


def nonblank_mask(values: pd.Series) -> np.ndarray:
    """Where ``values`` holds text that is not only whitespace, slice by slice.

    ``str.strip`` on a whole column of rendered messages (300,000 x 1.5 KB) makes a
    second copy of it; a slice at a time keeps that copy small.
    """
    if is_text_category(values):  # decided once per category, the text never spelt out
        return category_mask(values, nonblank_mask)
    masks = [
        (part.astype(str).str.strip() != "").to_numpy(dtype=bool)
        for start in range(0, len(values), _BLANK_SLICE)
        for part in (values.iloc[start : start + _BLANK_SLICE].fillna(""),)
    ]
    return np.concatenate(masks) if masks else np.zeros(0, dtype=bool)


def _text_part(values: pd.Series) -> pd.Series:
    """A column as text (categories of text as they are), missing cells missing."""
    if is_text_category(values) or (
        pd.api.types.is_string_dtype(values.dtype) and values.dtype != object
    ):
        return values
    return values.where(values.notna(), "").astype("str")


def first_usable(
    parts: Sequence[pd.Series], index: pd.Index, *, blank: Sequence[str] = ()
) -> pd.Series:
    """Per row, the first of ``parts`` (text columns aligned to ``index``) whose cell is not
    blank text (nor one of ``blank``), else ``""``.

    Chosen by code: each part is factorised (a categorical column by its own codes), each
    distinct value tested once, and the result built by one Arrow ``take`` from the distinct
    texts: a frame of 300,000 rendered messages gets one new text column, not a copy per
    column (or 300,000 Python strings).

    Examples:
        >>> import pandas as pd
        >>> parts = [pd.Series(["x", " ", None, "-"]), pd.Series(["p", "q", None, "r"])]
        >>> first_usable(parts, pd.RangeIndex(4), blank=["-"]).tolist()
        ['x', 'q', '', 'r']
    """
    chosen = np.full(len(index), -1, dtype=np.int64)
    texts: list[pa.Array] = []  # the distinct texts of every part, in order
    offset = 0
    for part in parts:
        if is_text_category(part):
            codes = part.cat.codes.to_numpy(dtype=np.int64)
            uniques = pd.Series(part.cat.categories)
        else:
            found, distinct = pd.factorize(part)
            codes, uniques = found.astype(np.int64), pd.Series(distinct)
        usable = nonblank_mask(uniques)
        if blank:
            usable &= ~uniques.isin(blank).to_numpy(dtype=bool)
        # A missing cell (code -1) reads the appended False.
        take = (chosen < 0) & np.append(usable, False)[codes]
        chosen[take] = codes[take] + offset
        text = pa.array(uniques.astype(str), pa.large_string())
        texts.extend(text.chunks if isinstance(text, pa.ChunkedArray) else [text])
        offset += len(uniques)
    chosen[chosen < 0] = offset
    every = pa.chunked_array([*texts, pa.array([""], pa.large_string())], pa.large_string())
    return pd.Series(every.take(pa.array(chosen)), index=index, dtype="str")


def first_text(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """Per row, the first of ``columns`` holding non-blank text, else ``""``.

    Examples:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"a": ["x", " ", None], "b": ["p", "q", None]})
        >>> first_text(frame, ["a", "b"]).tolist()
        ['x', 'q', '']
    """
    return first_usable([_text_part(frame[c]) for c in columns], frame.index)


def _has_values(frame: pd.DataFrame, column: str) -> bool:
    values = frame[column]
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        return any(
            bool(nonblank_mask(values.iloc[start : start + _BLANK_SLICE]).any())
            for start in range(0, len(values), _BLANK_SLICE)
        )
    return bool(values.notna().any())


def _has_text_column(frame: pd.DataFrame) -> bool:
    wanted = (*_defaults.TEXT_COLUMNS, EVENT_TEXT_COLUMN)
    return any(_has_values(frame, c) for c in named_columns(columns_by_name(frame), wanted))


def _is_windows_events(frame: pd.DataFrame) -> bool:
    """Rows flattened from Windows events (``.evtx`` or its JSON): an ``EventID`` and a log."""
    columns = set(map(str, frame.columns))
    return "EventID" in columns and bool(columns & {"Channel", "Provider_Name"})


def whole_text(values: pd.Series) -> pd.Series:
    """``values`` as text, ``""`` where missing; whole floats (ints with gaps) without ``.0``."""
    present = values.notna()
    if pd.api.types.is_float_dtype(values.dtype) and bool((values[present] % 1 == 0).all()):
        values = values.astype("Int64")
    return values.astype(str).where(present, "")


def with_event_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Give Windows events without a command line or message a readable text column.

    A Windows event log (``.evtx``, or its JSON conversion) holds no rendered message, and a
    logon (4624), a Kerberos failure (4771) or a network connection (Sysmon 3) holds no
    command line either. When ``frame`` has an ``EventID`` and a ``Channel`` (or
    ``Provider_Name``) column and none of the text columns :func:`detect_columns` looks for
    holds a value, this adds :data:`EVENT_TEXT_COLUMN`: ``EventID=...; Channel=...;`` then
    every ``EventData`` / ``UserData`` field with a value, ``Name=Value`` in name order
    (case-insensitive), joined by ``"; "``. Any other frame is returned as it is.

    Args:
        frame: the events.

    Returns:
        ``frame``, or a copy with :data:`EVENT_TEXT_COLUMN` added.

    Examples:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"EventID": [4624], "Channel": ["Security"],
        ...                       "Computer": ["dc1"], "TargetUserName": ["bob"],
        ...                       "IpAddress": ["10.0.0.5"]})
        >>> with_event_text(frame)["asi_event_text"][0]
        'EventID=4624; Channel=Security; IpAddress=10.0.0.5; TargetUserName=bob'
    """
    if EVENT_TEXT_COLUMN in frame.columns or not _is_windows_events(frame):
        return frame
    if _has_text_column(frame):
        return frame
    fields = [
        str(c)
        for c in frame.columns
        if str(c) in _EVENT_TEXT_SYSTEM
        or (str(c) not in SYSTEM_COLUMNS and not str(c).startswith("asi_"))
    ]
    # By name, not column order: the loader's column order is not stable from run to run.
    fields.sort(
        key=lambda c: (
            _EVENT_TEXT_SYSTEM.index(c) if c in _EVENT_TEXT_SYSTEM else len(_EVENT_TEXT_SYSTEM),
            c.casefold(),
            c,
        )
    )
    parts = [
        ((name + "=") + text).where(text.str.strip() != "", "")
        for name in fields
        for text in (whole_text(frame[name]),)
    ]
    joined = ["; ".join(p for p in row if p) for row in zip(*parts, strict=True)]
    return frame.assign(**{EVENT_TEXT_COLUMN: pd.Series(joined, index=frame.index, dtype=object)})


def _require(frame: pd.DataFrame, column: str, option: str) -> str:
    found = columns_by_name(frame).get(column.lower())
    if found is None:
        raise InvalidInputError(
            f"{option} {column!r}: no such column in the events; the columns are "
            f"{_own_columns(frame)}"
        )
    return found


def detect_columns(
    frame: pd.DataFrame,
    *,
    text_columns: Sequence[str] | None = None,
    time_column: str | None = None,
) -> EventColumns:
    """Find the command line / message, time, IP and host columns of ``frame``.

    Names given are checked (case-insensitively); the others are detected from the
    normalised schema first (:mod:`asisdk.schema`: the sources of ``asi_command_line``,
    ``asi_parent_command_line``, ``asi_script_block`` and ``asi_message`` are the text, of
    ``asi_time`` the time, of ``asi_host`` the host, of ``asi_src_ip``/``asi_dst_ip`` the
    IPs, or those canonical columns themselves when the frame has them), then from the
    usual names (``Payload``, ``RawData`` ...). Detected text columns must hold at least one
    non-empty value; when none does, the event text of :func:`with_event_text` is used if
    the frame has it. A time column named as local time (``TimeGenerated [Local Time]``)
    is flagged ``time_local``.

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
    names = columns_by_name(frame)
    schema = match_schema(frame)
    if text_columns:
        text = tuple(dict.fromkeys(_require(frame, c, "--column") for c in text_columns))
    else:
        covered = _covered(frame, schema)
        candidates = [
            *_schema_columns(frame, schema, "text"),
            *(c for c in named_columns(names, _defaults.TEXT_COLUMNS) if c not in covered),
        ]
        text = tuple(c for c in dict.fromkeys(candidates) if _has_values(frame, c))
        if not text and EVENT_TEXT_COLUMN in frame.columns:
            text = (EVENT_TEXT_COLUMN,)
        if not text:
            raise InvalidInputError(
                "no command line or message column found (looked for "
                f"{', '.join(_defaults.TEXT_COLUMNS)}); name one with --column; the columns "
                f"are {_own_columns(frame)}"
            )
    if time_column is not None:
        time: str | None = _require(frame, time_column, "--time-column")
    else:
        times = [
            *_schema_columns(frame, schema, "time"),
            *named_columns(names, _defaults.TIME_COLUMNS),
            *(c for c in map(str, frame.columns) if is_local_time_column(c)),
        ]
        time = times[0] if times else None
    ips = [*_schema_columns(frame, schema, "ip"), *named_columns(names, _defaults.IP_COLUMNS)]
    ip = tuple(c for c in dict.fromkeys(ips) if c not in text)
    hosts = [*_schema_columns(frame, schema, "host"), *named_columns(names, _defaults.HOST_COLUMNS)]
    host = hosts[0] if hosts else None
    return EventColumns(
        text=text,
        time=time,
        ip=ip,
        host=host,
        time_local=time is not None and is_local_time_column(time),
    )


def _covered(frame: pd.DataFrame, schema: SchemaMatch) -> set[str]:
    """Source columns whose canonical column the frame already has (they are not repeated)."""
    present = set(map(str, frame.columns))
    return {
        source
        for column in CANONICAL_COLUMNS
        if column.name in present
        for source in schema.columns_for(column.name)
    }


def _schema_columns(frame: pd.DataFrame, schema: SchemaMatch, role: str) -> list[str]:
    """The columns the schema gives a role: a canonical column itself, else its sources.

    A frame normalised by :func:`asisdk.schema.normalise_events` has the canonical columns
    (``asi_command_line`` ...), which then stand for their sources.
    """
    present = set(map(str, frame.columns))
    return [
        name
        for column in CANONICAL_COLUMNS
        if column.role == role
        for name in ([column.name] if column.name in present else schema.columns_for(column.name))
    ]
