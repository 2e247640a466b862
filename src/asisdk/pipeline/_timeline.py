"""The report's interactive timeline: bokeh when installed, else inline SVG drawn by a script.

Both are self-contained: bokeh's JavaScript is inlined (``bokeh.resources.INLINE``) and the
fallback is a few dozen lines of plain JavaScript; nothing is fetched from a network or CDN.
"""

from __future__ import annotations

import importlib.util
import json
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from asisdk.pipeline import _defaults

__all__ = ["TimelineEngine", "json_for_html", "timeline_html", "timeline_points"]

#: ``auto`` uses bokeh when it is installed (the ``notebook`` extra), else ``svg``.
TimelineEngine = Literal["auto", "bokeh", "svg"]

_KINDS: Final = ("event", "decoded payload", "rare pattern")
_MAX_LANES: Final = 12
_LABEL_CHARS: Final = 160


def timeline_points(
    events: pd.DataFrame,
    *,
    time_column: str | None,
    host_column: str | None,
    text_columns: tuple[str, ...],
    decoded_rows: set[int],
    rare_rows: set[int],
    max_points: int = _defaults.TIMELINE_MAX_POINTS,
) -> pd.DataFrame:
    """The points of the timeline: one per event with a time (sampled beyond ``max_points``).

    Events holding a decoded payload or a rare pattern are kept first; every group is sampled
    evenly when it does not fit in ``max_points``.

    Returns:
        Columns ``time`` (UTC), ``lane`` (the host, or ``"events"``), ``kind`` (``event``,
        ``decoded payload``, ``rare pattern``), ``row`` (the event index) and ``label``.
    """
    columns = ["time", "lane", "kind", "row", "label"]
    if time_column is None or time_column not in events.columns or events.empty:
        return pd.DataFrame(columns=columns)
    times = events[time_column]
    has_time = times.notna().to_numpy()
    index = events.index.to_numpy()[has_time]
    kinds = np.zeros(len(index), dtype=np.int64)
    kinds[np.isin(index, list(rare_rows))] = 2
    kinds[np.isin(index, list(decoded_rows))] = 1
    keep = np.zeros(len(index), dtype=bool)
    budget = max_points
    # Marked events first (decoded payloads, then rare patterns), then plain ones, each group
    # sampled evenly when it does not fit what is left of the budget.
    for kind in (1, 2, 0):
        members = np.flatnonzero(kinds == kind)
        if len(members) > budget:
            members = members[np.linspace(0, len(members) - 1, budget).astype(np.int64)]
        keep[members] = True
        budget -= len(members)
        if budget <= 0:
            break
    rows = index[keep]
    subset = events.loc[rows]
    if host_column is not None and host_column in events.columns:
        lanes = subset[host_column].fillna("").astype(str).str.split(".").str[0]
        lanes = lanes.where(lanes != "", "(no host)")
        top = lanes.value_counts().index[:_MAX_LANES]
        lanes = lanes.where(lanes.isin(top), "(other hosts)")
    else:
        lanes = pd.Series("events", index=subset.index)
    label = pd.Series("", index=subset.index, dtype=object)
    for column in reversed(text_columns):
        values = subset[column].fillna("").astype(str)
        label = values.where(values.str.strip() != "", label)
    return pd.DataFrame(
        {
            "time": subset[time_column].to_numpy(),
            "lane": lanes.to_numpy(),
            "kind": [_KINDS[k] for k in kinds[keep]],
            "row": rows,
            "label": label.str.slice(0, _LABEL_CHARS).to_numpy(),
        }
    )


def _bokeh_available() -> bool:
    return importlib.util.find_spec("bokeh") is not None


def timeline_html(points: pd.DataFrame, *, engine: TimelineEngine = "auto") -> tuple[str, str]:
    """Return ``(head, body)`` HTML for the timeline of ``points``.

    ``head`` goes in the page's ``<head>`` (bokeh's inlined library; empty for ``svg``).

    Raises:
        ImportError: ``engine="bokeh"`` and bokeh is not installed.
    """
    if points.empty:
        return "", '<p class="empty">No event has a time: there is nothing to draw.</p>'
    use_bokeh = engine == "bokeh" or (engine == "auto" and _bokeh_available())
    if use_bokeh:
        return _bokeh_html(points)
    return "", _svg_html(points)


def _bokeh_html(points: pd.DataFrame) -> tuple[str, str]:
    from bokeh.embed import components
    from bokeh.models import ColumnDataSource, FactorRange, HoverTool
    from bokeh.plotting import figure
    from bokeh.resources import INLINE

    lanes = sorted(points["lane"].unique().tolist())
    plot = figure(
        x_axis_type="datetime",
        y_range=FactorRange(factors=lanes),
        height=120 + 28 * len(lanes),
        sizing_mode="stretch_width",
        tools="xpan,xwheel_zoom,box_zoom,reset,save",
        active_scroll="xwheel_zoom",
        title="Events over time (drag or wheel to zoom)",
    )
    colours = {"event": "#90a4ae", "decoded payload": "#d81b60", "rare pattern": "#fb8c00"}
    renderers: list[Any] = []
    for kind, colour in colours.items():
        part = points[points["kind"] == kind]
        if part.empty:
            continue
        source = ColumnDataSource(
            {
                "time": part["time"].dt.tz_localize(None).to_numpy(),
                "lane": part["lane"].tolist(),
                "row": part["row"].tolist(),
                "label": part["label"].tolist(),
                "kind": part["kind"].tolist(),
            }
        )
        size = 6 if kind == "event" else 10
        renderers.append(
            plot.scatter(
                "time", "lane", source=source, size=size, color=colour, alpha=0.7, legend_label=kind
            )
        )
    plot.add_tools(
        HoverTool(
            renderers=renderers,
            tooltips=[("time", "@time{%F %T}"), ("row", "@row"), ("kind", "@kind"), ("", "@label")],
            formatters={"@time": "datetime"},
        )
    )
    plot.legend.location = "top_left"
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


def _svg_html(points: pd.DataFrame) -> str:
    data: dict[str, Any] = {
        "lanes": sorted(points["lane"].unique().tolist()),
        "points": [
            [int(t.value // 1_000_000), lane, kind, int(row), label]
            for t, lane, kind, row, label in points[
                ["time", "lane", "kind", "row", "label"]
            ].itertuples(index=False, name=None)
        ],
    }
    payload = json_for_html(data)
    return (
        '<div id="timeline-plot" data-engine="svg">'
        '<div class="timeline-tools"><button type="button" id="timeline-reset">Reset zoom</button>'
        " <span>Drag across the chart to zoom in; hover a point for its event.</span></div>"
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
  var colours = {"event": "#90a4ae", "decoded payload": "#d81b60", "rare pattern": "#fb8c00"};
  var left = 150, right = 20, top = 10, laneH = 26;
  var width = 900;
  var height = top + laneH * data.lanes.length + 40;
  var times = data.points.map(function (p) { return p[0]; });
  var full = [Math.min.apply(null, times), Math.max.apply(null, times)];
  if (full[0] === full[1]) { full = [full[0] - 60000, full[1] + 60000]; }
  var view = full.slice();
  svg.setAttribute("height", height);
  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    svg.appendChild(node);
    return node;
  }
  function x(t) { return left + (t - view[0]) / (view[1] - view[0]) * (width - left - right); }
  function fmt(t) { return new Date(t).toISOString().replace("T", " ").slice(0, 19); }
  function draw() {
    width = Math.max(600, svg.parentNode.clientWidth || 900);
    svg.setAttribute("width", width);
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    data.lanes.forEach(function (lane, i) {
      var y = top + laneH * i + laneH / 2;
      el("line", {x1: left, x2: width - right, y1: y, y2: y, stroke: "#eceff1"});
      el("text", {x: left - 8, y: y + 4, "text-anchor": "end", "font-size": 12}, lane);
    });
    var axisY = top + laneH * data.lanes.length + 14;
    for (var k = 0; k <= 2; k++) {
      var t = view[0] + (view[1] - view[0]) * k / 2;
      var anchor = k === 0 ? "start" : (k === 2 ? "end" : "middle");
      el("text", {x: x(t), y: axisY, "text-anchor": anchor, "font-size": 11, fill: "#546e7a"},
        fmt(t));
    }
    data.points.forEach(function (p) {
      if (p[0] < view[0] || p[0] > view[1]) { return; }
      var c = el("circle", {cx: x(p[0]), cy: top + laneH * data.lanes.indexOf(p[1]) + laneH / 2,
        r: p[2] === "event" ? 3 : 5, fill: colours[p[2]], "fill-opacity": 0.75,
        "class": "tl-point", "data-row": p[3]});
      c.addEventListener("mouseenter", function (ev) {
        tip.hidden = false;
        tip.textContent = fmt(p[0]) + "  row " + p[3] + "  " + p[2] + "\n" + p[4];
        tip.style.left = (ev.pageX + 12) + "px";
        tip.style.top = (ev.pageY + 12) + "px";
      });
      c.addEventListener("mouseleave", function () { tip.hidden = true; });
    });
  }
  var dragStart = null, band = null;
  function localX(ev) { return ev.clientX - svg.getBoundingClientRect().left; }
  svg.addEventListener("mousedown", function (ev) {
    dragStart = localX(ev);
    band = el("rect", {x: dragStart, y: 0, width: 0, height: height, fill: "#1e88e5",
      "fill-opacity": 0.15});
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
      var span = view[1] - view[0], w = width - left - right;
      view = [view[0] + (a - left) / w * span, view[0] + (b - left) / w * span];
    }
    draw();
  });
  document.getElementById("timeline-reset").addEventListener("click", function () {
    view = full.slice();
    draw();
  });
  window.addEventListener("resize", draw);
  draw();
  svg.setAttribute("data-ready", "true");
})();
"""
