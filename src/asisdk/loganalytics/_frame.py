"""Typed DataFrame conversion of Log Analytics result tables (vectorised, no per-row objects).

The service sends rows as positional JSON arrays; each column has a Log Analytics type. The
rows are transposed once (``zip(*rows)``) and every column is converted as a whole:

=========== =========================== ==========================================
type        pandas dtype                notes
=========== =========================== ==========================================
datetime    ``datetime64[ns, UTC]``     ISO 8601 with up to 7 fractional digits
int, long   ``Int64`` (nullable)
real        ``float64``                 ``"NaN"``/``"Infinity"`` strings accepted
bool        ``boolean`` (nullable)
dynamic     ``object``                  JSON text parsed; decoded values kept
timespan    ``timedelta64[ns]``         ``[-][d.]hh:mm:ss[.fffffff]``
decimal     ``object``                  :class:`decimal.Decimal` values
guid/string ``string``
=========== =========================== ==========================================
"""

from __future__ import annotations

import json
import json.scanner
import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, cast

import numpy as np
import pandas as pd

from asisdk.errors import InvalidInputError

__all__ = ["column_to_series", "convert_dynamic", "parse_timespan", "rows_to_frame"]

_TIMESPAN = re.compile(
    r"^(?P<sign>-)?(?:(?P<days>\d+)\.)?(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})(?:\.(?P<f>\d{1,9}))?$"
)


def parse_timespan(value: object) -> pd.Timedelta | None:
    """Parse a Log Analytics timespan (``"1.02:03:04.5000000"``) into a Timedelta.

    Examples:
        >>> parse_timespan("1.02:03:04.5000000")
        Timedelta('1 days 02:03:04.500000')
        >>> parse_timespan(None) is None
        True
    """
    if value is None:
        return None
    if isinstance(value, pd.Timedelta):
        return value
    match = _TIMESPAN.match(str(value).strip())
    if match is None:
        return None
    fraction = (match["f"] or "").ljust(9, "0")
    nanoseconds = (
        ((int(match["days"] or 0) * 24 + int(match["h"])) * 60 + int(match["m"])) * 60
        + int(match["s"])
    ) * 1_000_000_000 + int(fraction)
    return pd.Timedelta(-nanoseconds if match["sign"] else nanoseconds, unit="ns")


def convert_dynamic(value: object) -> object:
    """Decode a ``dynamic`` cell: JSON text is parsed; already-decoded values are kept.

    Text that is not JSON is returned unchanged (the service sends some scalars bare).

    Examples:
        >>> convert_dynamic('{"a": [1, 2]}'), convert_dynamic([1]), convert_dynamic("bare")
        ({'a': [1, 2]}, [1], 'bare')
    """
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# typeshed types make_scanner's argument as itself; at run time it takes a JSONDecoder
_SCAN: Callable[[str, int], tuple[Any, int]] = json.scanner.make_scanner(
    json.JSONDecoder()  # type: ignore[arg-type]
)


def _dynamic_values(values: Sequence[Any]) -> list[object]:
    """Parse a column of dynamic cells with the C JSON scanner (no per-call decoder set-up).

    A cell is taken as parsed only when the scanner consumed all of it; anything else (bare
    text, surrounding whitespace, invalid JSON) goes through :func:`convert_dynamic`.
    """
    out: list[object] = []
    append = out.append
    for value in values:
        if isinstance(value, str):
            try:
                parsed, end = _SCAN(value, 0)
            except (StopIteration, ValueError):
                append(convert_dynamic(value))
                continue
            append(parsed if end == len(value) else convert_dynamic(value))
        else:
            append(value)
    return out


def _objects(values: Sequence[Any]) -> np.ndarray[Any, np.dtype[np.object_]]:
    return np.fromiter(values, dtype=object, count=len(values))


def _decimal(value: object) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _nullable_ints(values: Sequence[Any]) -> pd.api.extensions.ExtensionArray:
    count = len(values)
    try:
        data = np.fromiter(values, dtype=np.int64, count=count)
        return pd.arrays.IntegerArray(data, np.zeros(count, dtype=bool))
    except (TypeError, ValueError, OverflowError):
        pass
    mask = np.fromiter((v is None for v in values), dtype=bool, count=count)
    try:
        data = np.fromiter((0 if v is None else int(v) for v in values), np.int64, count=count)
    except (TypeError, ValueError, OverflowError):
        numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
        mask = numbers.isna().to_numpy()
        data = numbers.fillna(0).to_numpy(dtype=np.float64).astype(np.int64)
    return pd.arrays.IntegerArray(data, mask)


def _booleans(values: Sequence[Any]) -> pd.api.extensions.ExtensionArray:
    mask = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
    data = np.fromiter((bool(v) for v in values), dtype=bool, count=len(values))
    return pd.arrays.BooleanArray(data, mask)


def _floats(values: Sequence[Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    try:
        return np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        numbers = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
        return numbers.to_numpy(dtype=np.float64, na_value=np.nan)


def _by_unique(values: Sequence[Any], convert: Callable[[Any], Any]) -> np.ndarray[Any, Any]:
    """Convert each distinct value once (timespans repeat a lot in real logs)."""
    codes, uniques = pd.factorize(_objects(values), use_na_sentinel=True)
    converted = np.empty(len(uniques) + 1, dtype=object)
    converted[:-1] = [convert(u) for u in uniques]
    converted[-1] = None
    return converted[codes]


def column_to_series(name: str, column_type: str, values: Sequence[Any]) -> pd.Series[Any]:
    """Convert one column of cells with its Log Analytics type into a typed Series.

    Examples:
        >>> column_to_series("n", "long", [1, None, 3]).dtype
        Int64Dtype()
    """
    kind = column_type.lower()
    if kind == "datetime":
        array = _objects(values)
        return pd.Series(
            pd.to_datetime(cast(Any, array), utc=True, format="ISO8601", errors="coerce"), name=name
        ).astype("datetime64[ns, UTC]")
    if kind in ("int", "long"):
        return pd.Series(_nullable_ints(values), name=name)
    if kind == "real":
        return pd.Series(_floats(values), name=name, dtype=np.float64)
    if kind == "bool":
        return pd.Series(_booleans(values), name=name)
    if kind == "dynamic":
        return pd.Series(_dynamic_values(values), name=name, dtype=object)
    if kind == "timespan":
        spans = _by_unique(values, parse_timespan)
        return pd.Series(pd.to_timedelta(spans), name=name).astype("timedelta64[ns]")
    if kind == "decimal":
        return pd.Series([_decimal(v) for v in values], name=name, dtype=object)
    return pd.Series(pd.array(_objects(values), dtype="string"), name=name)


def rows_to_frame(
    columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]
) -> pd.DataFrame:
    """Build a typed DataFrame from ``(name, type)`` columns and positional rows.

    Examples:
        >>> frame = rows_to_frame([("t", "datetime"), ("n", "int")], [["2024-05-01T00:00:00Z", 1]])
        >>> [str(t) for t in frame.dtypes]
        ['datetime64[ns, UTC]', 'Int64']
    """
    if rows:
        width = len(columns)
        bad = next((i for i, row in enumerate(rows) if len(row) != width), None)
        if bad is not None:
            raise InvalidInputError(
                f"row {bad} has {len(rows[bad])} cells but the table has {width} columns"
            )
        transposed: list[Sequence[Any]] = list(zip(*rows, strict=True))
    else:
        transposed = [() for _ in columns]
    series = {
        name: column_to_series(name, kind, values)
        for (name, kind), values in zip(columns, transposed, strict=True)
    }
    frame = pd.DataFrame(series)
    if not rows:
        frame = frame.reset_index(drop=True)
    return frame
