"""Match a frame's columns to the schema and add the canonical columns beside the originals."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from asisdk._text_columns import category_mask, is_text_category, plain_text
from asisdk.errors import InvalidInputError
from asisdk.schema._canonical import CANONICAL_COLUMNS, CanonicalColumn, canonical_column
from asisdk.schema._mapping import FIELD_PREFIXES, FIELD_SOURCES, Family, FieldSource
from asisdk.schema._time import is_local_time_column, parse_time_values

__all__ = ["SchemaMatch", "match_schema", "normalise_events"]

#: Values that mean "no value" in Windows and Zeek logs, besides empty cells.
_EMPTY: Final = ("", "-", "(empty)")
_EMPTY_TEXT: Final = re.compile(r"\s*(?:-|\(empty\))?\s*")
_EMPTY_TEXT_ANCHORED: Final = f"^{_EMPTY_TEXT.pattern}$"
_CHANNEL_COLUMNS: Final = ("Channel", "winlog.channel", "EventLog")
_PROVIDER_COLUMNS: Final = ("Provider_Name", "SourceName", "winlog.provider_name", "Source")
_EVENT_ID: Final = "asi_event_id"
_FAMILIES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    # family: (channels, providers), compared case-insensitively
    "sysmon": (("microsoft-windows-sysmon/operational",), ("microsoft-windows-sysmon",)),
    "security": (("security",), ("microsoft-windows-security-auditing",)),
    "powershell": (
        (
            "microsoft-windows-powershell/operational",
            "windows powershell",
            "powershellcore/operational",
        ),
        ("microsoft-windows-powershell", "powershell", "powershellcore"),
    ),
}
_PLACEHOLDER: Final = re.compile(r"\{([^}]+)\}")
_HEX: Final = re.compile(r"\s*0[xX][0-9a-fA-F]+\s*")
_DECIMAL: Final = re.compile(r"\s*[-+]?\d+(?:\.0+)?\s*")


@attrs.frozen(kw_only=True)
class SchemaMatch:
    """Which of a frame's columns feed each canonical column.

    Attributes:
        sources: canonical column name -> ``(source, frame column)`` pairs in the order
            they are tried; canonical columns with no source in the frame are absent.
    """

    sources: Mapping[str, tuple[tuple[FieldSource, str], ...]]

    def columns_for(self, canonical: str) -> tuple[str, ...]:
        """The frame columns feeding ``canonical`` (plain copies only, no parts or templates).

        Examples:
            >>> import pandas as pd
            >>> match_schema(pd.DataFrame({"ProcessCommandLine": ["x"]})).columns_for("asi_command_line")
            ('ProcessCommandLine',)
        """  # noqa: E501
        found = (
            column
            for source, column in self.sources.get(canonical, ())
            if source.part is None and source.template is None
        )
        return tuple(dict.fromkeys(found))


def _lookup(frame: pd.DataFrame) -> dict[str, str]:
    """Source names to frame columns: exact, then case-insensitive, then under a prefix."""
    columns = [str(c) for c in frame.columns]
    names: dict[str, str] = {}
    for column in columns:
        for prefix in FIELD_PREFIXES:
            if column.lower().startswith(prefix.lower()) and len(column) > len(prefix):
                names.setdefault(column[len(prefix) :].lower(), column)
    for column in columns:
        names[column.lower()] = column  # a plain column wins over a prefixed one
    for column in columns:
        names[column] = column  # ... and the exact spelling over another case
    return names


def _find(names: Mapping[str, str], column: str) -> str | None:
    return names.get(column) or names.get(column.lower())


def match_schema(frame: pd.DataFrame) -> SchemaMatch:
    """Find which columns of ``frame`` feed each canonical column.

    Args:
        frame: the events.

    Returns:
        A :class:`SchemaMatch`.

    Examples:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"winlog.event_data.CommandLine": ["whoami"], "host.name": ["ws1"]})
        >>> match_schema(frame).columns_for("asi_command_line"), match_schema(frame).columns_for("asi_host")
        (('winlog.event_data.CommandLine',), ('host.name',))
    """  # noqa: E501
    names = _lookup(frame)
    found: dict[str, list[tuple[FieldSource, str]]] = {}
    for source in FIELD_SOURCES:
        column = _find(names, source.column)
        if column is None:
            continue
        if source.template is not None and any(
            _find(names, c) is None for c in _PLACEHOLDER.findall(source.template)
        ):
            continue
        found.setdefault(source.canonical, []).append((source, column))
    return SchemaMatch(sources={k: tuple(v) for k, v in found.items()})


def _present(values: pd.Series[Any]) -> pd.Series[Any]:
    """Where a cell holds a value: not missing, not empty, not ``-``."""
    present = values.notna()
    if is_text_category(values):  # decided once per category
        return present & ~category_mask(values, _empty_text)
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        # A regex over the cells, not a stripped copy of them: a column of rendered
        # messages (300,000 x 1.5 KB) is not copied to be tested.
        present &= ~_empty_text(values)
    return present


def _empty_text(values: pd.Series[Any]) -> np.ndarray[Any, Any]:
    """Cells that are blank, ``-`` or ``(empty)``: an Arrow kernel on Arrow text."""
    if isinstance(values.array, pd.arrays.ArrowStringArray):
        arrow = pa.chunked_array(pa.array(values.array))
        found = pc.match_substring_regex(arrow, _EMPTY_TEXT_ANCHORED).fill_null(False)
        empty: np.ndarray[Any, Any] = np.asarray(found, dtype=bool)
        return empty
    text = values.astype(object).where(values.notna(), "").astype(str)
    return text.str.fullmatch(_EMPTY_TEXT.pattern).to_numpy(dtype=bool)


def _as_text(values: pd.Series[Any]) -> pd.Series[Any]:
    """Cells as text (whole floats without ``.0``), missing where not :func:`_present`.

    A text column whose every cell with a value is present comes back as it is (its
    buffers shared, not copied): ``asi_message`` beside ``Message`` costs no memory.
    """
    if pd.api.types.is_float_dtype(values.dtype):
        kept = values.dropna()
        if bool((kept % 1 == 0).all()):
            values = values.astype("Int64")
    present = _present(values)
    compact = values.dtype == "str" or is_text_category(values)
    if compact and bool((present == values.notna()).all()):
        return values
    text = values.astype(str).where(present)
    return text.astype("str")


def _as_int(values: pd.Series[Any]) -> pd.Series[Any]:
    """Cells as ``Int64``: numbers, decimal text and ``0x`` hexadecimal text."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return pd.Series(pd.NA, index=values.index, dtype="Int64")
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.astype("Int64")
    if pd.api.types.is_float_dtype(values.dtype):
        whole = values.where(values % 1 == 0)
        return whole.astype("Int64")
    text = values.where(_present(values)).dropna().astype(str)
    out = pd.Series(pd.NA, index=values.index, dtype="Int64")
    decimal = text[text.str.fullmatch(_DECIMAL.pattern).fillna(False).astype(bool)]
    if len(decimal):
        numbers = pd.to_numeric(decimal.str.strip(), errors="coerce")
        out.loc[decimal.index] = numbers.astype("Int64")
    hexadecimal = text[text.str.fullmatch(_HEX.pattern).fillna(False).astype(bool)]
    if len(hexadecimal):
        out.loc[hexadecimal.index] = [int(v, 16) for v in hexadecimal.str.strip()]
    return out


def _convert(
    values: pd.Series[Any], column: CanonicalColumn, timezone: str | None, name: str
) -> pd.Series[Any]:
    kind = column.kind
    if kind == "time":
        return parse_time_values(values, timezone=timezone, local=is_local_time_column(name)).times
    if kind == "int":
        return _as_int(values)
    if kind == "hex":
        numbers = _as_int(values)
        return numbers.map(lambda v: hex(int(v)), na_action="ignore").astype("str")
    text = _as_text(values)
    return text.str.lower() if kind == "hash" else text


def _family_masks(frame: pd.DataFrame, names: Mapping[str, str]) -> dict[str, pd.Series[Any]]:
    """Per family, the rows that belong to it or to no known log."""
    labels = pd.Series("", index=frame.index, dtype=object)
    for column in (*_CHANNEL_COLUMNS, *_PROVIDER_COLUMNS):
        found = _find(names, column)
        if found is None:
            continue
        values = _as_text(frame[found]).str.lower()
        labels = labels.where(labels != "", values.fillna("").astype(object))
    masks = {
        family: labels.isin([*channels, *providers])
        for family, (channels, providers) in _FAMILIES.items()
    }
    unknown = ~pd.DataFrame(masks).any(axis=1)
    return {family: mask | unknown for family, mask in masks.items()}


def _condition(
    frame: pd.DataFrame,
    source: FieldSource,
    names: Mapping[str, str],
    families: Mapping[str, pd.Series[Any]],
    event_ids: pd.Series[Any] | None,
) -> pd.Series[Any] | None:
    """Rows ``source`` applies to, or ``None`` for every row."""
    mask: pd.Series[Any] | None = None

    def both(more: pd.Series[Any]) -> None:
        nonlocal mask
        mask = more if mask is None else mask & more

    family: Family = source.family
    if family != "any":
        both(families[family])
    if source.event_ids:
        if event_ids is None:
            both(pd.Series(False, index=frame.index))
        else:
            both(event_ids.isin(sorted(source.event_ids)).fillna(False).astype(bool))
    if source.when_present:
        both(_any_present(frame, names, source.when_present))
    if source.when_absent:
        both(~_any_present(frame, names, source.when_absent))
    if source.when_equals is not None:
        column, value = source.when_equals
        found = _find(names, column)
        if found is None:
            both(pd.Series(False, index=frame.index))
        else:
            text = _as_text(frame[found]).str.lower()
            both((text == value.lower()).fillna(False).astype(bool))
    return mask


def _any_present(
    frame: pd.DataFrame, names: Mapping[str, str], columns: Sequence[str]
) -> pd.Series[Any]:
    """Rows where one of ``columns`` (those the frame has) holds a value."""
    present = pd.Series(False, index=frame.index)
    for column in columns:
        found = _find(names, column)
        if found is not None:
            present |= _present(frame[found])
    return present


def _source_values(
    frame: pd.DataFrame, source: FieldSource, column: str, names: Mapping[str, str]
) -> pd.Series[Any]:
    values = frame[column]
    if source.part is not None:
        pattern = rf"(?:^|,)\s*{re.escape(source.part)}=([^,\s]+)"
        text = _as_text(values)
        return text.str.extract(pattern, flags=re.IGNORECASE, expand=False)
    if source.template is not None:
        pieces = re.split(r"(\{[^}]+\})", source.template)
        built: pd.Series[Any] = pd.Series("", index=frame.index, dtype=object)
        complete = pd.Series(True, index=frame.index)
        for piece in pieces:
            field = _PLACEHOLDER.fullmatch(piece)
            if field is None:
                built = built + piece
                continue
            found = _find(names, field.group(1))
            part = (
                _as_text(frame[found]) if found is not None else pd.Series(pd.NA, index=frame.index)
            )
            complete &= part.notna()
            built = built + plain_text(part).fillna("").astype(object)
        return built.where(complete).astype("str")
    return values


def normalise_events(
    frame: pd.DataFrame,
    *,
    timezone: str | None = None,
    columns: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Add the canonical columns (:data:`~asisdk.schema.CANONICAL_COLUMNS`) to ``frame``.

    The original columns are kept as they are; each canonical column takes, row by row,
    the first source of :data:`~asisdk.schema.FIELD_SOURCES` that applies and has a value
    (empty cells, ``-`` and ``(empty)`` have none), normalised by its kind: integers from
    decimal or ``0x`` text, lower-case hashes, UTC times. Canonical columns no source feeds
    are added empty, so the result always has them all. A time column named as local time
    (``TimeGenerated [Local Time]``) is used only when ``timezone`` is given.

    Args:
        frame: the events (left unchanged).
        timezone: the IANA time zone of local-time columns.
        columns: only these canonical columns (default: all).

    Returns:
        A new frame: ``frame``'s columns, then the canonical ones.

    Raises:
        InvalidInputError: a name in ``columns`` is not a canonical column.

    Examples:
        >>> import pandas as pd
        >>> frame = pd.DataFrame({"Hashes": ["SHA1=AB12,MD5=CD34,IMPHASH=EF56"], "Image": [r"C:\\x.exe"]})
        >>> row = normalise_events(frame).iloc[0]
        >>> row["asi_md5"], row["asi_sha1"], row["asi_imphash"], row["asi_process_image"]
        ('cd34', 'ab12', 'ef56', 'C:\\\\x.exe')
    """  # noqa: E501
    wanted: Sequence[CanonicalColumn] = CANONICAL_COLUMNS
    if columns is not None:
        chosen = []
        for name in columns:
            found = canonical_column(name)
            if found is None:
                raise InvalidInputError(f"{name!r} is not a canonical column")
            chosen.append(found)
        wanted = chosen
    names = _lookup(frame)
    match = match_schema(frame)
    families = _family_masks(frame, names)
    event_ids = _event_ids(frame, match)
    added: dict[str, pd.Series[Any]] = {}
    for column in wanted:
        added[column.name] = _canonical(frame, column, match, names, families, event_ids, timezone)
    return frame.assign(**added)


def _event_ids(frame: pd.DataFrame, match: SchemaMatch) -> pd.Series[Any] | None:
    ids: pd.Series[Any] | None = None
    for _, column in match.sources.get(_EVENT_ID, ()):
        values = _as_int(frame[column])
        ids = values if ids is None else ids.fillna(values)
    return ids


def _canonical(
    frame: pd.DataFrame,
    column: CanonicalColumn,
    match: SchemaMatch,
    names: Mapping[str, str],
    families: Mapping[str, pd.Series[Any]],
    event_ids: pd.Series[Any] | None,
    timezone: str | None,
) -> pd.Series[Any]:
    result: pd.Series[Any] | None = None
    taken: set[str] = set()  # columns already taken for every row (``Message`` / ``message``)
    for source, found in match.sources.get(column.name, ()):
        if column.kind == "time" and is_local_time_column(found) and timezone is None:
            continue
        if found in taken or (result is not None and bool(result.notna().all())):
            continue
        values = _convert(_source_values(frame, source, found, names), column, timezone, found)
        condition = _condition(frame, source, names, families, event_ids)
        if condition is not None:
            values = values.where(condition)
        elif source.part is None and source.template is None:
            taken.add(found)
        if result is not None:  # the first source's cells, the others' where it has none
            values = plain_text(result).where(result.notna(), plain_text(values))
        result = values
    if result is None:
        return _empty(column, frame.index)
    return result


def _empty(column: CanonicalColumn, index: pd.Index[Any]) -> pd.Series[Any]:
    if column.kind == "time":
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns, UTC]")
    if column.kind == "int":
        return pd.Series(pd.NA, index=index, dtype="Int64")
    return pd.Series(np.nan, index=index, dtype="str")
