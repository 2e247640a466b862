"""End to end: msal credentials against a TLS token endpoint, queries against a fake service.

Both servers run on 127.0.0.1 in the test's event loop; msal runs in worker threads.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from pathlib import Path

import httpx
import pandas as pd
import pytest

from _support.loopback import LoopbackServer
from asisdk._http import RetryPolicy
from asisdk.entities import TimeSpan
from asisdk.errors import (
    AuthenticationError,
    QuerySyntaxError,
    QueryTimeoutError,
    RateLimitedError,
    RequestTimeoutError,
)
from asisdk.loganalytics import (
    CertificateCredential,
    ClientSecretCredential,
    DeviceCodeCredential,
    LogAnalyticsClient,
    QueryStatus,
    StaticTokenCredential,
)
from loganalytics.fake_service import (
    TOKEN,
    WORKSPACE,
    LogAnalyticsApp,
    TokenApp,
    entra_endpoint,
    timespans_cover,
)

DAY = TimeSpan(start="2024-05-01T00:00:00Z", end="2024-05-02T00:00:00Z")


def make_client(server: LoopbackServer, **kwargs: object) -> LogAnalyticsClient:
    options: dict[str, object] = {
        "credential": StaticTokenCredential(TOKEN),
        "base_url": server.base_url,
        "retry": RetryPolicy(instant=True, max_attempts=3),
    }
    options.update(kwargs)
    return LogAnalyticsClient(WORKSPACE, **options)  # type: ignore[arg-type]


async def test_query_returns_typed_frame() -> None:
    app = LogAnalyticsApp()
    async with LoopbackServer(app) as server, make_client(server) as client:
        result = await client.query("Events", timespan=DAY, include_statistics=True)
    assert result.status is QueryStatus.SUCCESS
    frame = result.to_frame()
    assert len(frame) == 49  # every 30 minutes, both ends inclusive
    assert {c: str(t) for c, t in frame.dtypes.items()} == {
        "TimeGenerated": "datetime64[ns, UTC]",
        "Computer": "string",
        "EventID": "Int64",
        "Bytes": "Int64",
        "Score": "float64",
        "IsAdmin": "boolean",
        "SessionId": "string",
        "Duration": "timedelta64[ns]",
        "Props": "object",
        "Seq": "Int64",
    }
    assert frame["Bytes"].isna().sum() == 10  # seq % 5 == 0
    assert frame.loc[1, "Duration"] == pd.Timedelta(days=1, minutes=1, seconds=0.5)
    assert frame.loc[3, "Props"] == {"seq": 3, "ports": [80, 443]}
    assert result.statistics == {"query": {"executionTime": 0.01}}
    assert app.prefers[-1] == "wait=180,include-statistics=true"


async def test_split_query_has_no_duplicate_at_boundaries_and_keeps_order() -> None:
    app = LogAnalyticsApp()
    async with (
        LoopbackServer(app, latency=0.02) as server,
        make_client(server, max_concurrency=3) as client,
    ):
        result = await client.query("Events", timespan=DAY, split_by=dt.timedelta(hours=5))
        max_in_flight = server.stats.max_in_flight
    assert result.status is QueryStatus.SUCCESS
    assert [c.index for c in result.chunks] == [0, 1, 2, 3, 4]
    assert result.chunks[-1].timespan.duration == dt.timedelta(hours=4)
    frame = result.to_frame()
    # 49 events, each exactly once although several sit exactly on chunk boundaries
    assert frame["Seq"].tolist() == list(range(49))
    assert 2 <= max_in_flight <= 3
    covered = timespans_cover(app.timespans)
    assert covered[0][0] == pd.Timestamp("2024-05-01T00:00:00Z")
    assert covered[-1][1] == pd.Timestamp("2024-05-02T00:00:00Z")
    for (_, end), (start, _) in itertools.pairwise(covered):
        assert start - end == pd.Timedelta(100, unit="ns")


async def test_failed_chunk_is_named_and_other_rows_kept() -> None:
    app = LogAnalyticsApp(fail_at=dt.datetime(2024, 5, 1, 7, tzinfo=dt.UTC))
    async with LoopbackServer(app) as server, make_client(server) as client:
        result = await client.query("Events", timespan=DAY, split_by=dt.timedelta(hours=6))
    assert result.status is QueryStatus.PARTIAL
    assert [c.index for c in result.failed_chunks] == [1]
    failed = result.failed_chunks[0]
    assert failed.timespan.start == dt.datetime(2024, 5, 1, 6, tzinfo=dt.UTC)
    assert "ServerError" in failed.error.code or "InternalServerError" in failed.error.code
    assert "#1 2024-05-01T06:00:00+00:00" in result.error.message
    seqs = result.to_frame()["Seq"].tolist()
    assert seqs == [s for s in range(49) if not 12 <= s < 24]
    # the failing chunk was retried (3 attempts), the others asked once
    assert len(app.timespans) == 3 + 3


async def test_all_chunks_failing_is_a_failure_result() -> None:
    app = LogAnalyticsApp(fail_at=dt.datetime(2024, 5, 1, 7, tzinfo=dt.UTC))
    span = TimeSpan(start="2024-05-01T06:00:00Z", end="2024-05-01T08:00:00Z")
    async with LoopbackServer(app) as server, make_client(server) as client:
        result = await client.query("Events", timespan=span, split_by=dt.timedelta(hours=6))
    assert result.status is QueryStatus.FAILURE
    assert result.to_frame().empty
    assert len(result.chunks) == 1


async def test_partial_error_keeps_rows() -> None:
    async with LoopbackServer(LogAnalyticsApp()) as server, make_client(server) as client:
        result = await client.query("Events PartialPlease", timespan=DAY)
    assert result.status is QueryStatus.PARTIAL
    assert result.row_count == 49
    assert result.error.code == "PartialError"
    assert result.error.message == "Failed to resolve scalar expression named 'x'"
    assert result.hints == ()


async def test_truncation_is_partial_with_a_hint() -> None:
    async with LoopbackServer(LogAnalyticsApp()) as server, make_client(server) as client:
        result = await client.query("Events TooLarge", timespan=DAY)
    assert result.status is QueryStatus.PARTIAL
    assert "split_by" in result.hints[0]


async def test_bad_query_raises_syntax_error_with_inner_messages() -> None:
    app = LogAnalyticsApp()
    async with LoopbackServer(app) as server, make_client(server) as client:
        with pytest.raises(QuerySyntaxError) as caught:
            await client.query("BadSyntax |", timespan=DAY)
    assert "Query could not be parsed at 'BadSyntax'" in str(caught.value)
    assert "corr-1" in str(caught.value)
    assert caught.value.details[1] == "A recognition error occurred in the query."
    assert len(app.queries) == 1  # never retried


async def test_split_query_with_bad_syntax_raises_once_not_per_chunk() -> None:
    async with LoopbackServer(LogAnalyticsApp()) as server, make_client(server) as client:
        with pytest.raises(QuerySyntaxError):
            await client.query("BadSyntax", timespan=DAY, split_by=dt.timedelta(hours=6))


async def test_server_timeout_raises_query_timeout_suggesting_split() -> None:
    app = LogAnalyticsApp()
    async with LoopbackServer(app) as server, make_client(server) as client:
        with pytest.raises(QueryTimeoutError, match="split_by"):
            await client.query("ServerTimeout", timespan=DAY)
    assert len(app.queries) == 1


async def test_429_with_retry_after_is_retried_and_waited_for() -> None:
    app = LogAnalyticsApp()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    path = f"/v1/workspaces/{WORKSPACE}/query"
    async with LoopbackServer(app, faults={path: ["retry-after:7", "503"]}) as server:
        client = make_client(server, retry=RetryPolicy(max_attempts=3, jitter=False), sleep=sleep)
        async with client:
            result = await client.query("Events", timespan=DAY)
    assert result.status is QueryStatus.SUCCESS
    assert waits[0] == 7.0
    assert len(waits) == 2
    assert server.stats.requests == 3


async def test_429_exhausting_retries_raises_rate_limited() -> None:
    path = f"/v1/workspaces/{WORKSPACE}/query"
    server = LoopbackServer(LogAnalyticsApp(), faults={path: ["429"] * 3})
    async with server, make_client(server) as client:
        with pytest.raises(RateLimitedError):
            await client.query("Events", timespan=DAY)


async def test_slow_response_times_out_as_transport_error() -> None:
    path = f"/v1/workspaces/{WORKSPACE}/query"
    server = LoopbackServer(LogAnalyticsApp(), faults={path: ["slow:1.0"]})
    async with server, httpx.AsyncClient(timeout=0.2) as http:
        client = make_client(server, http_client=http, retry=RetryPolicy.disabled())
        with pytest.raises(RequestTimeoutError):
            await client.query("Events", timespan=DAY)


async def test_slow_chunk_fails_alone_when_it_times_out() -> None:
    path = f"/v1/workspaces/{WORKSPACE}/query"
    server = LoopbackServer(LogAnalyticsApp(), faults={path: ["slow:1.0"]})
    async with server, httpx.AsyncClient(timeout=0.3) as http:
        client = make_client(
            server, http_client=http, retry=RetryPolicy.disabled(), max_concurrency=1
        )
        result = await client.query("Events", timespan=DAY, split_by=dt.timedelta(hours=12))
    assert result.status is QueryStatus.PARTIAL
    assert [c.index for c in result.failed_chunks] == [0]
    assert result.failed_chunks[0].error.code == "RequestTimeoutError"


async def test_wrong_token_is_authentication_error() -> None:
    server = LoopbackServer(LogAnalyticsApp())
    async with server, make_client(server, credential=StaticTokenCredential("wrong")) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.query("Events", timespan=DAY)
    assert caught.value.status_code == 401
    assert "wrong" not in str(caught.value)


# -- msal credentials end to end ---------------------------------------------------------


async def test_client_secret_credential_end_to_end(
    tls_material: tuple[bytes, bytes], tmp_path: Path
) -> None:
    tokens = TokenApp()
    async with entra_endpoint(tokens, tls_material, tmp_path) as (authority, msal_http):
        credential = ClientSecretCredential(
            "contoso.onmicrosoft.com",
            "app-id",
            tokens.client_secret,
            authority_host=authority,
            http_client=msal_http,
        )
        server = LoopbackServer(LogAnalyticsApp())
        async with server, make_client(server, credential=credential) as client:
            results = await asyncio.gather(
                *(client.query("Events", timespan=DAY) for _ in range(6))
            )
    assert all(r.status is QueryStatus.SUCCESS for r in results)
    assert tokens.token_requests == 1  # six concurrent queries shared one token request
    assert credential.acquire_count == 1
    grant = tokens.grants[0]
    assert grant["grant_type"] == "client_credentials"
    assert grant["scope"] == "https://api.loganalytics.io/.default"
    assert tokens.client_secret not in repr(credential)


async def test_wrong_secret_raises_authentication_error_without_the_secret(
    tls_material: tuple[bytes, bytes], tmp_path: Path
) -> None:
    tokens = TokenApp()
    async with entra_endpoint(tokens, tls_material, tmp_path) as (authority, msal_http):
        credential = ClientSecretCredential(
            "contoso.onmicrosoft.com",
            "app-id",
            "not-the-secret",
            authority_host=authority,
            http_client=msal_http,
        )
        with pytest.raises(AuthenticationError) as caught:
            await credential.get_token()
    assert caught.value.service_code == "invalid_client"
    assert "AADSTS7000215" in str(caught.value)
    assert "not-the-secret" not in str(caught.value)


async def test_certificate_credential_sends_a_signed_assertion(
    tls_material: tuple[bytes, bytes], tmp_path: Path
) -> None:
    tokens = TokenApp()
    cert, key = tls_material
    pem_file = tmp_path / "app.pem"
    pem_file.write_bytes(key + cert)
    async with entra_endpoint(tokens, tls_material, tmp_path) as (authority, msal_http):
        credential = CertificateCredential(
            "contoso.onmicrosoft.com",
            "app-id",
            certificate=pem_file,
            authority_host=authority,
            http_client=msal_http,
        )
        token = await credential.get_token()
    assert token.token.get() == TOKEN
    grant = tokens.grants[0]
    assert grant["client_assertion_type"].endswith("jwt-bearer")
    assert grant["client_assertion"].count(".") == 2
    assert "client_secret" not in grant
    assert len(credential.thumbprint) == 40


async def test_device_code_credential_prompts_and_polls(
    tls_material: tuple[bytes, bytes], tmp_path: Path
) -> None:
    tokens = TokenApp(pending_polls=1)
    prompts: list[str] = []
    async with entra_endpoint(tokens, tls_material, tmp_path) as (authority, msal_http):
        credential = DeviceCodeCredential(
            "public-app-id",
            prompt=prompts.append,
            authority_host=authority,
            http_client=msal_http,
        )
        token = await credential.get_token()
        again = await credential.get_token()
    assert token.token.get() == TOKEN
    assert again is token  # cached
    assert prompts == [
        "To sign in, open https://microsoft.com/devicelogin and enter the code FAKE-CODE"
    ]
    assert tokens.token_requests == 2  # one pending poll, then the token
    assert "device_code" in tokens.grants[-1]["grant_type"]


async def test_truncated_chunks_are_halved_until_complete() -> None:
    # 12-hour chunks hold 24-25 events; the service cuts results above 15 rows
    app = LogAnalyticsApp(truncate_over=15)
    async with LoopbackServer(app) as server, make_client(server) as client:
        result = await client.query("Events", timespan=DAY, split_by=dt.timedelta(hours=12))
    assert result.status is QueryStatus.SUCCESS
    assert not result.truncated
    assert result.to_frame()["Seq"].tolist() == list(range(49))
    assert [c.timespan.duration for c in result.chunks] == [dt.timedelta(hours=6)] * 4
    assert "halved" in result.hints[-1]


async def test_truncation_without_split_stays_partial() -> None:
    app = LogAnalyticsApp(truncate_over=15)
    async with LoopbackServer(app) as server, make_client(server) as client:
        result = await client.query("Events", timespan=DAY)
    assert result.status is QueryStatus.PARTIAL
    assert result.truncated
    assert result.row_count == 15
    assert "split_by" in result.hints[0]
