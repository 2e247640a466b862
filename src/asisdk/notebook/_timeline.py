"""Interactive bokeh timelines of events: :func:`display_timeline` and
:func:`display_timeline_duration`.

Both draw on :func:`asisdk._timeline.lane_figure`, the figure the triage report's bokeh
timeline uses too: by default the time axis breaks at long quiet gaps
(:class:`asisdk._timeline.BrokenAxis`), so bursts days apart each get a readable width.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from itertools import cycle
from typing import Any

import numpy as np
import pandas as pd

from asisdk._timeline import BrokenAxis, epoch_ms, lane_figure
from asisdk.entities import to_utc_datetime
from asisdk.errors import InvalidInputError
from asisdk.notebook._defaults import (
    LANE_HEIGHT,
    MAX_TOOLTIP_CHARS,
    MIN_PLOT_HEIGHT,
    PLOT_WIDTH,
    RANGE_TOOL_HEIGHT,
)
from asisdk.notebook._lazy import require
from asisdk.notebook._plots import BokehPlot, check_plot_rows, columns_of, show_plot

__all__ = ["display_timeline", "display_timeline_duration"]

_TIME = "__asi_time"
_LANE = "__asi_lane"
_COLOUR = "__asi_colour"
_X = "__asi_x"

RefTimes = datetime | str | Mapping[str, datetime | str] | None


def _palette(count: int) -> list[str]:
    palettes = require("bokeh.palettes")
    base: list[str] = (
        list(palettes.Category10[10]) if count <= 10 else list(palettes.Category20[20])
    )
    colours = cycle(base)
    return [next(colours) for _ in range(max(count, 1))]


def _check_frame(data: pd.DataFrame, time_column: str, columns: Sequence[str]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise InvalidInputError(f"expected a pandas DataFrame, not {type(data).__name__}")
    if time_column not in data.columns:
        times = [str(c) for c in data.columns if pd.api.types.is_datetime64_any_dtype(data[c])]
        raise InvalidInputError(
            f"no time column {time_column!r}; pass time_column= one of "
            f"{times or list(data.columns)}"
        )
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise InvalidInputError(f"columns not in the frame: {missing}")
    check_plot_rows(len(data), "rows", "filter or sample the frame first")


def _naive_utc(values: pd.Series[Any]) -> pd.Series[Any]:
    times = pd.to_datetime(values, utc=True, errors="coerce", format="mixed")
    return times.dt.tz_convert(None)


def _tooltip_text(values: pd.Series[Any]) -> pd.Series[Any]:
    def cut(value: object) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        text = str(value)
        return text if len(text) <= MAX_TOOLTIP_CHARS else text[:MAX_TOOLTIP_CHARS] + "..."

    return values.map(cut)


def _ref_times(ref_time: RefTimes) -> dict[str, datetime]:
    if ref_time is None:
        return {}
    items = ref_time.items() if isinstance(ref_time, Mapping) else [("reference", ref_time)]
    found: dict[str, datetime] = {}
    for label, value in items:
        try:
            moment = to_utc_datetime(value)
        except ValueError as exc:
            raise InvalidInputError(f"reference time {value!r} is not a time") from exc
        if moment is not None:
            found[str(label)] = moment.replace(tzinfo=None)
    return found


def _axis(times: list[pd.Series[Any]], markers: Mapping[str, datetime], breaks: bool) -> BrokenAxis:
    """The x axis of these times and reference times (broken at long gaps when ``breaks``)."""
    moments = [epoch_ms(t.to_numpy()) for t in times] + [epoch_ms(markers.values())]
    return BrokenAxis.of(np.concatenate(moments), breaks=breaks)


def _x(axis: BrokenAxis, times: pd.Series[Any]) -> Any:
    return axis.x(times.astype("datetime64[ms]").astype("int64").to_numpy())


def _add_markers(plot: Any, axis: BrokenAxis, markers: Mapping[str, datetime]) -> None:
    models = require("bokeh.models")
    for label, moment in markers.items():
        x = float(axis.x(epoch_ms([moment]))[0])
        plot.add_layout(
            models.Span(location=x, dimension="height", line_color="red", line_dash="dashed")
        )
        plot.add_layout(
            models.Label(
                x=x, y=0, y_units="screen", text=label, text_color="red", text_font_size="9pt"
            )
        )


def _range_tool(main: Any, axis: BrokenAxis, source: Any, lanes: list[str], width: int) -> Any:
    models = require("bokeh.models")
    overview = lane_figure(
        lanes,
        axis,
        title="Drag the shaded box to move the view above",
        height=RANGE_TOOL_HEIGHT,
        width=width,
        toolbar=False,
    )
    overview.scatter(x=_X, y=_LANE, source=source, color=_COLOUR, size=4)
    overview.yaxis.visible = False
    overview.ygrid.grid_line_color = None
    tool = models.RangeTool(x_range=main.x_range)
    tool.overlay.fill_color = "navy"
    tool.overlay.fill_alpha = 0.15
    overview.add_tools(tool)
    return overview


def display_timeline(
    data: pd.DataFrame,
    *,
    time_column: str = "TimeGenerated",
    group_by: str | None = None,
    source_columns: Sequence[str] = (),
    ref_time: RefTimes = None,
    title: str = "Timeline",
    width: int = PLOT_WIDTH,
    height: int | None = None,
    range_tool: bool = True,
    axis_breaks: bool = True,
    show: bool = True,
) -> BokehPlot:
    """An interactive timeline of events: one lane per group, hover details, a range tool.

    Each row is a dot at its time, in the lane of its ``group_by`` value (one lane when not
    grouped). Hovering shows the time, the group and ``source_columns``. ``ref_time`` draws
    a dashed marker (a mapping gives several, labelled). The overview under the plot holds a
    range tool: drag or resize its box to pan and zoom. Long quiet gaps (days between bursts)
    break the time axis: each burst gets the same width, with a hatched break labelled with
    the quiet time between them (``axis_breaks=False``: one continuous axis). Bokeh's
    JavaScript is inlined, so the output works offline; save it as a standalone page with
    :func:`save_plot`.

    Args:
        data: the events.
        time_column: the column with event times (strings or datetimes; shown in UTC).
        group_by: a column whose values become lanes.
        source_columns: columns shown on hover.
        ref_time: a time, or ``{label: time}``, to mark.
        title: the plot title.
        width: plot width in pixels.
        height: main plot height (default grows with the number of lanes).
        range_tool: add the overview with the range tool.
        axis_breaks: break the time axis at long quiet gaps.
        show: show the plot in the notebook (``False`` only returns it).

    Returns:
        The bokeh layout (pass it to :func:`save_plot` or ``bokeh.io.show``).

    Examples:
        >>> from asisdk.data import sample_events_frame
        >>> plot = display_timeline(sample_events_frame(), time_column="TimeCreated",
        ...                         group_by="EventID", show=False)
        >>> type(plot).__name__
        'Column'

    Raises:
        InvalidInputError: a named column is missing or ``ref_time`` is not a time.
        LimitExceededError: the frame has more rows than a browser plots comfortably.
    """
    columns = list(dict.fromkeys(source_columns))
    _check_frame(data, time_column, [*columns, *([group_by] if group_by else [])])
    models = require("bokeh.models")
    layouts = require("bokeh.layouts")

    frame = pd.DataFrame(index=data.index)
    frame[_TIME] = _naive_utc(data[time_column])
    frame[_LANE] = data[group_by].astype(str) if group_by else "events"
    for column in columns:
        frame[str(column)] = _tooltip_text(data[column])
    frame = frame.dropna(subset=[_TIME])
    markers = _ref_times(ref_time)
    axis = _axis([frame[_TIME]], markers, axis_breaks)
    frame[_X] = _x(axis, frame[_TIME])
    lanes = sorted(frame[_LANE].unique().tolist()) or ["events"]
    colours = dict(zip(lanes, _palette(len(lanes)), strict=False))
    frame[_COLOUR] = frame[_LANE].map(colours)
    source = models.ColumnDataSource(columns_of(frame))

    plot_height = height or max(MIN_PLOT_HEIGHT, LANE_HEIGHT * len(lanes) + 90)
    main = lane_figure(
        lanes, axis, title=f"{title} ({len(frame)} events)", height=plot_height, width=width
    )
    main.scatter(x=_X, y=_LANE, source=source, color=_COLOUR, size=9, alpha=0.7)
    tooltips = [("time", f"@{{{_TIME}}}{{%F %T.%3N}}")]
    if group_by:
        tooltips.append((str(group_by), f"@{{{_LANE}}}"))
    tooltips += [(str(c), f"@{{{c}}}") for c in columns]
    main.add_tools(models.HoverTool(tooltips=tooltips, formatters={f"@{{{_TIME}}}": "datetime"}))
    main.xaxis.axis_label = f"{time_column} (UTC)"
    _add_markers(main, axis, markers)
    children = [main]
    if range_tool:
        children.append(_range_tool(main, axis, source, lanes, width))
    layout = layouts.column(*children)
    if show:
        show_plot(layout)
    return layout


def display_timeline_duration(
    data: pd.DataFrame,
    *,
    group_by: str | Sequence[str],
    time_column: str = "TimeGenerated",
    end_column: str | None = None,
    ref_time: RefTimes = None,
    title: str = "Activity duration",
    width: int = PLOT_WIDTH,
    axis_breaks: bool = True,
    show: bool = True,
) -> BokehPlot:
    """One bar per group from its first to its last event, with the event count on hover.

    Args:
        data: the events.
        group_by: the column (or columns) that make a group (a host, an account, ...).
        time_column: event times; a group starts at its earliest.
        end_column: event end times, when rows have a duration (default: ``time_column``).
        ref_time: a time, or ``{label: time}``, to mark.
        title: the plot title.
        width: plot width in pixels.
        axis_breaks: break the time axis at long quiet gaps (as :func:`display_timeline`).
        show: show the plot in the notebook.

    Examples:
        >>> from asisdk.data import sample_events_frame
        >>> plot = display_timeline_duration(sample_events_frame(), group_by="SourceDataset",
        ...                                  time_column="TimeCreated", show=False)
        >>> len(plot.y_range.factors)
        7

    Raises:
        InvalidInputError: a named column is missing.
    """
    keys = [group_by] if isinstance(group_by, str) else list(group_by)
    if not keys:
        raise InvalidInputError("group_by needs at least one column")
    _check_frame(data, time_column, [*keys, *([end_column] if end_column else [])])
    models = require("bokeh.models")

    frame = pd.DataFrame(
        {
            "group": data[keys].astype(str).agg(" / ".join, axis=1),
            "start": _naive_utc(data[time_column]),
            "end": _naive_utc(data[end_column or time_column]),
        }
    ).dropna(subset=["start"])
    frame["end"] = frame["end"].fillna(frame["start"])
    spans = frame.groupby("group").agg(
        start=("start", "min"), end=("end", "max"), events=("start", "size")
    )
    spans = spans.sort_values("start").reset_index()
    lanes = spans["group"].tolist() or ["(none)"]
    spans["colour"] = _palette(len(spans))[: len(spans)]
    spans["duration"] = (spans["end"] - spans["start"]).astype(str)
    markers = _ref_times(ref_time)
    axis = _axis([frame["start"], frame["end"]], markers, axis_breaks)
    spans["x_start"], spans["x_end"] = _x(axis, spans["start"]), _x(axis, spans["end"])
    source = models.ColumnDataSource(columns_of(spans))
    plot = lane_figure(
        list(reversed(lanes)),
        axis,
        title=title,
        height=max(MIN_PLOT_HEIGHT, LANE_HEIGHT * len(lanes) + 90),
        width=width,
    )
    plot.hbar(
        y="group",
        left="x_start",
        right="x_end",
        height=0.6,
        source=source,
        color="colour",
        alpha=0.7,
    )
    plot.scatter(x="x_start", y="group", source=source, color="colour", size=8)
    plot.add_tools(
        models.HoverTool(
            tooltips=[
                ("group", "@group"),
                ("first", "@start{%F %T}"),
                ("last", "@end{%F %T}"),
                ("duration", "@duration"),
                ("events", "@events"),
            ],
            formatters={"@start": "datetime", "@end": "datetime"},
        )
    )
    plot.xaxis.axis_label = f"{time_column} (UTC)"
    _add_markers(plot, axis, markers)
    if show:
        show_plot(plot)
    return plot
