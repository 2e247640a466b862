"""Reading Parquet files whose text may not be text: binary columns and invalid UTF-8.

A ``binary`` column is decoded as UTF-8 (the triage reads text, not ``bytes``); a ``string``
column that holds bytes that are not UTF-8 (Parquet writers do not all check) is decoded the
same way instead of failing the whole file. A value that is not UTF-8 is decoded with U+FFFD
for the bad bytes and reported with its row and column; the row is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["read_parquet_file"]

#: Called with (1-based row, column, message) for a value decoded with replacement.
CellProblem = Callable[[int, str, str], None]

_MAX_REPORTED_PER_COLUMN: Final = 1000


def _is_binary(kind: pa.DataType) -> bool:
    return bool(pa.types.is_binary(kind) or pa.types.is_large_binary(kind))


def _is_string(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _valid_utf8(values: pa.ChunkedArray) -> bool:
    try:
        values.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _is_clean(values: pa.ChunkedArray) -> bool:
    """Not binary, and valid UTF-8 if text."""
    return not _is_binary(values.type) and (not _is_string(values.type) or _valid_utf8(values))


def _decoded(values: pa.ChunkedArray, name: str, on_problem: CellProblem) -> pd.Series[Any]:
    kind = values.type
    if _is_string(kind):
        if _valid_utf8(values):
            series: pd.Series[Any] = values.to_pandas()
            return series
        values = values.cast(pa.large_binary() if pa.types.is_large_string(kind) else pa.binary())
    out: list[object] = []
    reported = 0
    for row, value in enumerate(values.to_pylist(), start=1):
        if value is None:
            out.append(None)
            continue
        try:
            out.append(value.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(value.decode("utf-8", errors="replace"))
            if reported < _MAX_REPORTED_PER_COLUMN:
                on_problem(row, name, "bytes that are not UTF-8 replaced by U+FFFD")
            reported += 1
    return pd.Series(out, dtype=object)


def read_parquet_file(file: Path, on_problem: CellProblem) -> pd.DataFrame:
    """Read a Parquet file to a frame, binary and non-UTF-8 text decoded (bad bytes reported).

    Args:
        file: the file.
        on_problem: called for each value decoded with replacement (at most 1,000 a column).

    Returns:
        The frame, index ``0..n-1``.

    Examples:
        >>> frame = read_parquet_file(Path("events.parquet"), print)  # doctest: +SKIP
    """
    table: pa.Table = pq.read_table(file)
    if all(_is_clean(values) for values in table.columns):
        whole: pd.DataFrame = table.to_pandas()
        return whole.reset_index(drop=True)
    columns: dict[str, Any] = {}
    for name, values in zip(table.column_names, table.columns, strict=True):
        if _is_binary(values.type) or _is_string(values.type):
            columns[name] = _decoded(values, name, on_problem)
        else:
            columns[name] = pa.table({name: values}).to_pandas()[name]
    return pd.DataFrame(columns).reset_index(drop=True)
