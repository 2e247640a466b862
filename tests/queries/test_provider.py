"""QueryProvider against Log Analytics (respx) and the local sample source."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import respx

from asisdk._http import RetryPolicy
from asisdk.data import sample_alerts, sample_events_frame
from asisdk.entities import TimeSpan
from asisdk.errors import QueryError, QueryParameterError
from asisdk.local import LocalDataSource
from asisdk.loganalytics import LogAnalyticsClient, QueryStatus, StaticTokenCredential
from asisdk.queries import QueryProvider

WS = "0b1a7c6e-0000-4000-8000-000000000000"
URL = f"https://api.loganalytics.io/v1/workspaces/{WS}/query"
OK = {
    "tables": [
        {
            "name": "PrimaryResult",
            "columns": [{"name": "Computer", "type": "string"}],
            "rows": [["WORKSTATION5.theshire.local"]],
        }
    ]
}
SPAN = TimeSpan(start="2020-09-04T00:00:00Z", end="2020-09-05T00:00:00Z")


def la() -> LogAnalyticsClient:
    return LogAnalyticsClient(
        WS, credential=StaticTokenCredential("t"), retry=RetryPolicy(instant=True)
    )


@respx.mock
async def test_run_sends_the_rendered_query_and_its_time_range() -> None:
    route = respx.post(URL).respond(200, json=OK)
    alert = sample_alerts()[0]
    async with la() as client:
        qp = QueryProvider(client)
        result = await qp.run("WindowsSecurity.list_host_logons", SPAN, alert)
        attr_result = await qp.WindowsSecurity.list_host_logons(alert, SPAN)
    assert result.status is QueryStatus.SUCCESS
    assert attr_result.row_count == 1
    first, second = (json.loads(c.request.content) for c in route.calls)
    assert 'Computer =~ "WORKSTATION5.theshire.local"' in first["query"]
    assert first["timespan"] == alert_span_text(alert)  # the alert came last: its window
    assert second["timespan"] == "2020-09-04T00:00:00.0000000Z/2020-09-05T00:00:00.0000000Z"


def alert_span_text(alert: object) -> str:
    start, end = alert.time_window  # type: ignore[attr-defined]
    fmt = "%Y-%m-%dT%H:%M:%S.%f"
    return f"{start.strftime(fmt)}0Z/{end.strftime(fmt)}0Z"


@respx.mock
async def test_split_by_reaches_the_client() -> None:
    route = respx.post(URL).respond(200, json=OK)
    async with la() as client:
        result = await QueryProvider(client).run(
            "SecurityAlert.list_alerts", SPAN, split_by=dt.timedelta(hours=6)
        )
    assert route.call_count == 4
    assert len(result.chunks) == 4


async def test_attribute_access_and_listing() -> None:
    qp = QueryProvider(LocalDataSource.sample())
    assert "WindowsSecurity" in dir(qp)
    assert "list_host_logons" in dir(qp.WindowsSecurity)
    assert qp.WindowsSecurity.list_host_logons.__doc__.startswith(
        "WindowsSecurity.list_host_logons"
    )
    with pytest.raises(AttributeError, match="no query family"):
        _ = qp.Nope
    with pytest.raises(AttributeError, match=r"no query WindowsSecurity\.nope"):
        _ = qp.WindowsSecurity.nope
    # the local sample serves only what it maps
    assert "LinuxSyslog.list_host_events" not in qp.list_queries()
    assert "WindowsSecurity.list_host_processes" in qp.list_queries()
    azure = QueryProvider(la()).list_queries("Azure")
    assert {"Azure.list_aad_signins_for_account", "Azure.list_aad_signins_for_ip"} <= set(azure)
    assert azure == sorted(azure)
    assert all(name.startswith("Azure.") for name in azure)


async def test_local_sample_answers_with_alert_and_timespan_in_both_orders() -> None:
    qp = QueryProvider(LocalDataSource.sample())
    alert = sample_alerts()[0]  # WORKSTATION5.theshire.local
    wide = TimeSpan(start="2020-09-04T20:00:00Z", end="2020-09-04T21:00:00Z")
    one = await qp.WindowsSecurity.list_host_processes(wide, alert)  # alert's window wins
    two = await qp.WindowsSecurity.list_host_processes(alert, wide)  # the wide window wins
    frame_one, frame_two = one.to_frame(), two.to_frame()
    assert (
        set(frame_one["Hostname"]) == set(frame_two["Hostname"]) == {"WORKSTATION5.theshire.local"}
    )
    events = sample_events_frame()
    expected = events[
        (events["Hostname"] == "WORKSTATION5.theshire.local")
        & events["EventID"].isin([1, 4688])
        & events["TimeCreated"].between(wide.start, wide.end)
    ]
    assert 0 < len(frame_one) < len(frame_two) == len(expected)
    assert set(frame_two["EventID"]) == {"1", "4688"}
    start, end = alert.time_window
    assert frame_one["TimeCreated"].between(start, end).all()


async def test_unmapped_query_and_unknown_keyword_on_local() -> None:
    qp = QueryProvider(LocalDataSource.sample())
    with pytest.raises(QueryError, match=r"no data mapped for LinuxSyslog\.list_host_events"):
        await qp.run("LinuxSyslog.list_host_events", SPAN, host_name="h")
    with pytest.raises(QueryParameterError, match="hostnam"):
        await qp.run("WindowsSecurity.list_host_logons", SPAN, hostnam="h")


def test_source_type_is_checked() -> None:
    with pytest.raises(TypeError, match="LogAnalyticsClient"):
        QueryProvider(object())  # type: ignore[arg-type]
