"""KQL literals: every user value enters a query through one of these, never by formatting.

A string becomes a double-quoted KQL string literal with ``\\``, ``"``, ``'`` and line breaks
escaped, so ``x' or 1==1 //`` stays one literal; other control characters are refused (KQL
has no escape for them that every engine version reads the same way). Datetimes become
``datetime(...)``, timedeltas ``timespan(...)``, lists ``dynamic([...])``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from asisdk._kql_text import MAX_STRING_LENGTH, kql_string
from asisdk.errors import QueryParameterError

__all__ = [
    "MAX_LIST_ITEMS",
    "MAX_STRING_LENGTH",
    "kql_bool",
    "kql_datetime",
    "kql_dynamic_list",
    "kql_int",
    "kql_real",
    "kql_string",
    "kql_timespan",
]

#: Most items in one list parameter.
MAX_LIST_ITEMS = 10_000


def kql_int(value: int) -> str:
    """A KQL long literal.

    Examples:
        >>> kql_int(4624)
        '4624'
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise QueryParameterError(f"expected an integer, got {value!r}")
    return str(value)


def kql_real(value: float) -> str:
    """A KQL real literal.

    Examples:
        >>> kql_real(0.5), kql_real(float("inf"))
        ('real(0.5)', 'real(+inf)')
    """
    number = float(value)
    if math.isnan(number):
        return "real(nan)"
    if math.isinf(number):
        return "real(+inf)" if number > 0 else "real(-inf)"
    return f"real({number!r})"


def kql_bool(value: bool) -> str:
    """``true`` or ``false``.

    Examples:
        >>> kql_bool(True)
        'true'
    """
    if not isinstance(value, bool):
        raise QueryParameterError(f"expected a bool, got {value!r}")
    return "true" if value else "false"


def kql_datetime(value: datetime) -> str:
    """A KQL datetime literal (UTC, 7 fractional digits).

    Examples:
        >>> from datetime import UTC
        >>> kql_datetime(datetime(2024, 5, 1, 10, 15, 30, 123456, tzinfo=UTC))
        'datetime(2024-05-01T10:15:30.1234560Z)'
    """
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise QueryParameterError(f"expected an aware datetime, got {value!r}")
    return f"datetime({value.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%f')}0Z)"


def kql_timespan(value: timedelta) -> str:
    """A KQL timespan literal (``timespan([-]d.hh:mm:ss.fffffff)``).

    Examples:
        >>> kql_timespan(timedelta(days=1, hours=2, seconds=3.5))
        'timespan(1.02:00:03.5000000)'
    """
    if not isinstance(value, timedelta):
        raise QueryParameterError(f"expected a timedelta, got {value!r}")
    sign = "-" if value < timedelta(0) else ""
    total = abs(value)
    micro = total.microseconds
    hours, rest = divmod(total.seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"timespan({sign}{total.days}.{hours:02d}:{minutes:02d}:{secs:02d}.{micro:06d}0)"


def kql_dynamic_list(items: Iterable[str | int]) -> str:
    """A ``dynamic([...])`` array of string or integer literals.

    Examples:
        >>> kql_dynamic_list(["a", 'b"c'])
        'dynamic(["a", "b\\\\"c"])'
    """
    rendered: list[str] = []
    for item in items:
        if len(rendered) >= MAX_LIST_ITEMS:
            raise QueryParameterError(f"a list parameter may hold at most {MAX_LIST_ITEMS} items")
        rendered.append(kql_int(item) if isinstance(item, int) else kql_string(item))
    return f"dynamic([{', '.join(rendered)}])"
