"""Timelines: the data the plot carries, markers, errors, and the page rendered in Chromium."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from bokeh.models import ColumnDataSource, HoverTool, RangeTool, Span

from _support.chromium import open_page, requires_chromium
from asisdk.errors import InvalidInputError, LimitExceededError
from asisdk.notebook import display_timeline, display_timeline_duration, plot_html, save_plot

# Counts the canvases bokeh drew (they live in shadow roots) once the document is rendered.
RENDERED = """
new Promise(resolve => {
  const started = Date.now();
  function canvases(root) {
    let found = [];
    for (const el of root.querySelectorAll("*")) {
      if (el.tagName === "CANVAS" && el.width > 0 && el.height > 0) found.push(el);
      if (el.shadowRoot) found = found.concat(canvases(el.shadowRoot));
    }
    return found;
  }
  (function check() {
    const docs = window.Bokeh ? Bokeh.documents.length : 0;
    const drawn = canvases(document).length;
    if ((docs > 0 && drawn > 0) || Date.now() - started > 20000) {
      resolve({docs: docs, canvases: drawn, title: document.title});
    } else {
      setTimeout(check, 100);
    }
  })();
})
"""


def _sources(layout: object) -> list[ColumnDataSource]:
    return list(layout.select({"type": ColumnDataSource}))  # type: ignore[attr-defined]


def test_timeline_has_a_lane_per_group_and_hover_columns(events: pd.DataFrame) -> None:
    layout = display_timeline(
        events,
        time_column="TimeCreated",
        group_by="EventID",
        source_columns=["Hostname", "CommandLine"],
        show=False,
    )
    main = layout.children[0]
    assert main.y_range.factors == sorted(str(i) for i in events["EventID"].unique())
    assert f"({len(events)} events)" in main.title.text
    data = _sources(layout)[0].data
    assert len(data["__asi_time"]) == len(events)
    assert set(data["Hostname"]) == set(events["Hostname"])
    hover = next(iter(layout.select({"type": HoverTool})))
    labels = [label for label, _ in hover.tooltips]
    assert labels == ["time", "EventID", "Hostname", "CommandLine"]
    assert list(layout.select({"type": RangeTool}))  # the overview's range tool


def test_long_cells_are_cut_in_tooltips(events: pd.DataFrame) -> None:
    layout = display_timeline(
        events, time_column="TimeCreated", source_columns=["CommandLine"], show=False
    )
    longest = max(len(c) for c in _sources(layout)[0].data["CommandLine"])
    assert longest <= 203  # 200 characters and "..."
    assert events["CommandLine"].str.len().max() > 203


def test_reference_times_are_marked(events: pd.DataFrame) -> None:
    layout = display_timeline(
        events.head(20),
        time_column="TimeCreated",
        ref_time={"alert": "2020-09-04T20:10:00Z", "logon": "2020-09-04T20:09:41Z"},
        range_tool=False,
        show=False,
    )
    spans = list(layout.select({"type": Span}))
    assert len(spans) == 2
    assert len(layout.children) == 1


def test_timeline_errors_name_the_fix(events: pd.DataFrame) -> None:
    with pytest.raises(InvalidInputError, match="TimeCreated"):
        display_timeline(events, show=False)  # default TimeGenerated is not there
    with pytest.raises(InvalidInputError, match="Nope"):
        display_timeline(events, time_column="TimeCreated", group_by="Nope", show=False)
    with pytest.raises(InvalidInputError, match="not a time"):
        display_timeline(events, time_column="TimeCreated", ref_time="soonish", show=False)
    big = pd.DataFrame({"TimeGenerated": pd.date_range("2024-01-01", periods=100_001, freq="s")})
    with pytest.raises(LimitExceededError):
        display_timeline(big, show=False)


def test_duration_bars_span_first_to_last_event(events: pd.DataFrame) -> None:
    plot = display_timeline_duration(
        events, group_by="SourceDataset", time_column="TimeCreated", show=False
    )
    data = _sources(plot)[0].data
    counts = dict(zip(data["group"], data["events"], strict=True))
    assert counts == events["SourceDataset"].value_counts().to_dict()
    vbs = list(data["group"]).index("empire_launcher_vbs")
    subset = events[events["SourceDataset"] == "empire_launcher_vbs"]["TimeCreated"]
    assert pd.Timestamp(data["start"][vbs]) == subset.min().tz_convert(None)
    assert pd.Timestamp(data["end"][vbs]) == subset.max().tz_convert(None)


def test_saved_page_is_standalone(events: pd.DataFrame, tmp_path: Path) -> None:
    layout = display_timeline(events, time_column="TimeCreated", show=False)
    path = save_plot(layout, tmp_path / "timeline.html", title="OTRF events")
    page = path.read_text(encoding="utf-8")
    assert "<title>OTRF events</title>" in page
    assert "cdn.bokeh.org" not in page  # inline resources: works offline
    assert "Bokeh" in page
    assert plot_html(layout).startswith("<!DOCTYPE html>")


@requires_chromium
def test_timeline_renders_in_chromium_without_javascript_errors(
    events: pd.DataFrame, tmp_path: Path
) -> None:
    layout = display_timeline(
        events,
        time_column="TimeCreated",
        group_by="SourceDataset",
        source_columns=["EventID", "CommandLine"],
        ref_time="2020-09-04T20:10:00Z",
        show=False,
    )
    path = save_plot(layout, tmp_path / "timeline.html", title="timeline")
    report = open_page(path, expression=RENDERED)
    assert report.errors == []
    assert report.value["docs"] == 1
    assert report.value["canvases"] >= 2  # the timeline and the overview


@requires_chromium
def test_duration_plot_renders_in_chromium(events: pd.DataFrame, tmp_path: Path) -> None:
    plot = display_timeline_duration(
        events, group_by=["Hostname", "EventID"], time_column="TimeCreated", show=False
    )
    report = open_page(save_plot(plot, tmp_path / "duration.html"), expression=RENDERED)
    assert report.errors == []
    assert report.value["canvases"] >= 1


@requires_chromium
def test_the_browser_check_does_catch_javascript_errors(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        "<html><body><script>console.error('bad thing');undefinedFunction();</script>"
        "</body></html>",
        encoding="utf-8",
    )
    report = open_page(page, expression="1 + 1")
    assert report.value == 2
    assert any("bad thing" in e for e in report.errors)
    assert any("undefinedFunction" in e for e in report.errors)


def test_long_quiet_gaps_break_the_axis_and_can_be_turned_off(events: pd.DataFrame) -> None:
    from bokeh.models import BoxAnnotation, CustomJSTickFormatter, Label

    layout = display_timeline(events, time_column="TimeCreated", range_tool=False, show=False)
    main = layout.children[0]
    breaks = [b for b in main.select({"type": BoxAnnotation}) if b.hatch_pattern == "/"]
    assert breaks  # the 2020 and 2023 captures are years apart
    assert isinstance(main.xaxis[0].formatter, CustomJSTickFormatter)
    assert any("quiet" in label.text for label in main.select({"type": Label}))
    x = _sources(layout)[0].data["__asi_x"]
    assert x.max() <= main.x_range.end  # bursts in equal-width stretches, not milliseconds
    assert x.max() < len(breaks) + 1 + len(breaks) * 0.1
    joined = display_timeline(
        events, time_column="TimeCreated", range_tool=False, axis_breaks=False, show=False
    )
    plain = joined.children[0]
    assert not [b for b in plain.select({"type": BoxAnnotation}) if b.hatch_pattern == "/"]
    assert plain.xaxis[0].__class__.__name__ == "DatetimeAxis"


def test_duration_bars_and_reference_times_follow_the_broken_axis(events: pd.DataFrame) -> None:
    plot = display_timeline_duration(
        events,
        group_by="SourceDataset",
        time_column="TimeCreated",
        ref_time="2023-08-18T00:00:00Z",
        show=False,
    )
    data = _sources(plot)[0].data
    assert all(s <= e for s, e in zip(data["x_start"], data["x_end"], strict=True))
    span = next(iter(plot.select({"type": Span})))
    assert plot.x_range.start <= span.location <= plot.x_range.end
