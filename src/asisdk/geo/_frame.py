"""Lookup results to DataFrame columns, the same for every source (databases, IPStack)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from asisdk.errors import InvalidInputError
from asisdk.geo._result import GeoResult

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LOCATION_COLUMNS", "RESULT_COLUMNS", "column_values", "results_to_frame"]

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
    import pandas as pd

    data: dict[str, object] = {
        "geo_status": [r.status.value for r in results],
        "ip_type": [None if r.ip_type is None else r.ip_type.value for r in results],
    }
    locations = [r.location for r in results]
    for name in LOCATION_COLUMNS:
        values = [None if loc is None else getattr(loc, name) for loc in locations]
        if name in _FLOAT_COLUMNS:
            data[name] = pd.array(values, dtype="Float64")
        elif name in _INT_COLUMNS:
            data[name] = pd.array(values, dtype="Int64")
        else:
            data[name] = pd.array(values, dtype="object")
    data["geo_error"] = pd.array([r.error for r in results], dtype="object")
    added = pd.DataFrame(data, index=df.index)
    added.columns = pd.Index([f"{c}{_SUFFIX}" if c in df.columns else c for c in added.columns])
    return pd.concat([df, added], axis=1)
