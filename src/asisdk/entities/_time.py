"""Parsing timestamps from Sentinel JSON, Log Analytics rows and CSV files."""

from __future__ import annotations

import math
import sys
from datetime import UTC, date, datetime

from asisdk.errors import InvalidInputError

__all__ = ["to_utc_datetime"]


def to_utc_datetime(value: object) -> datetime | None:
    """Return ``value`` as a timezone-aware UTC datetime, or ``None`` for empty values.

    Accepts datetimes (naive ones are taken as UTC), pandas Timestamps, ISO 8601 strings (7
    fractional digits and ``Z`` included) and anything else pandas can parse.

    pandas is imported only to parse a string that is not ISO 8601: entities are value
    objects and ``import asisdk.entities`` must stay cheap. A ``NaT`` or ``Timestamp`` can
    only exist once pandas is loaded, so those checks look pandas up in ``sys.modules``.

    Raises:
        InvalidInputError: (a ``ValueError``) the value is not a time.

    Example:
        >>> to_utc_datetime("2024-01-02T03:04:05.1234567Z").isoformat()
        '2024-01-02T03:04:05.123456+00:00'
    """
    if value is None:
        return None
    loaded_pandas = sys.modules.get("pandas")
    if loaded_pandas is not None:
        if value is loaded_pandas.NaT:
            return None
        if isinstance(value, loaded_pandas.Timestamp):
            value = value.to_pydatetime(warn=False)
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            import pandas as pd  # slow: loaded only for strings that are not ISO 8601

            try:
                stamp: object = pd.Timestamp(text)
            except (ValueError, TypeError) as exc:
                raise InvalidInputError(f"{value!r} is not a date and time") from exc
            if not isinstance(stamp, pd.Timestamp):  # "NaT", "nat" ...
                return None
            parsed = stamp.to_pydatetime(warn=False)
        return to_utc_datetime(parsed)
    raise InvalidInputError(f"{value!r} ({type(value).__name__}) is not a date and time")
