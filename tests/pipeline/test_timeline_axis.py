"""The broken time axis both timelines share: segments of times, positions, the bokeh marks."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from asisdk._timeline import (
    BREAK_WIDTH,
    GAP_MIN_MS,
    INSTANT_MS,
    MAX_SEGMENTS,
    BrokenAxis,
    epoch_ms,
    time_segments,
)
from asisdk.data import sample_events_frame
from asisdk.pipeline._timeline import timeline_data, timeline_html

DAY = 86_400_000


def test_no_times_no_segments() -> None:
    assert time_segments([]) == []
    axis = BrokenAxis.of([])
    assert not axis.broken
    assert axis.x_range() == (0.0, float(INSTANT_MS))


def test_a_single_event_and_events_at_one_instant_are_one_segment() -> None:
    assert time_segments([5_000]) == [(5_000, 5_000)]
    assert time_segments([7] * 1_000) == [(7, 7)]
    low, high = BrokenAxis.of([7] * 3).x_range()
    assert low < 7 < high  # a usable range around the instant


def test_bursts_days_apart_become_segments_of_equal_width() -> None:
    first = np.arange(0, 600_000, 1_000)  # ten minutes
    second = 3 * DAY + np.arange(0, 3 * 3_600_000, 60_000)  # three hours, three days later
    times = np.concatenate([first, second])
    assert time_segments(times) == [(0, 599_000), (3 * DAY, 3 * DAY + 3 * 3_600_000 - 60_000)]
    x = BrokenAxis.of(times).x(times)
    assert x[: len(first)].min() == 0.0
    assert x[len(first) - 1] == 1.0
    assert x[len(first)] == pytest.approx(1 + BREAK_WIDTH)
    assert x[-1] == pytest.approx(2 + BREAK_WIDTH)


def test_gaps_under_an_hour_or_shorter_than_the_activity_do_not_break() -> None:
    assert len(time_segments([0, 1, GAP_MIN_MS + 1])) == 1  # a gap of exactly the minimum
    assert len(time_segments([0, 1, GAP_MIN_MS + 2])) == 2
    hours = 8 * 3_600_000  # a week of office hours, busy every minute: one stretch
    week = np.concatenate([d * DAY + np.arange(0, hours, 60_000) for d in range(7)])
    assert len(time_segments(week)) == 1


def test_a_week_of_short_bursts_breaks_at_every_night() -> None:
    bursts = np.concatenate([d * DAY + np.arange(0, 600_000, 1_000) for d in range(7)])
    segments = time_segments(bursts)
    assert segments == [(d * DAY, d * DAY + 599_000) for d in range(7)]


def test_huge_gaps_keep_the_longest_breaks_only() -> None:
    epoch, far = 0, int(datetime(2199, 1, 1, tzinfo=UTC).timestamp() * 1000)
    assert time_segments([epoch, epoch + 1, far]) == [(0, 1), (far, far)]
    bursts = [i * 10 * DAY + (i % 4) * DAY for i in range(12)]  # 11 long gaps
    segments = time_segments(bursts)
    assert len(segments) == MAX_SEGMENTS
    kept = sorted(b[0] - a[1] for a, b in itertools.pairwise(segments))
    assert kept == sorted(np.diff(bursts).tolist())[-(MAX_SEGMENTS - 1) :]


def test_timezone_aware_times_segment_as_their_utc_instants() -> None:
    plus2, minus5 = timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))
    utc = [datetime(2024, 1, 1, 12, tzinfo=UTC), datetime(2024, 1, 9, 12, tzinfo=UTC)]
    local = [utc[0].astimezone(plus2), utc[1].astimezone(minus5)]
    naive = [t.replace(tzinfo=None) for t in utc]
    series = pd.Series(pd.to_datetime(utc)).dt.tz_convert("Asia/Tokyo")
    expected = epoch_ms(utc)
    for same in (local, naive, series.to_numpy(), series.dt.tz_convert(None).to_numpy()):
        assert epoch_ms(same).tolist() == expected.tolist()
    assert time_segments(epoch_ms(local)) == time_segments(expected)
    assert epoch_ms([None, pd.NaT, float("nan"), *utc]).tolist() == expected.tolist()


def test_an_unbroken_axis_is_milliseconds_as_bokeh_datetime_axes_plot() -> None:
    axis = BrokenAxis.of([0, 1_000, 2_000])
    assert not axis.broken
    joined = BrokenAxis.of([0, 1_000, 90 * DAY], breaks=False)
    assert joined.segments == ((0, 90 * DAY),)
    assert axis.x([0, 1_500]).tolist() == [0.0, 1_500.0]


@given(st.lists(st.integers(min_value=0, max_value=10**13), min_size=1, max_size=60))
def test_segments_cover_every_time_in_order_and_positions_keep_order(times: list[int]) -> None:
    segments = time_segments(times)
    assert 1 <= len(segments) <= MAX_SEGMENTS
    assert all(s <= e for s, e in segments)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(segments))
    assert all(any(s <= t <= e for s, e in segments) for t in times)
    axis = BrokenAxis(tuple(segments))
    ordered = np.sort(np.asarray(times))
    x = axis.x(ordered)
    assert np.all(np.diff(x) >= 0)
    low, high = axis.x_range()
    assert np.all((x >= low) & (x <= high))


def test_the_bokeh_report_timeline_marks_each_break() -> None:
    pytest.importorskip("bokeh", reason="bokeh comes with the notebook extra")
    events = sample_events_frame()  # real OTRF events: 2020 and 2023 captures
    data = timeline_data(
        events,
        time_column="TimeCreated",
        host_column="Hostname",
        findings=pd.DataFrame(),
        max_markers=0,
    )
    assert data is not None
    breaks = len(data["segments"]) - 1
    assert breaks >= 1
    head, body = timeline_html(data, engine="bokeh")
    assert "Bokeh" in head
    # one hatched break per gap, labelled with its quiet time (box zoom adds one more box)
    assert body.count('"hatch_pattern":"/"') == breaks
    assert len(re.findall(r'"text":"\d+ (?:days|h|min) quiet"', body)) == breaks
    assert "CustomJSTickFormatter" in body


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_report_timeline_times_are_milliseconds_whatever_the_frame_resolution(unit: str) -> None:
    events = sample_events_frame()
    times = pd.to_datetime(events["TimeCreated"], utc=True, format="mixed").dt.as_unit(unit)
    data = timeline_data(
        events.assign(TimeCreated=times),
        time_column="TimeCreated",
        host_column=None,
        findings=pd.DataFrame(),
        max_markers=0,
    )
    assert data is not None
    first = datetime.fromtimestamp(data["segments"][0][0] / 1000, tz=UTC)
    assert first.replace(microsecond=0) == times.min().floor("s").to_pydatetime()
