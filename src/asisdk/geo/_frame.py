"""Lookup results to DataFrame columns, the same for every source (databases, IPStack)."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from asisdk.entities import GeoLocation, IpType
from asisdk.errors import InvalidInputError
from asisdk.geo._result import GeoResult, GeoStatus

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LOCATION_COLUMNS",
    "RESULT_COLUMNS",
    "Row",
    "column_values",
    "results_to_frame",
    "rows_to_frame",
]

#: Location columns added by ``lookup_frame``, in order (GeoLocation field names).
LOCATION_COLUMNS: Final = (
    "country_code",
    "country_name",
    "state",
    "city",
    "latitude",
    "longitude",
    "accuracy_radius",
    "time_zone",
    "postal_code",
    "continent",
    "network",
    "asn",
    "organization",
)
#: Every column ``lookup_frame`` adds, in order.
RESULT_COLUMNS: Final = ("geo_status", "ip_type", *LOCATION_COLUMNS, "geo_error")
_FLOAT_COLUMNS: Final = frozenset({"latitude", "longitude"})
_INT_COLUMNS: Final = frozenset({"accuracy_radius", "asn"})
_SUFFIX: Final = "_geo"

#: ``(status, ip_type, location, error)``, possibly followed by source-specific items.
Row = tuple[GeoStatus, IpType | None, GeoLocation | None, str | None, *tuple[object, ...]]


def column_values(df: pd.DataFrame, column: str) -> list[object]:
    """The cells of ``df[column]`` as a list, or a clear error when the column is missing."""
    if column not in df.columns:
        raise InvalidInputError(
            f"column {column!r} is not in the frame (columns: {list(df.columns)})"
        )
    return list(df[column].tolist())


def results_to_frame(df: pd.DataFrame, results: Sequence[GeoResult]) -> pd.DataFrame:
    """``df`` followed by the result columns, one result per row, ``df``'s index kept.

    A result column whose name is already in ``df`` gets the suffix ``_geo``.
    """
    return rows_to_frame(df, [(r.status, r.ip_type, r.location, r.error) for r in results])


def rows_to_frame(df: pd.DataFrame, rows: Sequence[Row]) -> pd.DataFrame:
    """Like :func:`results_to_frame`, from ``(status, ip_type, location, error, ...)`` rows.

    Rows that are the same object (repeated inputs) are converted once.
    """
    import pandas as pd

    location_cells = operator.attrgetter(*LOCATION_COLUMNS)
    no_location = (None,) * len(LOCATION_COLUMNS)
    # Rows and locations alive in ``rows`` are converted once each (keyed by identity).
    converted: dict[int, tuple[object, ...]] = {}
    by_location: dict[int, tuple[object, ...]] = {}
    values: list[tuple[object, ...]] = []
    for row in rows:
        cells = converted.get(id(row))
        if cells is None:
            status, ip_type, location, error = row[0], row[1], row[2], row[3]
            place: tuple[object, ...]
            if location is None:
                place = no_location
            else:
                place = by_location.get(id(location)) or location_cells(location)
                by_location[id(location)] = place
            cells = (status.value, None if ip_type is None else ip_type.value, *place, error)
            converted[id(row)] = cells
        values.append(cells)
    columns = list(zip(*values, strict=True)) if values else [()] * len(RESULT_COLUMNS)
    data: dict[str, object] = {}
    for name, column in zip(RESULT_COLUMNS, columns, strict=True):
        if name in _FLOAT_COLUMNS:
            data[name] = pd.array(column, dtype="Float64")
        elif name in _INT_COLUMNS:
            data[name] = pd.array(column, dtype="Int64")
        else:
            data[name] = pd.array(column, dtype="object")
    added = pd.DataFrame(data, index=df.index)
    added.columns = pd.Index([f"{c}{_SUFFIX}" if c in df.columns else c for c in added.columns])
    return pd.concat([df, added], axis=1)
