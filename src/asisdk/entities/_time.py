"""Parsing timestamps from Sentinel JSON, Log Analytics rows and CSV files."""

from __future__ import annotations

import math
import re
import sys
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from asisdk.errors import InvalidInputError

__all__ = ["PreciseTime", "to_utc_datetime"]

_SECOND = timedelta(seconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FRACTION = re.compile(r"[T ]\d{2}:\d{2}:\d{2}[.,](\d{7,})")


class PreciseTime(datetime):
    """A datetime that keeps the 100 ns tick Windows and Log Analytics write (7 digits).

    Python's ``datetime`` stops at microseconds; Sentinel alert times have one more digit
    (``2024-01-02T03:04:05.1234567Z``). A ``PreciseTime`` is that datetime plus the tick,
    written back by :meth:`isoformat` and :attr:`nanoseconds`. It compares, hashes and does
    arithmetic as the plain datetime does (the tick never changes an ordering at the
    microsecond and is dropped by arithmetic).

    Example:
        >>> t = to_utc_datetime("2024-01-02T03:04:05.3338239Z")
        >>> t.isoformat(), t.tick
        ('2024-01-02T03:04:05.3338239+00:00', 9)
    """

    __slots__ = ("_tick",)
    _tick: int

    def __new__(cls, *args: Any, tick: int = 0, **kwargs: Any) -> PreciseTime:
        self = super().__new__(cls, *args, **kwargs)
        if not 0 <= tick <= 9:
            raise InvalidInputError(f"a 100 ns tick is 0..9, not {tick!r}")
        object.__setattr__(self, "_tick", tick)
        return self

    @classmethod
    def from_datetime(cls, value: datetime, tick: int = 0) -> PreciseTime:
        """``value`` with a 100 ns tick (0..9) added."""
        return cls(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            value.tzinfo,
            fold=value.fold,
            tick=tick,
        )

    @property
    def tick(self) -> int:
        """The 100 ns digit after the microseconds (0..9)."""
        return getattr(self, "_tick", 0)

    @property
    def nanoseconds(self) -> int:
        """Nanoseconds since the epoch, exact to 100 ns."""
        zone = self.tzinfo if self.tzinfo is not None else UTC
        plain = datetime(
            self.year, self.month, self.day, self.hour, self.minute, self.second, tzinfo=zone
        )
        seconds: int = (plain - _EPOCH) // _SECOND
        return (seconds * 1_000_000 + self.microsecond) * 1000 + self.tick * 100

    def astimezone(self, tz: tzinfo | None = None) -> PreciseTime:
        return PreciseTime.from_datetime(super().astimezone(tz), self.tick)

    def _plain(self) -> datetime:
        """The same instant as a plain ``datetime`` (the tick dropped)."""
        return datetime(
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.microsecond,
            self.tzinfo,
            fold=self.fold,
        )

    def replace(self, *args: Any, **kwargs: Any) -> PreciseTime:
        changed = self._plain().replace(*args, **kwargs)
        keeps = "microsecond" not in kwargs and len(args) < 7
        return PreciseTime.from_datetime(changed, self.tick if keeps else 0)

    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        if timespec != "auto" or not self.tick:
            return super().isoformat(sep, timespec)
        text = super().isoformat(sep, "microseconds")
        at = text.index(".") + 7
        return f"{text[:at]}{self.tick}{text[at:]}"

    def __str__(self) -> str:
        return self.isoformat(" ")

    def __repr__(self) -> str:
        return f"PreciseTime({self.isoformat()!r})"

    def __reduce_ex__(self, protocol: object) -> tuple[Any, ...]:
        return (PreciseTime.from_datetime, (self._plain(), self.tick))


def to_utc_datetime(value: object) -> datetime | None:
    """Return ``value`` as a timezone-aware UTC datetime, or ``None`` for empty values.

    Accepts datetimes (naive ones are taken as UTC), pandas Timestamps, ISO 8601 strings (7
    fractional digits and ``Z`` included) and anything else pandas can parse. A 7th
    fractional digit (100 ns, as Windows and Log Analytics write) is kept: the result is then
    a :class:`PreciseTime`.

    pandas is imported only to parse a string that is not ISO 8601: entities are value
    objects and ``import asisdk.entities`` must stay cheap. A ``NaT`` or ``Timestamp`` can
    only exist once pandas is loaded, so those checks look pandas up in ``sys.modules``.

    Raises:
        InvalidInputError: (a ``ValueError``) the value is not a time.

    Example:
        >>> to_utc_datetime("2024-01-02T03:04:05.1234567Z").isoformat()
        '2024-01-02T03:04:05.1234567+00:00'
        >>> to_utc_datetime("2024-01-02T03:04:05Z").isoformat()
        '2024-01-02T03:04:05+00:00'
    """
    if value is None:
        return None
    loaded_pandas = sys.modules.get("pandas")
    if loaded_pandas is not None:
        if value is loaded_pandas.NaT:
            return None
        if isinstance(value, loaded_pandas.Timestamp):
            tick = int(value.nanosecond) // 100
            plain: datetime = value.to_pydatetime(warn=False)
            value = PreciseTime.from_datetime(plain, tick) if tick else plain
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
            digits = _FRACTION.search(text)
            if digits is not None and digits.group(1)[6] != "0":
                parsed = PreciseTime.from_datetime(parsed, int(digits.group(1)[6]))
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
