"""Time range widgets: :class:`QueryTime` and :class:`Lookback`."""

from __future__ import annotations

import html
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from asisdk.entities import TimeSpan, to_utc_datetime
from asisdk.errors import InvalidInputError
from asisdk.notebook._base import Widget, ipywidgets, parse_units
from asisdk.notebook._defaults import DEFAULT_MAX, DEFAULT_SPAN, MAX_FACTOR, WIDGET_WIDTH
from asisdk.notebook._state import WidgetState, resolve_state, widget_key

__all__ = ["Lookback", "QueryTime"]


def _origin(value: datetime | str | None) -> datetime:
    if value is None:
        return datetime.now(UTC).replace(second=0, microsecond=0)
    try:
        parsed = to_utc_datetime(value)
    except ValueError as exc:
        raise InvalidInputError(f"origin {value!r} is not a time: {exc}") from exc
    assert parsed is not None
    return parsed


def _non_negative(name: str, value: int) -> int:
    if not isinstance(value, int) or value < 0:
        raise InvalidInputError(f"{name} must be a whole number >= 0, not {value!r}")
    return value


def _maximum(given: int | None, value: int, unit: str) -> int:
    if given is not None:
        return max(_non_negative("a maximum", given), value)
    default = DEFAULT_MAX[unit]
    return default if value <= default else value * MAX_FACTOR


class _TimeWidget(Widget):
    """What both time widgets share: a unit, and values remembered across re-runs."""

    def _set_unit(self, units: str) -> str:
        self.units = parse_units(units)
        self._delta = timedelta(**{self.units + "s": 1})
        return self.units

    def _recall(self, kind: str, state: WidgetState | None, **arguments: object) -> dict[str, Any]:
        """The values remembered for a widget of ``kind`` created with ``arguments``."""
        self._state = resolve_state(state)
        self._key = widget_key(kind, **arguments)
        return self._state.load(self._key) if self._state is not None else {}

    def _save(self, **values: object) -> None:
        if self._state is not None:
            self._state.save(self._key, values)


class QueryTime(_TimeWidget):
    """Pick a query time range around an origin: a range slider plus an origin picker.

    The range runs from ``before`` units before ``origin`` to ``after`` units after it.
    :attr:`timespan` gives a :class:`~asisdk.entities.TimeSpan`, and the widget is itself a
    query parameter provider (``query_params()`` gives ``start`` and ``end``), so it can be
    passed wherever an alert or entity can.

    Re-running the cell that creates the widget keeps what the user set (keyed by the
    arguments), in the kernel's own :class:`WidgetState` (see ``asisdk.notebook._state``).

    Args:
        units: second, minute, hour, day or week (abbreviations accepted).
        before: units before the origin (default by unit: 60 s / 60 min / 6 h / 1 d / 1 w).
        after: units after the origin (same defaults).
        origin: the reference time (default: now, UTC, to the minute).
        max_before: the slider's furthest reach back (default by unit, or 4 x ``before``).
        max_after: the slider's furthest reach forward.
        description: the label shown above the widget.
        state: where values are remembered (default: the running IPython kernel's; none
            outside IPython).

    Examples:
        >>> qt = QueryTime(units="day", before=2, after=0, origin="2024-05-01T00:00:00Z")
        >>> qt.query_params()["start"].isoformat()
        '2024-04-29T00:00:00+00:00'

    Raises:
        InvalidInputError: an unknown unit, a negative count or a bad origin.
    """

    def __init__(
        self,
        *,
        units: str = "hour",
        before: int | None = None,
        after: int | None = None,
        origin: datetime | str | None = None,
        max_before: int | None = None,
        max_after: int | None = None,
        description: str = "Query time range",
        state: WidgetState | None = None,
    ) -> None:
        unit = self._set_unit(units)
        before = _non_negative("before", DEFAULT_SPAN[unit] if before is None else before)
        after = _non_negative("after", DEFAULT_SPAN[unit] if after is None else after)
        origin_time = _origin(origin)
        saved = self._recall(
            "QueryTime",
            state,
            units=unit,
            before=before,
            after=after,
            origin=origin,
            max_before=max_before,
            max_after=max_after,
            description=description,
        )
        before = int(saved.get("before", before))
        after = int(saved.get("after", after))
        origin_time = saved.get("origin", origin_time)
        low = _maximum(max_before, before, unit)
        high = _maximum(max_after, after, unit)

        w = ipywidgets()
        self._origin = w.DatetimePicker(value=origin_time, description="Origin")
        self._range = w.IntRangeSlider(
            value=(-before, after),
            min=-low,
            max=high,
            step=1,
            description=f"{unit.title()}s",
            continuous_update=False,
            layout=w.Layout(width=WIDGET_WIDTH),
        )
        self._start_text = w.Text(description="Start", disabled=True)
        self._end_text = w.Text(description="End", disabled=True)
        self.widget = w.VBox(
            [
                w.HTML(f"<b>{html.escape(description)}</b>"),
                self._origin,
                self._range,
                w.HBox([self._start_text, self._end_text]),
            ]
        )
        self._range.observe(self._on_range, names="value")
        self._origin.observe(self._on_origin, names="value")
        self._refresh()

    # -- reading --------------------------------------------------------------------------
    @property
    def origin(self) -> datetime:
        """The reference time (UTC)."""
        return _origin(self._origin.value)  # None (the user cleared the picker): now

    @property
    def before(self) -> int:
        """Units before the origin."""
        return -int(self._range.value[0])

    @property
    def after(self) -> int:
        """Units after the origin (negative when the range ends before the origin)."""
        return int(self._range.value[1])

    @property
    def start(self) -> datetime:
        """Start of the range (UTC)."""
        return self.origin - self.before * self._delta

    @property
    def end(self) -> datetime:
        """End of the range (UTC)."""
        return self.origin + self.after * self._delta

    @property
    def timespan(self) -> TimeSpan:
        """The range as a :class:`~asisdk.entities.TimeSpan`."""
        return TimeSpan(start=self.start, end=self.end)

    def query_params(self) -> dict[str, object]:
        """``start`` and ``end`` (a query parameter provider, like ``TimeSpan``)."""
        return {"start": self.start, "end": self.end}

    # -- setting --------------------------------------------------------------------------
    def set_range(self, *, before: int | None = None, after: int | None = None) -> None:
        """Move the slider ends (extending the slider when needed).

        Raises:
            InvalidInputError: the range would end before it starts.
        """
        low = self.before if before is None else before
        high = self.after if after is None else after
        if -low > high:
            raise InvalidInputError(f"the range cannot end ({high}) before it starts ({-low})")
        self._range.min = min(self._range.min, -low)
        self._range.max = max(self._range.max, high)
        self._range.value = (-low, high)

    def set_origin(self, origin: datetime | str) -> None:
        """Move the origin."""
        self._origin.value = _origin(origin)

    def set_time(self, timespan: TimeSpan | tuple[Any, Any]) -> None:
        """Set origin and range to cover ``timespan`` (rounded outwards to whole units)."""
        span = TimeSpan.coerce(timespan)
        units = max(1, math.ceil(span.duration / self._delta))
        self._origin.value = span.end
        self.set_range(before=units, after=0)

    # -- events ---------------------------------------------------------------------------
    def _on_range(self, change: dict[str, Any]) -> None:
        self._save(before=self.before, after=self.after)
        self._refresh()

    def _on_origin(self, change: dict[str, Any]) -> None:
        if change["new"] is not None:
            self._save(origin=self.origin)
        self._refresh()

    def _refresh(self) -> None:
        self._start_text.value = self.start.isoformat()
        self._end_text.value = self.end.isoformat()

    def __repr__(self) -> str:
        return f"QueryTime(start={self.start.isoformat()!r}, end={self.end.isoformat()!r})"


class Lookback(_TimeWidget):
    """A single slider: how far back from ``origin`` (default now) to look.

    Args:
        default: units to look back (default by unit, as for :class:`QueryTime`).
        units: second, minute, hour, day or week.
        origin: the end of the window (default: now, UTC).
        min_value: smallest choice (default 1).
        max_value: largest choice (default by unit, or 4 x ``default``).
        description: the slider's label.
        state: where the value is remembered (see :class:`QueryTime`).

    Examples:
        >>> lb = Lookback(default=12, units="h", origin="2024-05-01T12:00:00Z")
        >>> lb.timespan.start.isoformat()
        '2024-05-01T00:00:00+00:00'
    """

    def __init__(
        self,
        *,
        default: int | None = None,
        units: str = "hour",
        origin: datetime | str | None = None,
        min_value: int = 1,
        max_value: int | None = None,
        description: str = "Look back",
        state: WidgetState | None = None,
    ) -> None:
        unit = self._set_unit(units)
        self._origin_time = _origin(origin)
        value = _non_negative("default", DEFAULT_SPAN[unit] if default is None else default)
        saved = self._recall(
            "Lookback",
            state,
            default=default,
            units=unit,
            origin=origin,
            min_value=min_value,
            max_value=max_value,
            description=description,
        )
        value = int(saved.get("value", value))
        high = _maximum(max_value, value, unit)
        if min_value > high:
            raise InvalidInputError(f"min_value {min_value} is above max_value {high}")
        w = ipywidgets()
        self._slider = w.IntSlider(
            value=max(value, min_value),
            min=min_value,
            max=high,
            description=f"{description} ({unit}s)",
            continuous_update=False,
            style={"description_width": "initial"},
            layout=w.Layout(width=WIDGET_WIDTH),
        )
        self.widget = self._slider
        self._slider.observe(self._on_change, names="value")

    @property
    def value(self) -> int:
        """Units to look back."""
        return int(self._slider.value)

    @value.setter
    def value(self, units: int) -> None:
        self._slider.max = max(self._slider.max, units)
        self._slider.value = units

    @property
    def timespan(self) -> TimeSpan:
        """From ``value`` units before the origin to the origin."""
        return TimeSpan(start=self._origin_time - self.value * self._delta, end=self._origin_time)

    def query_params(self) -> dict[str, object]:
        """``start`` and ``end``."""
        return self.timespan.query_params()

    def _on_change(self, change: dict[str, Any]) -> None:
        self._save(value=self.value)

    def __repr__(self) -> str:
        return f"Lookback(value={self.value}, units={self.units!r})"
