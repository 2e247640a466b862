"""The request deadline never cuts a query the service may still be running (issue 22)."""

from __future__ import annotations

from asisdk import RequestLimits
from asisdk.loganalytics import LogAnalyticsClient
from asisdk.loganalytics.auth import StaticTokenCredential

WS = "00000000-0000-0000-0000-000000000001"


def _deadline(client: LogAnalyticsClient) -> float | None:
    return client._api.limits.request_deadline


def test_the_deadline_follows_server_timeout() -> None:
    credential = StaticTokenCredential("tok")
    default = LogAnalyticsClient(WS, credential=credential)
    assert _deadline(default) == 300.0  # 180 s queries fit in the default five minutes
    long = LogAnalyticsClient(WS, credential=credential, server_timeout=600)
    assert _deadline(long) == 630.0
    assert _deadline(default.with_options(server_timeout=600)) == 630.0
    mine = LogAnalyticsClient(
        WS, credential=credential, limits=RequestLimits(request_deadline=900.0)
    )
    assert _deadline(mine) == 900.0  # a longer deadline of the caller's is kept
    unbounded = LogAnalyticsClient(
        WS, credential=credential, limits=RequestLimits(request_deadline=None)
    )
    assert _deadline(unbounded) is None
