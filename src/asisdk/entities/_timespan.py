"""TimeSpan: the time window a query covers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from asisdk.entities._time import to_utc_datetime
from asisdk.errors import InvalidInputError

__all__ = ["TimeSpan"]


def _required_time(value: object) -> datetime:
    try:
        parsed = to_utc_datetime(value)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc
    if parsed is None:
        raise InvalidInputError("a TimeSpan needs both a start and an end")
    return parsed


@attrs.frozen(kw_only=True)
class TimeSpan:
    """A closed time window ``[start, end]`` in UTC.

    Build one with :meth:`last`, :meth:`around` or directly; strings and naive datetimes are
    accepted (naive means UTC). A TimeSpan is a query parameter provider: it gives ``start``
    and ``end``.

    Examples:
        >>> span = TimeSpan(start="2024-05-01T00:00:00Z", end="2024-05-01T06:00:00Z")
        >>> span.duration
        datetime.timedelta(seconds=21600)
        >>> span.query_params()["start"].isoformat()
        '2024-05-01T00:00:00+00:00'

    Raises:
        InvalidInputError: a bound is missing or not a time, or ``end`` is before ``start``.
    """

    start: datetime = attrs.field(converter=_required_time)
    end: datetime = attrs.field(converter=_required_time)

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInputError(
                f"a TimeSpan cannot end ({self.end.isoformat()}) before it starts "
                f"({self.start.isoformat()})"
            )

    @classmethod
    def last(
        cls,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
        end: datetime | str | None = None,
    ) -> TimeSpan:
        """The window of the given length ending at ``end`` (default: now).

        Examples:
            >>> TimeSpan.last(hours=24).duration
            datetime.timedelta(days=1)
        """
        length = timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        if length <= timedelta(0):
            raise InvalidInputError("TimeSpan.last needs a positive length (days=, hours=, ...)")
        stop = _required_time(end) if end is not None else datetime.now(UTC)
        return cls(start=stop - length, end=stop)

    @classmethod
    def around(
        cls,
        time: datetime | str,
        *,
        before: timedelta = timedelta(hours=1),
        after: timedelta | None = None,
    ) -> TimeSpan:
        """The window from ``before`` before ``time`` to ``after`` (default: ``before``) after.

        Examples:
            >>> TimeSpan.around("2024-05-01T12:00:00Z", before=timedelta(minutes=30)).start
            datetime.datetime(2024, 5, 1, 11, 30, tzinfo=datetime.timezone.utc)
        """
        centre = _required_time(time)
        return cls(start=centre - before, end=centre + (before if after is None else after))

    @classmethod
    def coerce(cls, value: TimeSpan | timedelta | tuple[Any, Any]) -> TimeSpan:
        """Accept a TimeSpan, a ``(start, end)`` pair, or a timedelta ending now."""
        if isinstance(value, TimeSpan):
            return value
        if isinstance(value, timedelta):
            return cls.last(seconds=value.total_seconds())
        if isinstance(value, tuple) and len(value) == 2:
            return cls(start=value[0], end=value[1])
        raise InvalidInputError(
            f"expected a TimeSpan, a (start, end) pair or a timedelta, not {value!r}"
        )

    @property
    def duration(self) -> timedelta:
        """``end - start``."""
        return self.end - self.start

    def __contains__(self, item: object) -> bool:
        try:
            moment = to_utc_datetime(item)
        except ValueError:
            return False
        return moment is not None and self.start <= moment <= self.end

    def split(self, chunk: timedelta) -> list[TimeSpan]:
        """Cut the window into consecutive chunks of ``chunk`` (the last may be shorter).

        Chunks share their boundaries (``a.end == b.start``); a consumer that must not count a
        row twice treats each chunk as half-open ``[start, end)`` except the last.
        """
        if chunk <= timedelta(0):
            raise InvalidInputError("the chunk length must be positive")
        pieces: list[TimeSpan] = []
        cursor = self.start
        while cursor < self.end:
            stop = min(cursor + chunk, self.end)
            pieces.append(TimeSpan(start=cursor, end=stop))
            cursor = stop
        return pieces or [self]

    def to_iso8601(self) -> str:
        """``start/end`` as an ISO 8601 interval (the Log Analytics ``timespan`` format)."""
        fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
        return f"{self.start.strftime(fmt)}/{self.end.strftime(fmt)}"

    def query_params(self) -> dict[str, object]:
        """``start`` and ``end``."""
        return {"start": self.start, "end": self.end}
