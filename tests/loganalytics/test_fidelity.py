"""Log Analytics fidelity (issue 15): what the service says is kept, on real-shape answers."""

from __future__ import annotations

import pytest
import respx

from asisdk._http import RetryPolicy
from asisdk.errors import QueryTimeoutError
from asisdk.loganalytics import LogAnalyticsClient, StaticTokenCredential

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
