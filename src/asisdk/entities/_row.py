"""Reading table rows (mappings or pandas Series) with empty markers removed."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from asisdk.errors import EntityError

__all__ = ["clean_row", "first_value", "is_blank"]

#: Values Windows and Log Analytics write for "nothing".
_BLANKS = frozenset({"", "-", "null", "none", "nan", "n/a"})


def is_blank(value: object) -> bool:
    """Whether a cell holds nothing: None, NaN, NaT, empty, ``-`` (Windows' own marker)."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return value.strip().casefold() in _BLANKS
    return type(value).__name__ in ("NaTType", "NAType")


def clean_row(row: Mapping[str, Any] | Any) -> dict[str, Any]:
    """Return ``row`` (a mapping, pandas Series or namedtuple) as a dict without blank cells.

    Raises:
        EntityError: ``row`` is not a mapping-like object.
    """
    if isinstance(row, Mapping):
        items: Iterable[tuple[Any, Any]] = row.items()
    elif hasattr(row, "to_dict"):
        items = row.to_dict().items()
    elif hasattr(row, "_asdict"):
        items = row._asdict().items()
    else:
        raise EntityError(f"a row must be a mapping or a pandas Series, not {type(row).__name__}")
    return {str(k): (v.strip() if isinstance(v, str) else v) for k, v in items if not is_blank(v)}


def first_value(row: Mapping[str, Any], columns: Iterable[str]) -> tuple[str | None, Any]:
    """Return ``(column, value)`` for the first of ``columns`` present in ``row``.

    Column names match case-insensitively.
    """
    folded = {k.casefold(): k for k in row}
    for column in columns:
        key = column if column in row else folded.get(column.casefold())
        if key is not None:
            return key, row[key]
    return None, None
