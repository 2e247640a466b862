"""Event times from every form logs write them, to UTC with 100 ns kept.

* numbers (or numeric text) are epoch times told by magnitude: seconds (a Zeek ``ts``
  ``1700000000.25``), milliseconds, microseconds, nanoseconds, or Windows FILETIME (100 ns
  ticks since 1601); see :data:`EPOCH_UNITS`;
* ISO 8601 text with any fraction (7 digits kept) and an offset or ``Z`` (text without an
  offset is UTC, unless the column holds local time);
* other text pandas can read (``21/Jul/2020:23:27:39 -0400`` ...);
* a column named as local time (a Sentinel export's ``TimeGenerated [Local Time]``) needs a
  time zone: its naive values are taken in that zone and converted, never called UTC.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from typing import Any, Final

import attrs
import numpy as np
import pandas as pd

from asisdk.errors import InvalidInputError

__all__ = [
    "EPOCH_UNITS",
    "TimeParse",
    "is_local_time_column",
    "parse_time_values",
    "resolve_timezone",
]

#: Epoch units by magnitude of the absolute value, ``(below, unit)``: under 1e11 seconds
#: (to the year 5138), under 1e14 milliseconds, under 1e16 microseconds (to 2286), under
#: 1e18 Windows FILETIME (100 ns since 1601-01-01, 1632 to 4770), else nanoseconds.
EPOCH_UNITS: Final[tuple[tuple[float, str], ...]] = (
    (1e11, "s"),
    (1e14, "ms"),
    (1e16, "us"),
    (1e18, "filetime"),
    (float("inf"), "ns"),
)
_NS_PER: Final = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
#: FILETIME ticks (100 ns) from 1601-01-01 to 1970-01-01.
_FILETIME_EPOCH_TICKS: Final = 11_644_473_600 * 10_000_000
_NUMERIC: Final = re.compile(r"\s*[-+]?\d+(?:\.\d+)?\s*")
_OFFSET: Final = re.compile(r"(?:Z|[+-]\d{2}:?\d{2}|\s(?:UTC|GMT))\s*$", re.IGNORECASE)
_LOCAL_NAME: Final = re.compile(r"local\s*time|\[local\]|\(local\)|_local$|localtime", re.I)


@attrs.frozen(kw_only=True)
class TimeParse:
    """Times parsed from one column.

    Attributes:
        times: ``datetime64[ns, UTC]``, ``NaT`` where there was no value or no time.
        failed: ``True`` where a value was present but is not a time (report these rows).
    """

    times: pd.Series[Any]
    failed: pd.Series[Any]


def is_local_time_column(name: str) -> bool:
    """Whether a column's name says it holds local time, not UTC.

    Examples:
        >>> is_local_time_column("TimeGenerated [Local Time]"), is_local_time_column("TimeGenerated [UTC]")
        (True, False)
    """  # noqa: E501
    return bool(_LOCAL_NAME.search(name))


def resolve_timezone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone ``name`` (``Europe/Berlin``, ``UTC`` ...).

    Raises:
        InvalidInputError: no such time zone.
    """
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInputError(
            f"--timezone {name!r}: not an IANA time zone name; give one such as "
            "Europe/Berlin, America/New_York or UTC (zoneinfo.available_timezones() lists "
            "them all)"
        ) from exc


def _by_unit(values: np.ndarray[Any, Any]) -> Iterator[tuple[np.ndarray[Any, Any], str]]:
    """Per :data:`EPOCH_UNITS` unit, where the magnitude of ``values`` says that unit."""
    magnitude = np.abs(values.astype("float64"))
    lower = 0.0
    for below, unit in EPOCH_UNITS:
        yield (magnitude >= lower) & (magnitude < below), unit
        lower = below


def _epoch_ns(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Epoch numbers (float or int) to int64 nanoseconds since 1970, by magnitude."""
    out = np.zeros(len(values), dtype="int64")
    for pick, unit in _by_unit(values):
        if not pick.any():
            continue
        chosen = values[pick]
        if unit == "filetime":
            out[pick] = (chosen.astype("int64") - _FILETIME_EPOCH_TICKS) * 100
        elif chosen.dtype.kind == "f":
            # Rounded to the microsecond: a float has no more digits to give.
            micros = np.round(chosen * (_NS_PER[unit] / 1_000)).astype("int64")
            out[pick] = micros * 1_000
        else:
            out[pick] = chosen.astype("int64") * _NS_PER[unit]
    return out


def _from_ns(ns: pd.Series[Any]) -> pd.Series[Any]:
    """Epoch nanoseconds (``Int64``, gaps allowed) to UTC times, exact (no float on the way)."""
    values = ns.fillna(0).to_numpy(dtype="int64").astype("datetime64[ns]")
    values[ns.isna().to_numpy()] = np.datetime64("NaT")
    times: pd.Series[Any] = pd.Series(values, index=ns.index).dt.tz_localize("UTC")
    return times


def _numeric_text_ns(text: pd.Series[Any]) -> pd.Series[Any]:
    """Numeric strings to epoch nanoseconds, exact (``1700000000.1234567`` keeps 100 ns)."""
    parts = text.str.strip().str.split(".", n=1)
    whole = parts.str[0]
    fraction = parts.str[1].astype(object).fillna("")
    integers = np.array([int(w) for w in whole], dtype="int64")
    result = _epoch_ns(integers)
    sign = np.where(integers < 0, -1, 1)
    has_fraction = (fraction != "").to_numpy()
    for in_unit, unit in _by_unit(integers):
        pick = in_unit & has_fraction
        width = len(str(_NS_PER.get(unit, 1))) - 1  # digits of the fraction that count
        if width == 0 or not pick.any():
            continue
        digits = fraction[pick].str.slice(0, width).str.ljust(width, "0").astype("int64")
        result[pick] += sign[pick] * digits.to_numpy(dtype="int64")
    return pd.Series(result, index=text.index, dtype="int64")


def parse_time_values(
    raw: pd.Series[Any], *, timezone: str | None = None, local: bool = False
) -> TimeParse:
    """Parse a column of times to UTC, whatever form each value has.

    Args:
        raw: the values (datetimes, numbers, text, mixed).
        timezone: the IANA zone of naive values (``None``: UTC).
        local: the column holds local time; ``timezone`` is then required.

    Returns:
        A :class:`TimeParse`.

    Raises:
        InvalidInputError: ``local`` without a ``timezone``.

    Examples:
        >>> import pandas as pd
        >>> parse_time_values(pd.Series([1700000000.5, "2024-01-02T03:04:05.1234567+01:00"])).times.tolist()
        [Timestamp('2023-11-14 22:13:20.500000+0000', tz='UTC'), Timestamp('2024-01-02 02:04:05.123456700+0000', tz='UTC')]
    """  # noqa: E501
    if local and timezone is None:
        raise InvalidInputError(
            f"the time column {raw.name!r} holds local time; give its time zone with "
            "--timezone (an IANA name such as Europe/Berlin) so it is converted to UTC"
        )
    zone = resolve_timezone(timezone) if timezone is not None else None
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        return TimeParse(
            times=raw.dt.tz_convert("UTC").astype("datetime64[ns, UTC]"),
            failed=pd.Series(False, index=raw.index),
        )
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        localised = raw.dt.tz_localize(zone or "UTC", ambiguous="NaT", nonexistent="NaT")
        return TimeParse(
            times=localised.dt.tz_convert("UTC").astype("datetime64[ns, UTC]"),
            failed=localised.isna() & raw.notna(),
        )
    present = raw.notna()
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        ns = pd.Series(pd.NA, index=raw.index, dtype="Int64")
        ns[present] = _epoch_ns(raw[present].to_numpy())
        return TimeParse(times=_from_ns(ns), failed=pd.Series(False, index=raw.index))
    text = raw[present].map(lambda v: v if isinstance(v, str) else str(v)).astype(object)
    text = text[text.str.strip() != ""]
    numeric_mask = text.str.fullmatch(_NUMERIC.pattern).fillna(False).astype(bool)
    times = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns, UTC]")
    numeric = text[numeric_mask]
    if len(numeric):
        times.loc[numeric.index] = _from_ns(_numeric_text_ns(numeric).astype("Int64"))
    rest = text[~numeric_mask]
    if len(rest):
        times.loc[rest.index] = _parse_text(rest, zone)
    failed = times.isna() & raw.index.isin(text.index)
    return TimeParse(times=times, failed=pd.Series(failed, index=raw.index))


def _parse_text(text: pd.Series[Any], zone: zoneinfo.ZoneInfo | None) -> pd.Series[Any]:
    """ISO 8601 (then any format pandas knows) text to UTC; naive values are in ``zone``."""
    aware = text.str.contains(_OFFSET, regex=True).fillna(False).astype(bool)
    if zone is None:
        aware[:] = True  # naive text is UTC: parse everything as UTC
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    if bool(aware.any()):
        out.loc[aware[aware].index] = _to_datetime(text[aware], utc=True)
    naive = text[~aware]
    if len(naive):
        parsed = _to_datetime(naive, utc=False)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_convert("UTC")
        else:
            parsed = parsed.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert(
                "UTC"
            )
        out.loc[naive.index] = parsed.astype("datetime64[ns, UTC]")
    return out


def _to_datetime(text: pd.Series[Any], *, utc: bool) -> pd.Series[Any]:
    first = pd.to_datetime(text, utc=utc, errors="coerce", format="ISO8601")
    if not utc and not isinstance(first.dtype, pd.DatetimeTZDtype):
        first = first.astype("datetime64[ns]")
    elif utc:
        first = first.astype("datetime64[ns, UTC]")
    missing = first.isna()
    if bool(missing.any()):
        retry = pd.to_datetime(text[missing], utc=utc, errors="coerce", format="mixed")
        if utc:
            retry = retry.astype("datetime64[ns, UTC]")
        elif not isinstance(retry.dtype, pd.DatetimeTZDtype):
            retry = retry.astype("datetime64[ns]")
        else:
            retry = retry.dt.tz_localize(None)
        first.loc[missing] = retry
    result: pd.Series[Any] = first
    return result
