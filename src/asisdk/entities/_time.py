"""Parsing timestamps from Sentinel JSON, Log Analytics rows and CSV files."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pandas as pd

from asisdk.errors import InvalidInputError

__all__ = ["to_utc_datetime"]


def to_utc_datetime(value: object) -> datetime | None:
    """Return ``value`` as a timezone-aware UTC datetime, or ``None`` for empty values.

    Accepts datetimes (naive ones are taken as UTC), pandas Timestamps, ISO 8601 strings (7
    fractional digits and ``Z`` included) and anything else pandas can parse.

    Raises:
        InvalidInputError: (a ``ValueError``) the value is not a time.
    """
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime(warn=False)
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
            try:
                stamp: object = pd.Timestamp(text)
            except (ValueError, TypeError) as exc:
                raise InvalidInputError(f"{value!r} is not a date and time") from exc
            if not isinstance(stamp, pd.Timestamp):  # "NaT", "nat" ...
                return None
            parsed = stamp.to_pydatetime(warn=False)
        return to_utc_datetime(parsed)
    raise InvalidInputError(f"{value!r} ({type(value).__name__}) is not a date and time")
