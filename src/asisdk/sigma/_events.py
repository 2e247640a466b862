"""Columns of one event subset, converted once and shared by every rule that reads them.

A rule's detection reads a handful of columns; most rules of a log source read the same ones
(``Image``, ``CommandLine``, ``ParentImage`` ...). :class:`EventView` converts a column the
first time a rule asks for it (to a pyarrow string array, its lower-cased copy, a float
array) and keeps the result, and it keeps every evaluated comparison too, so a comparison
that many rules make (``Image|endswith: \\powershell.exe``) is computed once per subset.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["BoolArray", "EventView", "lower_text", "to_bool"]

BoolArray = npt.NDArray[np.bool_]
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

#: Columns asisdk adds to every loaded frame; a keyword search does not look in them.
_BOOKKEEPING_PREFIX = "asi_"


def lower_text(text: str) -> str:
    """Lower-case a pattern exactly as the column is lower-cased (pyarrow's ``utf8_lower``)."""
    result = pc.utf8_lower(pa.scalar(text, pa.string())).as_py()
    return str(result) if result is not None else text.lower()


def to_bool(result: pa.Array | pa.ChunkedArray) -> BoolArray:
    """A pyarrow boolean result as a numpy mask, null counted as no match."""
    filled = pc.fill_null(result, False)
    if isinstance(filled, pa.ChunkedArray):
        filled = filled.combine_chunks()
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=np.bool_)


def _cached(store: dict[K, V], key: K, make: Callable[[], V]) -> V:
    """``store[key]``, made and kept on the first ask."""
    found = store.get(key)
    if found is None:
        found = store[key] = make()
    return found


def _squash(name: str) -> str:
    return name.replace(" ", "").lower()


def _integral_floats(values: npt.NDArray[Any]) -> bool:
    finite = values[~np.isnan(values)]
    return bool(finite.size == 0 or np.all(np.mod(finite, 1) == 0))


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def column_text(series: pd.Series[Any]) -> pa.Array:
    """A column as a pyarrow string array: numbers as Sigma writes them (``4688``, not
    ``4688.0``), booleans ``true``/``false``, missing values null."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        # Each category converted once, then spread by code (a missing cell is code -1).
        texts = column_text(pd.Series(dtype.categories))
        codes = series.cat.codes.to_numpy()
        array = texts.take(pa.array(codes, mask=codes < 0))
    elif pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        array = pa.array(series, from_pandas=True)
    elif pd.api.types.is_bool_dtype(dtype):
        array = pa.array([_cell_text(v) for v in series.tolist()], pa.string())
    elif pd.api.types.is_integer_dtype(dtype):
        array = pa.array(series.astype("string"), from_pandas=True)
    elif pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        if _integral_floats(values):
            array = pa.array(series.astype("Int64").astype("string"), from_pandas=True)
        else:
            array = pa.array([_cell_text(v) for v in values.tolist()], pa.string())
    elif pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        array = pa.array(series.to_numpy(dtype=object), pa.large_string(), from_pandas=True)
    else:
        # Mixed values: convert each distinct value once, then spread by code.
        codes, uniques = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
        texts = pa.array([_cell_text(v) for v in uniques.tolist()] + [None], pa.string())
        array = texts.take(pa.array(np.where(codes < 0, len(uniques), codes), pa.int64()))
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = pc.cast(array, pa.string())
    return array


class EventView:
    """The events of one log-source variant, with lazily converted, cached columns.

    Args:
        frame: all events.
        rows: positions (``iloc``) of this subset's events in ``frame``.
        field_map: Sigma field name to column name for these events.
    """

    def __init__(
        self, frame: pd.DataFrame, rows: npt.NDArray[np.intp], field_map: Mapping[str, str]
    ) -> None:
        self._frame = frame
        self.rows = rows
        self.size = len(rows)
        self._field_map = field_map
        self._by_lower = {str(c).lower(): str(c) for c in frame.columns}
        # Windows Defender's EventData names have spaces ("Source Name"); rules drop them.
        self._by_squashed = {_squash(str(c)): str(c) for c in frame.columns}
        self._columns = {str(c) for c in frame.columns}
        self._series: dict[str, pd.Series[Any]] = {}
        self._text: dict[str, pa.Array] = {}
        self._lower: dict[str, pa.Array] = {}
        self._numeric: dict[str, npt.NDArray[np.float64]] = {}
        self._present: dict[str, BoolArray] = {}
        self._joined: dict[bool, pa.Array] = {}
        self.results: dict[Hashable, BoolArray] = {}

    def resolve(self, field: str) -> str | None:
        """The column holding a Sigma field in these events, or ``None`` if there is none."""
        name = self._field_map.get(field, field)
        if name in self._columns:
            return name
        return self._by_lower.get(name.lower()) or self._by_squashed.get(_squash(name))

    def series(self, column: str) -> pd.Series[Any]:
        def subset() -> pd.Series[Any]:
            full = self._frame[column]
            return full if len(self.rows) == len(full) else full.iloc[self.rows]

        return _cached(self._series, column, subset)

    def text(self, column: str) -> pa.Array:
        return _cached(self._text, column, lambda: column_text(self.series(column)))

    def lower(self, column: str) -> pa.Array:
        return _cached(self._lower, column, lambda: pc.utf8_lower(self.text(column)))

    def numeric(self, column: str) -> npt.NDArray[np.float64]:
        return _cached(
            self._numeric,
            column,
            lambda: np.asarray(pd.to_numeric(self.series(column), errors="coerce"), "float64"),
        )

    def present(self, column: str) -> BoolArray:
        """Rows where the column holds a value (not null, not NaN)."""
        return _cached(self._present, column, lambda: to_bool(self.text(column).is_valid()))

    def keyword_text(self, *, lower: bool, rows: npt.NDArray[np.intp] | None = None) -> pa.Array:
        """Every keyword column of each event joined into one string (``\\x00`` between
        values), so a keyword search is one pass instead of one per column.

        With ``rows`` (positions in this view), only those events, built directly.
        """
        if rows is not None:
            columns = list(self.keyword_columns())
            subset = self._frame.iloc[self.rows[rows]][columns]
            joined: list[str] = []
            for record in subset.itertuples(index=False, name=None):
                texts = (_cell_text(v) for v in record)
                joined.append("\x00".join(t for t in texts if t is not None))
            array = pa.array(joined, pa.large_string())
            return pc.utf8_lower(array) if lower else array
        return _cached(self._joined, lower, lambda: self._joined_text(lower=lower))

    def _joined_text(self, *, lower: bool) -> pa.Array:
        arrays = [self.lower(c) if lower else self.text(c) for c in self.keyword_columns()]
        if not arrays:
            return pa.nulls(self.size, pa.string())
        # Nulls become empty strings: pyarrow's "skip" mode drops rows whose inputs are all
        # null.
        return pc.binary_join_element_wise(
            *(pc.cast(a, pa.large_string()) for a in arrays),
            pa.scalar("\x00", pa.large_string()),
            null_handling="replace",
            null_replacement="",
        )

    def keyword_columns(self) -> Iterable[str]:
        """The columns a keyword (field-less) search looks in: all but asisdk's own."""
        return [c for c in map(str, self._frame.columns) if not c.startswith(_BOOKKEEPING_PREFIX)]

    def every(self) -> BoolArray:
        return np.ones(self.size, dtype=np.bool_)
