"""The report's timeline: every event counted in time bins per host, findings marked on it.

Nothing is sampled: each event is counted in a fine time bin (``FINE_BINS`` per stretch of
activity), the page re-aggregates the fine bins to fit its width and again when zoomed.
Long quiet gaps (a capture spanning years with bursts of activity) break the axis into
stretches drawn side by side, so a burst is never squeezed against an edge. Findings are
marked at their exact time and link to their row.

``svg`` (the default) is a few dozen lines of plain JavaScript drawing inline SVG; ``bokeh``
draws the same bins with bokeh (inlined, no CDN) on the shared :class:`asisdk._timeline.BrokenAxis`,
with the same breaks. Nothing is fetched from a network.
"""

# The page's JavaScript (a string below) keeps its own line lengths.
# ruff: noqa: E501

from __future__ import annotations

import json
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from asisdk._text_columns import plain_text
from asisdk._timeline import BrokenAxis, lane_figure, time_segments

__all__ = ["TimelineEngine", "json_for_html", "timeline_data", "timeline_html"]

#: ``auto`` is ``svg`` (it handles long gaps); ``bokeh`` needs the ``notebook`` extra.
TimelineEngine = Literal["auto", "bokeh", "svg"]

#: Fine bins per stretch of activity (the page groups them to fit its width).
FINE_BINS: Final = 2000
_MAX_LANES: Final = 12
_LABEL_CHARS: Final = 160


def timeline_data(
    events: pd.DataFrame,
    *,
    time_column: str | None,
    host_column: str | None,
    findings: pd.DataFrame,
    max_markers: int,
) -> dict[str, Any] | None:
    """The timeline of ``events``: lanes, stretches, fine-bin counts and finding markers.

    Args:
        events: the triaged events.
        time_column: their time column (``None``: no timeline).
        host_column: the host column (one lane per host, the 12 busiest; the rest share
            one lane).
        findings: the ranked findings (``event_index``, ``rank``, ``score``, ...).
        max_markers: the best findings marked (those shown in the report).

    Returns:
        ``None`` when no event has a time, else a JSON-ready dict: ``lanes``, ``segments``
        (``[start_ms, end_ms]`` per stretch), ``bin_ms`` (fine bin width per stretch),
        ``bins`` (``[stretch, bin, lane, count]``, empty bins left out), ``markers``
        (``[time_ms, lane, rank, score, label]``) and ``events`` (how many were counted).

    Examples:
        >>> import pandas as pd
        >>> events = pd.DataFrame({"t": pd.to_datetime(["2020-01-01 00:00:00",
        ...     "2020-01-01 00:00:01", "2024-06-01 00:00:00"], utc=True)})
        >>> data = timeline_data(events, time_column="t", host_column=None,
        ...     findings=pd.DataFrame(), max_markers=0)
        >>> len(data["segments"]), data["events"]
        (2, 3)
    """
    if time_column is None or time_column not in events.columns or events.empty:
        return None
    stamps = pd.to_datetime(events[time_column], utc=True, errors="coerce")
    has_time = stamps.notna().to_numpy()
    if not has_time.any():
        return None
    times = stamps[has_time].dt.as_unit("ms").astype("int64").to_numpy(dtype=np.int64)
    if host_column is not None and host_column in events.columns:
        hosts = plain_text(events.loc[has_time, host_column]).fillna("").astype(str)
        hosts = hosts.str.split(".").str[0]
        hosts = hosts.where(hosts != "", "(no host)")
        top = hosts.value_counts().index[:_MAX_LANES]
        hosts = hosts.where(hosts.isin(top), "(other hosts)")
    else:
        hosts = pd.Series("events", index=events.index[has_time])
    lanes = sorted(hosts.unique().tolist())
    lane_of = {lane: i for i, lane in enumerate(lanes)}
    lane_idx = hosts.map(lane_of).to_numpy(dtype=np.int64)
    segments = time_segments(times)
    starts = np.asarray([s for s, _ in segments], dtype=np.int64)
    seg_idx = np.searchsorted(starts, times, side="right") - 1
    widths = [max(1, -(-(e - s + 1) // FINE_BINS)) for s, e in segments]
    width_arr = np.asarray(widths, dtype=np.int64)
    bin_idx = (times - starts[seg_idx]) // width_arr[seg_idx]
    counted = pd.DataFrame({"s": seg_idx, "b": bin_idx, "l": lane_idx}).value_counts()
    keys: list[tuple[int, int, int]] = counted.index.tolist()
    bins = sorted(
        [int(s), int(b), int(la), int(n)]
        for (s, b, la), n in zip(keys, counted.tolist(), strict=True)
    )
    markers: list[list[Any]] = []
    if not findings.empty and max_markers > 0:
        timed = events.index[has_time].tolist()
        lane_by_event = dict(zip(timed, lane_idx.tolist(), strict=True))
        time_by_event = dict(zip(timed, times.tolist(), strict=True))
        for row in findings.head(max_markers).itertuples(index=False):
            index = row.event_index
            if index not in time_by_event:
                continue
            what = str(row.command_line or row.details or row.image or "")
            label = f"{row.reason_kinds}: {what}"[:_LABEL_CHARS]
            markers.append(
                [
                    int(time_by_event[index]),
                    int(lane_by_event[index]),
                    int(str(row.rank)),
                    int(str(row.score)),
                    label,
                ]
            )
    return {
        "lanes": lanes,
        "segments": [[s, e] for s, e in segments],
        "bin_ms": widths,
        "bins": bins,
        "markers": markers,
        "events": len(times),
    }


def timeline_html(
    data: dict[str, Any] | None, *, engine: TimelineEngine = "auto"
) -> tuple[str, str]:
    """Return ``(head, body)`` HTML for the timeline of :func:`timeline_data`.

    ``head`` goes in the page's ``<head>`` (bokeh's inlined library; empty for ``svg``).

    Raises:
        ImportError: ``engine="bokeh"`` and bokeh is not installed.
    """
    if data is None:
        return "", '<p class="empty">No event has a time: there is nothing to draw.</p>'
    if engine == "bokeh":
        return _bokeh_html(data)
    return "", _svg_html(data)


def _bokeh_html(data: dict[str, Any]) -> tuple[str, str]:
    from bokeh.embed import components
    from bokeh.models import ColumnDataSource, HoverTool
    from bokeh.resources import INLINE

    lanes = data["lanes"]
    axis = BrokenAxis(tuple((s, e) for s, e in data["segments"]))
    plot = lane_figure(
        lanes,
        axis,
        title="Events per time bin (drag or wheel to zoom); findings in red",
        height=120 + 28 * len(lanes),
    )
    starts = [s for s, _ in data["segments"]]
    bins = data["bins"]
    peak = max((b[3] for b in bins), default=1)
    left = np.asarray([starts[s] + b * data["bin_ms"][s] for s, b, _, _ in bins], dtype=np.int64)
    width = np.asarray([data["bin_ms"][s] for s, _, _, _ in bins], dtype=np.int64)
    source = ColumnDataSource(
        {
            "left": axis.x(left),
            "right": axis.x(left + width),
            "lane": [lanes[la] for _, _, la, _ in bins],
            "count": [n for _, _, _, n in bins],
            "alpha": [0.25 + 0.75 * np.log1p(n) / np.log1p(peak) for _, _, _, n in bins],
        }
    )
    bars = plot.hbar(
        y="lane",
        left="left",
        right="right",
        height=0.8,
        source=source,
        color="#546e7a",
        alpha="alpha",
    )
    plot.add_tools(HoverTool(renderers=[bars], tooltips=[("events", "@count")]))
    markers = data["markers"]
    if markers:
        marked = ColumnDataSource(
            {
                "time": axis.x([m[0] for m in markers]),
                "lane": [lanes[m[1]] for m in markers],
                "rank": [m[2] for m in markers],
                "label": [m[4] for m in markers],
            }
        )
        dots = plot.scatter("time", "lane", source=marked, size=9, color="#d32f2f")
        plot.add_tools(
            HoverTool(renderers=[dots], tooltips=[("finding", "#@rank"), ("", "@label")])
        )
    script, div = components(plot)
    return INLINE.render(), f'<div id="timeline-plot" data-engine="bokeh">{div}</div>{script}'


def json_for_html(data: object) -> str:
    """Serialise ``data`` as JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e`` and ``\\u0026`` (still the same JSON
    string values), so text such as a command line with ``</script>`` or ``<!--<script>`` cannot
    end the element or switch the HTML parser into its script-escape states.

    Examples:
        >>> json_for_html({"cmd": "<!--<script>a&b"})
        '{"cmd": "\\\\u003c!--\\\\u003cscript\\\\u003ea\\\\u0026b"}'
    """
    text = json.dumps(data, ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _svg_html(data: dict[str, Any]) -> str:
    payload = json_for_html(data)
    return (
        '<div id="timeline-plot" data-engine="svg">'
        '<div class="timeline-tools"><button type="button" id="timeline-reset">Reset zoom</button>'
        " <span>Drag across the chart to zoom in; hover a bar for its count and a red mark "
        "for its finding (click it to go to the finding). Grey breaks: long quiet gaps.</span>"
        "</div>"
        '<svg id="timeline-svg" role="img" aria-label="Events over time"></svg>'
        '<div id="timeline-tip" hidden></div></div>'
        f'<script type="application/json" id="timeline-data">{payload}</script>'
        f"<script>{_SVG_SCRIPT}</script>"
    )


_SVG_SCRIPT: Final = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("timeline-data").textContent);
  var svg = document.getElementById("timeline-svg");
  var tip = document.getElementById("timeline-tip");
  var NS = "http://www.w3.org/2000/svg";
  var left = 150, right = 20, top = 10, laneH = 26, gapW = 14, barW = 4;
  var width = 900;
  var height = top + laneH * data.lanes.length + 40;
  var full = data.segments.map(function (s) { return s[1] > s[0] ? s.slice() : [s[0] - 60000, s[1] + 60000]; });
  var view = full.slice();
  svg.setAttribute("height", height);
  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    svg.appendChild(node);
    return node;
  }
  function fmt(t) { return new Date(t).toISOString().replace("T", " ").slice(0, 19); }
  function layout() {
    var usable = width - left - right - gapW * (view.length - 1);
    var each = usable / view.length, out = [], x = left;
    view.forEach(function (v) { out.push({x0: x, w: each, t0: v[0], t1: v[1]}); x += each + gapW; });
    return out;
  }
  function showTip(ev, text) {
    tip.hidden = false; tip.textContent = text;
    tip.style.left = (ev.pageX + 12) + "px"; tip.style.top = (ev.pageY + 12) + "px";
  }
  function draw() {
    width = Math.max(600, svg.parentNode.clientWidth || 900);
    svg.setAttribute("width", width);
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var boxes = layout();
    data.lanes.forEach(function (lane, i) {
      var y = top + laneH * i + laneH / 2;
      el("line", {x1: left, x2: width - right, y1: y, y2: y, stroke: "#eceff1"});
      el("text", {x: left - 8, y: y + 4, "text-anchor": "end", "font-size": 12}, lane);
    });
    var axisY = top + laneH * data.lanes.length + 14;
    var cells = {}, peak = 1;
    data.bins.forEach(function (b) {
      var seg = data.segments[b[0]], t = seg[0] + b[1] * data.bin_ms[b[0]];
      boxes.forEach(function (box, k) {
        if (t + data.bin_ms[b[0]] <= box.t0 || t > box.t1) { return; }
        var slots = Math.max(1, Math.floor(box.w / barW));
        var slot = Math.min(slots - 1, Math.max(0, Math.floor((t - box.t0) / (box.t1 - box.t0) * slots)));
        var key = k + ":" + slot + ":" + b[2];
        cells[key] = (cells[key] || 0) + b[3];
        if (cells[key] > peak) { peak = cells[key]; }
      });
    });
    Object.keys(cells).forEach(function (key) {
      var p = key.split(":"), box = boxes[+p[0]], slot = +p[1], lane = +p[2], n = cells[key];
      var slots = Math.max(1, Math.floor(box.w / barW));
      var h = 4 + (laneH - 8) * Math.log(1 + n) / Math.log(1 + peak);
      var t0 = box.t0 + (box.t1 - box.t0) * slot / slots, t1 = box.t0 + (box.t1 - box.t0) * (slot + 1) / slots;
      var r = el("rect", {x: box.x0 + slot * box.w / slots, y: top + laneH * lane + (laneH - h) / 2,
        width: Math.max(1, box.w / slots - 1), height: h, fill: "#78909c", "class": "tl-bin",
        "data-count": n});
      r.addEventListener("mouseenter", function (ev) {
        showTip(ev, n + " event" + (n === 1 ? "" : "s") + "  " + data.lanes[lane] + "\n" + fmt(t0) + " - " + fmt(t1));
      });
      r.addEventListener("mouseleave", function () { tip.hidden = true; });
    });
    boxes.forEach(function (box, k) {
      if (k > 0) {
        el("rect", {x: box.x0 - gapW + 3, y: top, width: gapW - 6, height: laneH * data.lanes.length,
          fill: "#cfd8dc", "class": "tl-gap"});
      }
      el("text", {x: box.x0, y: axisY, "text-anchor": "start", "font-size": 11, fill: "#546e7a"}, fmt(box.t0));
      el("text", {x: box.x0 + box.w, y: axisY + 12, "text-anchor": "end", "font-size": 11, fill: "#546e7a"}, fmt(box.t1));
    });
    data.markers.forEach(function (m) {
      boxes.forEach(function (box) {
        if (m[0] < box.t0 || m[0] > box.t1) { return; }
        var cx = box.x0 + (m[0] - box.t0) / Math.max(1, box.t1 - box.t0) * box.w;
        var c = el("circle", {cx: cx, cy: top + laneH * m[1] + laneH / 2, r: 5, fill: "#d32f2f",
          "fill-opacity": 0.85, "class": "tl-finding", "data-rank": m[2]});
        c.addEventListener("mouseenter", function (ev) {
          showTip(ev, "finding #" + m[2] + "  score " + m[3] + "  " + fmt(m[0]) + "\n" + m[4]);
        });
        c.addEventListener("mouseleave", function () { tip.hidden = true; });
        c.addEventListener("click", function () { window.location.hash = "#finding-" + m[2]; });
      });
    });
  }
  var dragStart = null, band = null;
  function localX(ev) { return ev.clientX - svg.getBoundingClientRect().left; }
  function timeAt(x) {
    var boxes = layout();
    for (var k = 0; k < boxes.length; k++) {
      var b = boxes[k];
      if (x <= b.x0 + b.w || k === boxes.length - 1) {
        var f = Math.min(1, Math.max(0, (x - b.x0) / b.w));
        return b.t0 + f * (b.t1 - b.t0);
      }
    }
    return view[0][0];
  }
  svg.addEventListener("mousedown", function (ev) {
    dragStart = localX(ev);
    band = el("rect", {x: dragStart, y: 0, width: 0, height: height, fill: "#1e88e5", "fill-opacity": 0.15});
  });
  svg.addEventListener("mousemove", function (ev) {
    if (band === null) { return; }
    var now = localX(ev);
    band.setAttribute("x", Math.min(now, dragStart));
    band.setAttribute("width", Math.abs(now - dragStart));
  });
  svg.addEventListener("mouseup", function (ev) {
    if (band === null) { return; }
    var a = Math.min(localX(ev), dragStart), b = Math.max(localX(ev), dragStart);
    band = null;
    if (b - a > 4) {
      var t0 = timeAt(a), t1 = timeAt(b);
      if (t1 > t0) { view = [[t0, t1]]; }
    }
    draw();
    svg.setAttribute("data-view", JSON.stringify(view));
  });
  document.getElementById("timeline-reset").addEventListener("click", function () {
    view = full.slice();
    draw();
    svg.setAttribute("data-view", JSON.stringify(view));
  });
  window.addEventListener("resize", draw);
  draw();
  svg.setAttribute("data-ready", "true");
})();
"""
