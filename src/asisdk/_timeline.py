"""Time axes that break at long quiet gaps, and the one bokeh lane figure timelines draw on.

The triage report (``asisdk.pipeline``) and the notebook (``asisdk.notebook``) both plot
events in lanes over time. Captures often hold bursts of activity days or years apart; on one
continuous axis each burst is a few pixels wide. :func:`time_segments` finds the stretches of
activity, and :class:`BrokenAxis` draws each stretch with the same width, side by side, with a
hatched break (labelled with the quiet time) between them. bokeh is imported only when a
figure is built.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import numpy as np
import numpy.typing as npt

__all__ = ["BrokenAxis", "epoch_ms", "lane_figure", "time_segments"]

#: A quiet gap longer than this (milliseconds: one hour) breaks the axis when it is longer
#: than all the active time together, or than this share of the whole span.
GAP_MIN_MS: Final = 3_600_000
GAP_SHARE: Final = 0.2
#: Most stretches drawn (the longest gaps break the axis first).
MAX_SEGMENTS: Final = 8
#: Width of a drawn break, as a share of one stretch's width.
BREAK_WIDTH: Final = 0.06
#: A stretch of one instant is drawn this long (milliseconds), centred on it.
INSTANT_MS: Final = 60_000
#: Tick labels wanted on a broken axis (each is two lines, date over time, ~70 px wide).
BROKEN_TICKS: Final = 8
#: Tools of every timeline figure.
TOOLS: Final = "xpan,xwheel_zoom,box_zoom,reset,save"

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MS: Final = timedelta(milliseconds=1)


def epoch_ms(times: Iterable[object] | npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Milliseconds since the epoch of ``times``; missing values are left out.

    Aware datetimes count in UTC whatever their zone; naive ones and ``datetime64`` are taken
    as UTC; integers are already milliseconds.

    Examples:
        >>> from datetime import datetime, timedelta, timezone
        >>> paris = timezone(timedelta(hours=2))
        >>> epoch_ms([datetime(1970, 1, 1, 2, 0, 1, tzinfo=paris), None]).tolist()
        [1000]
    """
    values = np.asarray(times if isinstance(times, np.ndarray) else list(times))
    if values.dtype.kind == "M":
        values = values[~np.isnat(values)].astype("datetime64[ms]")
    if values.dtype.kind in "iuM":
        return np.asarray(values.astype(np.int64), dtype=np.int64)
    out: list[int] = []
    for value in values.tolist():
        if value is None or value != value:  # None, NaN, NaT
            continue
        if isinstance(value, datetime):
            moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
            out.append((moment - _EPOCH) // _MS)
        else:
            out.append(int(value))
    return np.asarray(out, dtype=np.int64)


def time_segments(times_ms: npt.ArrayLike) -> list[tuple[int, int]]:
    """Stretches of activity ``[(first_ms, last_ms), ...]``: breaks at the longest quiet gaps.

    A gap longer than ``GAP_MIN_MS`` breaks the axis when it is longer than the active time
    (the span less every such gap: a week of one-minute bursts breaks, a week of office hours
    does not) or longer than ``GAP_SHARE`` of the whole span (a capture years long). At most
    ``MAX_SEGMENTS`` stretches are kept (the longest gaps break first). No times: none.

    Examples:
        >>> time_segments([0, 1_000, 10 * 86_400_000, 10 * 86_400_000 + 5])
        [(0, 1000), (864000000, 864000005)]
    """
    unique = np.unique(np.asarray(times_ms, dtype=np.int64))
    if len(unique) == 0:
        return []
    start, end = int(unique[0]), int(unique[-1])
    gaps = np.diff(unique)
    quiet = gaps > GAP_MIN_MS
    active = (end - start) - int(gaps[quiet].sum())
    breaks = np.flatnonzero(quiet & ((gaps > active) | (gaps > GAP_SHARE * (end - start))))
    if len(breaks) > MAX_SEGMENTS - 1:
        breaks = np.sort(breaks[np.argsort(gaps[breaks])[::-1][: MAX_SEGMENTS - 1]])
    out: list[tuple[int, int]] = []
    first = 0
    for b in breaks.tolist():
        out.append((int(unique[first]), int(unique[b])))
        first = b + 1
    out.append((int(unique[first]), end))
    return out


def _quiet_text(ms: int) -> str:
    days, hours = ms / 86_400_000, ms / 3_600_000
    if days >= 2:
        return f"{days:.0f} days quiet"
    return f"{hours:.0f} h quiet" if hours >= 1 else f"{ms / 60_000:.0f} min quiet"


# Maps a position on a broken axis back to its time (the inverse of BrokenAxis.x).
_TICK_JS: Final = """
const w = 1 + gap, i = Math.floor(tick / w), f = tick - i * w;
if (i < 0 || i >= spans.length || f > 1 + 1e-9) { return ""; }
const s = spans[i], iso = new Date(s[0] + f * (s[1] - s[0])).toISOString();
return iso.slice(0, 10) + "\\n" + iso.slice(11, 19);
"""


@dataclass(frozen=True, slots=True)
class BrokenAxis:
    """A time axis drawn as stretches of equal width with breaks between them.

    With one stretch (or none) the axis is not broken: :meth:`x` is the identity on
    milliseconds, which is what a bokeh ``datetime`` axis plots. With several, stretch ``i``
    covers ``[i * (1 + gap), i * (1 + gap) + 1]`` and :meth:`x` maps a time into it.

    Examples:
        >>> axis = BrokenAxis.of([0, 1_000, 864_000_000, 864_000_500])
        >>> axis.broken, axis.x([0, 500, 864_000_000]).tolist()
        (True, [0.0, 0.5, 1.06])
    """

    segments: tuple[tuple[int, int], ...]
    gap: float = BREAK_WIDTH

    @classmethod
    def of(cls, times_ms: npt.ArrayLike, *, breaks: bool = True) -> BrokenAxis:
        """The axis of these times (:func:`time_segments`; ``breaks=False``: one stretch)."""
        segments = time_segments(times_ms)
        if not breaks and segments:
            segments = [(segments[0][0], segments[-1][1])]
        return cls(tuple(segments))

    @property
    def broken(self) -> bool:
        """Whether the axis has breaks (more than one stretch)."""
        return len(self.segments) > 1

    def _spans(self) -> npt.NDArray[np.int64]:
        spans = np.asarray(self.segments, dtype=np.int64).reshape(-1, 2)
        instant = spans[:, 1] == spans[:, 0]
        spans[instant, 0] -= INSTANT_MS // 2
        spans[instant, 1] += INSTANT_MS // 2
        return spans

    def x(self, times_ms: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Plot positions of ``times_ms``; a time inside a break is placed inside it."""
        times = np.asarray(times_ms, dtype=np.float64)
        if not self.broken:
            return times
        spans = self._spans().astype(np.float64)
        starts, ends = spans[:, 0], spans[:, 1]
        i = np.clip(np.searchsorted(starts, times, side="right") - 1, 0, len(spans) - 1)
        inside = np.clip((times - starts[i]) / (ends[i] - starts[i]), 0.0, 1.0)
        following = starts[np.minimum(i + 1, len(spans) - 1)]
        in_gap = (times > ends[i]) & (i < len(spans) - 1)
        into_gap = (times - ends[i]) / np.maximum(following - ends[i], 1.0)
        offset = np.where(in_gap, 1.0 + self.gap * np.clip(into_gap, 0.0, 1.0), inside)
        return np.asarray(i * (1.0 + self.gap) + offset, dtype=np.float64)

    def x_range(self) -> tuple[float, float]:
        """The plotted range: every stretch with a small margin."""
        if not self.broken:
            if not self.segments:
                return 0.0, float(INSTANT_MS)
            spans = self._spans()
            first, last = float(spans[0, 0]), float(spans[-1, 1])
            pad = max(0.05 * (last - first), 1_000.0)
            return first - pad, last + pad
        end = len(self.segments) * (1 + self.gap) - self.gap
        return -0.02 * end, 1.02 * end

    def decorate(self, plot: Any) -> None:
        """Set ``plot``'s x range, and on a broken axis its tick labels and break marks."""
        models = importlib.import_module("bokeh.models")
        start, end = self.x_range()
        plot.x_range = models.Range1d(start=start, end=end)
        if not self.broken:
            return
        spans = self._spans().tolist()
        plot.xaxis.ticker = models.BasicTicker(desired_num_ticks=BROKEN_TICKS)
        plot.xaxis.formatter = models.CustomJSTickFormatter(
            args={"spans": spans, "gap": self.gap}, code=_TICK_JS
        )
        for i in range(len(self.segments) - 1):
            left = i * (1 + self.gap) + 1
            plot.add_layout(
                models.BoxAnnotation(
                    left=left,
                    right=left + self.gap,
                    fill_color="#cfd8dc",
                    fill_alpha=0.7,
                    hatch_pattern="/",
                    hatch_color="#90a4ae",
                    line_color=None,
                )
            )
            quiet = self.segments[i + 1][0] - self.segments[i][1]
            plot.add_layout(
                models.Label(
                    x=left + self.gap / 2,
                    y=4,
                    y_units="screen",
                    angle=np.pi / 2,
                    text=_quiet_text(quiet),
                    text_font_size="8pt",
                    text_color="#546e7a",
                )
            )


def lane_figure(
    lanes: Sequence[str],
    axis: BrokenAxis,
    *,
    title: str,
    height: int,
    width: int | None = None,
    toolbar: bool = True,
) -> Any:
    """A bokeh figure with one categorical lane per ``lanes`` entry over ``axis``.

    ``width=None`` stretches the figure to its container. Glyphs plot their x through
    :meth:`BrokenAxis.x`.
    """
    figure = importlib.import_module("bokeh.plotting").figure
    size: dict[str, Any] = {"width": width} if width else {"sizing_mode": "stretch_width"}
    tools: dict[str, Any] = (
        {"tools": TOOLS, "active_scroll": "xwheel_zoom"}
        if toolbar
        else {"tools": "", "toolbar_location": None}
    )
    plot = figure(
        title=title,
        x_axis_type="linear" if axis.broken else "datetime",
        y_range=list(lanes),
        height=height,
        **size,
        **tools,
    )
    axis.decorate(plot)
    return plot
