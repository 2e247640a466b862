"""TimeSpan and merging query parameters from several providers."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from asisdk.entities import Alert, Host, IpAddress, TimeSpan, merge_query_params
from asisdk.errors import InvalidInputError


def test_timespan_parses_and_orders() -> None:
    span = TimeSpan(start="2024-05-01T00:00:00Z", end=datetime(2024, 5, 1, 6))
    assert span.start.tzinfo is UTC
    assert span.end.tzinfo is UTC
    assert span.duration == timedelta(hours=6)
    assert "2024-05-01T03:00:00Z" in span
    assert "2024-05-02" not in span
    with pytest.raises(InvalidInputError, match="before it starts"):
        TimeSpan(start="2024-05-02", end="2024-05-01")
    with pytest.raises(InvalidInputError):
        TimeSpan(start="yesterday-ish", end="2024-05-01")


def test_last_and_around() -> None:
    end = datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert TimeSpan.last(hours=24, end=end) == TimeSpan(start=end - timedelta(days=1), end=end)
    assert TimeSpan.around(
        end, before=timedelta(minutes=10), after=timedelta(minutes=5)
    ) == TimeSpan(start=end - timedelta(minutes=10), end=end + timedelta(minutes=5))
    live = TimeSpan.last(minutes=5)
    assert live.duration == timedelta(minutes=5)
    with pytest.raises(InvalidInputError, match="positive"):
        TimeSpan.last()


def test_coerce_accepts_the_documented_forms() -> None:
    span = TimeSpan(start="2024-01-01", end="2024-01-02")
    assert TimeSpan.coerce(span) is span
    assert TimeSpan.coerce(("2024-01-01", "2024-01-02")) == span
    assert TimeSpan.coerce(timedelta(hours=1)).duration == timedelta(hours=1)
    with pytest.raises(InvalidInputError):
        TimeSpan.coerce("2024")  # type: ignore[arg-type]


def test_split_covers_the_range_without_gaps() -> None:
    span = TimeSpan(start="2024-01-01T00:00Z", end="2024-01-01T15:00Z")
    chunks = span.split(timedelta(hours=6))
    assert [c.duration for c in chunks] == [
        timedelta(hours=6),
        timedelta(hours=6),
        timedelta(hours=3),
    ]
    assert chunks[0].start == span.start
    assert chunks[-1].end == span.end
    assert all(a.end == b.start for a, b in itertools.pairwise(chunks))
    short = TimeSpan(start="2024-01-01T00:00Z", end="2024-01-01T01:00Z")
    assert short.split(timedelta(hours=6)) == [short]
    assert span.to_iso8601() == "2024-01-01T00:00:00.000000Z/2024-01-01T15:00:00.000000Z"


def _alert() -> Alert:
    return Alert.from_sentinel(
        {
            "SystemAlertId": "a-1",
            "StartTime": "2024-03-01T10:00:00Z",
            "EndTime": "2024-03-01T11:00:00Z",
            "Entities": [{"$id": "1", "Type": "host", "HostName": "web01"}],
        }
    )


@pytest.mark.parametrize("order", ["span_first", "alert_first"])
def test_both_provider_orders_keep_every_parameter(order: str) -> None:
    """msticpy regression: (query_times, alert) lost host_name; (alert, query_times) ignored
    the later provider's times."""
    span = TimeSpan(start="2024-01-01", end="2024-01-02")
    alert = _alert()
    providers = (span, alert) if order == "span_first" else (alert, span)
    params = merge_query_params(*providers)
    assert params["host_name"] == "web01"
    assert params["system_alert_id"] == "a-1"
    later = providers[-1].query_params()
    assert params["start"] == later["start"]
    assert params["end"] == later["end"]


def test_keywords_win_and_none_never_overrides() -> None:
    params = merge_query_params(
        Host(host_name="a"),
        {"host_name": None, "extra": 1},
        IpAddress(address="10.0.0.1"),
        host_name="b",
    )
    assert params == {"host_name": "b", "extra": 1, "ip_address": "10.0.0.1"}


def test_a_non_provider_is_a_clear_error() -> None:
    with pytest.raises(InvalidInputError, match="does not provide query parameters"):
        merge_query_params(42)  # type: ignore[arg-type]
    assert merge_query_params(None) == {}
