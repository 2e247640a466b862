"""Lookup results to DataFrame columns, the same for every source (databases, IPStack).

Shared by ``asisdk.geo`` and ``asisdk.ipstack``, below both.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from asisdk._geo_result import GeoResult, GeoStatus
from asisdk.entities import GeoLocation, IpType
from asisdk.errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ANONYMITY_COLUMNS",
    "KIND_COLUMNS",
    "LOCATION_COLUMNS",
    "RESULT_COLUMNS",
    "Row",
    "column_values",
    "kind_columns",
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
#: Anonymity flags of Anonymous-IP databases (boolean columns: false when a located address
#: is not listed, missing when the address is not located).
ANONYMITY_COLUMNS: Final = (
    "is_anonymous",
    "is_anonymous_vpn",
    "is_hosting_provider",
    "is_public_proxy",
    "is_residential_proxy",
    "is_tor_exit_node",
)
#: Columns added after the location columns when a database of that kind is opened (main or
#: layered), in this order; a City, Country or ASN database adds none, so the common frame
#: stays as fast as ever. Values come from ``GeoLocation.additional_data``.
KIND_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "enterprise": (
        "is_in_european_union",
        "isp",
        "connection_type",
        "user_type",
        "mobile_country_code",
        "mobile_network_code",
    ),
    "isp": ("isp", "mobile_country_code", "mobile_network_code"),
    "connection_type": ("connection_type",),
    "anonymous_ip": ANONYMITY_COLUMNS,
    "domain": ("domain",),
}
#: The dtype of each numeric column (``is_*`` flags are booleans, the others objects).
_NUMERIC_DTYPES: Final = {
    "latitude": "Float64",
    "longitude": "Float64",
    "accuracy_radius": "Int64",
    "asn": "Int64",
}
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


def rows_to_frame(
    df: pd.DataFrame, rows: Sequence[Row], *, extra_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """Like :func:`results_to_frame`, from ``(status, ip_type, location, error, ...)`` rows.

    ``extra_columns`` (see :data:`KIND_COLUMNS`) are read from each location's
    ``additional_data`` and placed before ``geo_error``; ``is_*`` columns are booleans.
    Rows that are the same object (repeated inputs) are converted once.
    """
    import pandas as pd

    names = (*RESULT_COLUMNS[:-1], *extra_columns, RESULT_COLUMNS[-1])
    location_cells = operator.attrgetter(*LOCATION_COLUMNS)
    no_location = (None,) * (len(LOCATION_COLUMNS) + len(extra_columns))
    flags = frozenset(name for name in extra_columns if name.startswith("is_"))
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
                place = by_location.get(id(location)) or (
                    (*location_cells(location), *_extra_cells(location, extra_columns, flags))
                    if extra_columns
                    else location_cells(location)
                )
                by_location[id(location)] = place
            cells = (status.value, None if ip_type is None else ip_type.value, *place, error)
            converted[id(row)] = cells
        values.append(cells)
    columns = list(zip(*values, strict=True)) if values else [()] * len(names)
    dtypes: dict[str, Any] = {**_NUMERIC_DTYPES, **dict.fromkeys(flags, "boolean")}
    data = {
        name: pd.array(column, dtype=dtypes.get(name, "object"))
        for name, column in zip(names, columns, strict=True)
    }
    added = pd.DataFrame(data, index=df.index)
    added.columns = pd.Index([f"{c}{_SUFFIX}" if c in df.columns else c for c in added.columns])
    return pd.concat([df, added], axis=1)


def _extra_cells(
    location: GeoLocation, names: Sequence[str], flags: frozenset[str]
) -> tuple[object, ...]:
    extra = location.additional_data
    return tuple(extra.get(name) is True if name in flags else extra.get(name) for name in names)


def kind_columns(kinds: Sequence[str]) -> tuple[str, ...]:
    """The extra frame columns of databases of these kinds, each once, in a stable order.

    Examples:
        >>> kind_columns(["city", "asn"])
        ()
        >>> kind_columns(["city", "connection_type", "isp"])
        ('isp', 'mobile_country_code', 'mobile_network_code', 'connection_type')
    """
    order = tuple(KIND_COLUMNS)
    wanted = sorted({kind for kind in kinds if kind in KIND_COLUMNS}, key=order.index)
    return tuple(dict.fromkeys(name for kind in wanted for name in KIND_COLUMNS[kind]))
