"""Log Analytics fidelity (issue 15): what the service says is kept, on real-shape answers."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
import respx

from asisdk._http import RetryPolicy
from asisdk.entities import TimeSpan
from asisdk.errors import QueryTimeoutError
from asisdk.loganalytics import LogAnalyticsClient, StaticTokenCredential
from asisdk.loganalytics._client import parse_response

WS = "0b1a7c6e-0000-4000-8000-000000000000"
URL = f"https://api.loganalytics.io/v1/workspaces/{WS}/query"


def client() -> LogAnalyticsClient:
    return LogAnalyticsClient(
        WS,
        credential=StaticTokenCredential("tok-123"),
        retry=RetryPolicy(instant=True, max_attempts=2),
    )


@respx.mock
async def test_504_keeps_correlation_id_and_inner_message() -> None:
    route = respx.post(URL).respond(
        504,
        json={
            "error": {
                "code": "GatewayTimeout",
                "message": "The gateway did not receive a response within the specified time.",
                "correlationId": "7d3e1f00-1111-4222-8333-444455556666",
                "innererror": {
                    "code": "QueryTimeout",
                    "message": "Query execution has exceeded the allowed limits (80DA0003)",
                },
            }
        },
    )
    async with client() as la:
        with pytest.raises(QueryTimeoutError) as caught:
            await la.query("T", timespan=None)
    text = str(caught.value)
    assert "7d3e1f00-1111-4222-8333-444455556666" in text
    assert "Query execution has exceeded the allowed limits (80DA0003)" in text
    assert "split_by" in text
    assert route.call_count == 1


@respx.mock
async def test_504_without_a_json_body_still_explains() -> None:
    respx.post(URL).respond(504, text="<html>Gateway Timeout</html>")
    async with client() as la:
        with pytest.raises(QueryTimeoutError, match="server timeout") as caught:
            await la.query("T", timespan=None)
    assert "correlationId" not in str(caught.value)


def partial(severity: int, severity_name: str, message: str) -> dict[str, object]:
    return {
        "tables": [
            {
                "name": "PrimaryResult",
                "columns": [{"name": "TimeGenerated", "type": "datetime"}],
                "rows": [["2024-05-01T10:15:30Z"]],
            }
        ],
        "error": {
            "code": "PartialError",
            "message": "There were some errors when processing your query.",
            "details": [
                {
                    "code": "EngineError",
                    "message": "Something went wrong processing your query on the server.",
                    "innererror": {
                        "code": "-2133196797",
                        "message": message,
                        "severity": severity,
                        "severityName": severity_name,
                    },
                }
            ],
        },
    }


@respx.mock
async def test_partial_error_keeps_its_severity() -> None:
    route = respx.post(URL)
    route.side_effect = [
        httpx.Response(
            200,
            json=partial(
                2,
                "Error",
                "Query result set has exceeded the internal data size limit 64000000 "
                "(E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)",
            ),
        ),
        httpx.Response(
            200, json=partial(3, "Warning", "Failed to resolve scalar expression named 'x'")
        ),
    ]
    async with client() as la:
        error_result = await la.query("T", timespan=None)
        warning_result = await la.query("T", timespan=None)
    assert error_result.status == "partial"
    assert warning_result.status == "partial"
    assert error_result.error is not None
    assert warning_result.error is not None
    assert (error_result.error.severity, error_result.error.severity_name) == (2, "Error")
    assert not error_result.error.is_warning
    assert (warning_result.error.severity, warning_result.error.severity_name) == (3, "Warning")
    assert warning_result.error.is_warning


def test_most_severe_detail_wins_and_absent_severity_is_none() -> None:
    body = partial(3, "Warning", "w")
    error = body["error"]
    assert isinstance(error, dict)
    error["details"].append(
        {
            "code": "EngineError",
            "message": "e",
            "innererror": {"code": "E", "message": "x", "severity": 2, "severityName": "Error"},
        }
    )
    info = parse_response(body).error
    assert info is not None
    assert (info.severity, info.severity_name, info.is_warning) == (2, "Error", False)
    bare = parse_response({"tables": [], "error": {"code": "PartialError", "message": "m"}})
    assert bare.error is not None
    assert (bare.error.severity, bare.error.severity_name, bare.error.is_warning) == (
        None,
        None,
        False,
    )


RENDERED = {
    "tables": [
        {
            "name": "PrimaryResult",
            "columns": [
                {"name": "TimeGenerated", "type": "datetime"},
                {"name": "count_", "type": "long"},
            ],
            "rows": [["2024-05-01T10:00:00Z", 3], ["2024-05-01T11:00:00Z", 5]],
        }
    ],
    "statistics": {"query": {"executionTime": 0.0312}},
    "render": {"visualization": "timechart", "title": "Logons"},
}


@respx.mock
async def test_include_render_asks_for_and_keeps_render() -> None:
    route = respx.post(URL).respond(200, json=RENDERED)
    async with client() as la:
        result = await la.query(
            "T | summarize count() by bin(TimeGenerated, 1h) | render timechart",
            timespan=None,
            include_statistics=True,
            include_render=True,
        )
        assert route.calls.last.request.headers["prefer"] == (
            "wait=180,include-statistics=true,include-render=true"
        )
        assert result.render == {"visualization": "timechart", "title": "Logons"}
        await la.query("T", timespan=None)
        assert "include-render" not in route.calls.last.request.headers["prefer"]


@respx.mock
async def test_split_query_keeps_render() -> None:
    route = respx.post(URL).respond(200, json=RENDERED)
    span = TimeSpan(start="2024-05-01T00:00:00Z", end="2024-05-01T04:00:00Z")
    async with client() as la:
        result = await la.query(
            "T | render timechart",
            timespan=span,
            split_by=dt.timedelta(hours=2),
            include_render=True,
        )
    assert route.call_count == 2
    assert all("include-render=true" in c.request.headers["prefer"] for c in route.calls)
    assert result.render == {"visualization": "timechart", "title": "Logons"}
    assert result.row_count == 4
