"""LogAnalyticsClient units with respx: request shape, validation, error mapping."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
import respx

from asisdk._http import RetryPolicy
from asisdk.entities import TimeSpan
from asisdk.errors import (
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    LimitExceededError,
    QuerySyntaxError,
)
from asisdk.loganalytics import LogAnalyticsClient, QueryStatus, StaticTokenCredential
from asisdk.loganalytics._client import parse_response, timespan_text

WS = "0b1a7c6e-0000-4000-8000-000000000000"
URL = f"https://api.loganalytics.io/v1/workspaces/{WS}/query"
OK = {
    "tables": [
        {"name": "PrimaryResult", "columns": [{"name": "n", "type": "long"}], "rows": [[1], [2]]}
    ]
}


def client(**kwargs: object) -> LogAnalyticsClient:
    options: dict[str, object] = {
        "credential": StaticTokenCredential("tok-123"),
        "retry": RetryPolicy(instant=True, max_attempts=2),
    }
    options.update(kwargs)
    return LogAnalyticsClient(WS, **options)  # type: ignore[arg-type]


@respx.mock
async def test_request_body_and_headers() -> None:
    route = respx.post(URL).respond(200, json=OK)
    span = TimeSpan(start="2024-05-01T00:00:00Z", end="2024-05-01T06:00:00Z")
    async with client(server_timeout=600) as la:
        result = await la.query("T | take 2", timespan=span, additional_workspaces=["other-ws"])
    request = route.calls.last.request
    assert json.loads(request.content) == {
        "query": "T | take 2",
        "timespan": "2024-05-01T00:00:00.0000000Z/2024-05-01T06:00:00.0000000Z",
        "workspaces": ["other-ws"],
    }
    assert request.headers["authorization"] == "Bearer tok-123"
    assert request.headers["prefer"] == "wait=600"
    assert result.to_frame()["n"].tolist() == [1, 2]
    assert "tok-123" not in repr(la)


@respx.mock
async def test_timespan_forms() -> None:
    route = respx.post(URL).respond(200, json=OK)
    async with client() as la:
        await la.query("T", timespan=("2024-05-01", "2024-05-02"))
        assert json.loads(route.calls.last.request.content)["timespan"].startswith(
            "2024-05-01T00:00:00.0000000Z/2024-05-02T00:00:00"
        )
        await la.query("T", timespan=dt.timedelta(hours=1))
        first, second = json.loads(route.calls.last.request.content)["timespan"].split("/")
        assert dt.datetime.fromisoformat(second) - dt.datetime.fromisoformat(first) == (
            dt.timedelta(hours=1)
        )
        await la.query("T", timespan=None)
        assert "timespan" not in json.loads(route.calls.last.request.content)


@respx.mock
async def test_403_is_authentication_error_with_inner_message() -> None:
    respx.post(URL).respond(
        403,
        json={
            "error": {
                "code": "InsufficientAccessError",
                "message": "no access",
                "correlationId": "c-9",
            }
        },
    )
    async with client() as la:
        with pytest.raises(AuthenticationError, match="no access") as caught:
            await la.query("T", timespan=None)
    assert caught.value.service_code == "InsufficientAccessError"
    assert "c-9" in str(caught.value)


@respx.mock
async def test_semantic_error_is_query_syntax_error() -> None:
    respx.post(URL).respond(
        400,
        json={
            "error": {
                "code": "BadArgumentError",
                "message": "The request had some invalid properties",
                "innererror": {
                    "code": "SemanticError",
                    "message": "A semantic error occurred.",
                    "innererror": {
                        "code": "SEM0100",
                        "message": "Failed to resolve table expression named 'NoSuchTable'",
                    },
                },
            }
        },
    )
    async with client() as la:
        with pytest.raises(QuerySyntaxError, match="NoSuchTable") as caught:
            await la.query("NoSuchTable", timespan=None)
    assert caught.value.details == (
        "The request had some invalid properties",
        "A semantic error occurred.",
        "Failed to resolve table expression named 'NoSuchTable'",
    )


@respx.mock
async def test_500_then_success_is_retried() -> None:
    route = respx.post(URL)
    route.side_effect = [
        httpx.Response(500, json={"error": {"code": "X", "message": "x"}}),
        httpx.Response(200, json=OK),
    ]
    async with client() as la:
        result = await la.query("T", timespan=None)
    assert result.status is QueryStatus.SUCCESS
    assert route.call_count == 2


def test_configuration_is_checked() -> None:
    credential = StaticTokenCredential("t")
    with pytest.raises(ConfigurationError, match="workspace_id"):
        LogAnalyticsClient("../../etc", credential=credential)
    with pytest.raises(ConfigurationError, match="server_timeout"):
        LogAnalyticsClient(WS, credential=credential, server_timeout=601)
    with pytest.raises(ConfigurationError, match="max_concurrency"):
        LogAnalyticsClient(WS, credential=credential, max_concurrency=0)
    with pytest.raises(ConfigurationError, match="https"):
        LogAnalyticsClient(WS, credential=credential, base_url="http://api.example")


async def test_split_arguments_are_checked() -> None:
    span = TimeSpan(start="2024-01-01", end="2024-12-31")
    async with client() as la:
        with pytest.raises(InvalidInputError, match="needs a timespan"):
            await la.query("T", timespan=None, split_by=dt.timedelta(hours=1))
        with pytest.raises(InvalidInputError, match="positive"):
            await la.query("T", timespan=span, split_by=dt.timedelta(0))
        with pytest.raises(LimitExceededError, match="chunks"):
            await la.query("T", timespan=span, split_by=dt.timedelta(minutes=1))
        with pytest.raises(InvalidInputError, match="empty"):
            await la.query("  ", timespan=span)
        with pytest.raises(LimitExceededError):
            await la.query("T", timespan=span, additional_workspaces=["w"] * 101)


@respx.mock
async def test_range_shorter_than_one_chunk_is_one_chunk() -> None:
    route = respx.post(URL).respond(200, json=OK)
    span = TimeSpan(start="2024-05-01T00:00:00Z", end="2024-05-01T01:00:00Z")
    async with client() as la:
        result = await la.query("T", timespan=span, split_by=dt.timedelta(hours=6))
    assert len(result.chunks) == 1
    assert route.call_count == 1
    # the only (last) chunk keeps its end inclusive
    assert json.loads(route.calls.last.request.content)["timespan"].endswith("01:00:00.0000000Z")


def test_timespan_text_exclusive_end_is_one_tick_earlier() -> None:
    span = TimeSpan(start="2024-05-01T00:00:00.5Z", end="2024-05-01T06:00:00Z")
    assert timespan_text(span, exclusive_end=True) == (
        "2024-05-01T00:00:00.5000000Z/2024-05-01T05:59:59.9999999Z"
    )


def test_parse_response_statuses() -> None:
    assert parse_response(OK).status is QueryStatus.SUCCESS
    failure = parse_response({"error": {"code": "SomeError", "message": "no tables"}})
    assert failure.status is QueryStatus.FAILURE
    assert failure.to_frame().empty
    big = {
        "tables": [
            {
                "name": "PrimaryResult",
                "columns": [{"name": "n", "type": "int"}],
                "rows": [[1]] * 500_000,
            }
        ]
    }
    truncated = parse_response(big)
    assert truncated.status is QueryStatus.PARTIAL
    assert "500,000-row" in truncated.hints[0]
