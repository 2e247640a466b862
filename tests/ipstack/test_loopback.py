"""IPStackClient against a real IPStack-shaped server on 127.0.0.1 (errors on HTTP 200, slow
answers, dropped connections)."""

from __future__ import annotations

import httpx
import pytest

from _support.loopback import LoopbackServer
from asisdk._http import RetryPolicy
from asisdk.errors import AuthenticationError, ConfigurationError, RequestTimeoutError
from asisdk.geo import GeoStatus

from .conftest import API_KEY, IPStackApp, MakeClient, ipstack_error


async def test_single_mode_batch_with_slow_and_failing_answers(make_client: MakeClient) -> None:
    app = IPStackApp(
        unknown=frozenset({"1.0.0.9"}),
        invalid=frozenset({"1.0.0.8"}),
        errors={"1.0.0.7": ipstack_error(301, "invalid_fields", "Bad fields.")},
    )
    faults = {
        "/1.0.0.2": ["slow:0.6"],  # the first attempt times out, the retry is answered
        "/1.0.0.3": ["drop"],
        "/1.0.0.4": ["slow:0.6", "slow:0.6", "slow:0.6"],  # every attempt times out
    }
    values = ["1.0.0.1", "1.0.0.2", "1.0.0.3", "1.0.0.4", "1.0.0.7", "1.0.0.8", "1.0.0.9"]
    async with (
        LoopbackServer(app, faults=faults) as server,
        make_client(
            base_url=server.base_url,
            timeout=httpx.Timeout(0.3),
            retry=RetryPolicy(instant=True, max_attempts=3),
        ) as client,
    ):
        results = await client.lookup_many([*values, "172.16.0.1", "1.0.0.1"])
    statuses = [r.status for r in results]
    assert statuses == [
        GeoStatus.FOUND,
        GeoStatus.FOUND,
        GeoStatus.FOUND,
        GeoStatus.ERROR,
        GeoStatus.ERROR,
        GeoStatus.INVALID,
        GeoStatus.NOT_FOUND,
        GeoStatus.PRIVATE,
        GeoStatus.FOUND,
    ]
    timed_out, bad_fields = results[3].error, results[4].error
    assert timed_out is not None
    assert "timed out" in timed_out
    assert bad_fields is not None
    assert "invalid_fields" in bad_fields
    assert API_KEY not in timed_out + bad_fields
    assert server.stats.by_path["/1.0.0.1"] == 1, "duplicates are asked once"
    assert "/172.16.0.1" not in server.stats.by_path, "private addresses are never sent"
    assert server.stats.query_keys["access_key"] == server.stats.requests


async def test_bulk_mode_against_the_server(make_client: MakeClient) -> None:
    app = IPStackApp(invalid=frozenset({"2.0.0.5"}))
    addresses = [f"2.0.{n // 200 + 1}.{n % 200 + 1}" for n in range(60)]
    async with (
        LoopbackServer(app) as server,
        make_client(base_url=server.base_url, bulk=True) as client,
    ):
        results = await client.lookup_many(["2.0.0.5", *addresses])
    assert results[0].status is GeoStatus.INVALID
    assert all(r.status is GeoStatus.FOUND for r in results[1:])
    # 2 bulk requests (50 + 11), the first refused for 2.0.0.5 and split into singles
    assert set(app.addresses_asked) == set(addresses) - {"2.0.0.5"}


async def test_plan_without_bulk_and_a_bad_key(make_client: MakeClient) -> None:
    async with LoopbackServer(IPStackApp(bulk_allowed=False)) as server:
        async with make_client(base_url=server.base_url, bulk=True) as client:
            with pytest.raises(ConfigurationError, match="bulk"):
                await client.lookup_many(["3.0.0.1", "3.0.0.2"])
        async with make_client(base_url=server.base_url, api_key="wrong-key-123") as client:
            with pytest.raises(AuthenticationError) as caught:
                await client.lookup_many(["3.0.0.1", "3.0.0.2", "3.0.0.3"])
    assert "wrong-key-123" not in str(caught.value)
    assert "invalid_access_key" in str(caught.value)


async def test_monthly_quota_runs_out(make_client: MakeClient) -> None:
    app = IPStackApp(monthly_limit=2)
    async with (
        LoopbackServer(app) as server,
        make_client(base_url=server.base_url, max_concurrency=1) as client,
    ):
        results = await client.lookup_many([f"4.0.0.{n}" for n in range(1, 6)])
    assert [r.status for r in results] == [GeoStatus.FOUND] * 2 + [GeoStatus.QUOTA_EXHAUSTED] * 3
    assert server.stats.requests == 3


async def test_slow_single_lookup_raises_a_timeout(make_client: MakeClient) -> None:
    async with (
        LoopbackServer(IPStackApp(), latency=0.5) as server,
        make_client(base_url=server.base_url, timeout=httpx.Timeout(0.2)) as client,
    ):
        with pytest.raises(RequestTimeoutError) as caught:
            await client.lookup("5.0.0.1")
    assert API_KEY not in str(caught.value)
    assert "access_key=***" in str(caught.value)


async def test_bulk_batch_reports_progress_per_address_and_stops_on_quota(
    make_client: MakeClient,
) -> None:
    # 120 distinct addresses in bulk: 3 requests of 50, 50 and 20; the monthly allowance
    # allows 2 requests, so the third chunk's addresses are quota_exhausted, none lost.
    app = IPStackApp(monthly_limit=2)
    values = [f"1.0.{n // 256}.{n % 256}" for n in range(1, 121)]
    ticks: list[tuple[int, int]] = []
    async with (
        LoopbackServer(app) as server,
        make_client(base_url=server.base_url, bulk=True, max_concurrency=1) as client,
    ):
        results = await client.lookup_many(
            [*values, "10.0.0.1"], progress=lambda done, total: ticks.append((done, total))
        )
    statuses = [r.status for r in results]
    assert statuses[:100] == [GeoStatus.FOUND] * 100
    assert statuses[100:120] == [GeoStatus.QUOTA_EXHAUSTED] * 20
    assert statuses[120] is GeoStatus.PRIVATE
    assert ticks == [(50, 120), (100, 120), (120, 120)]
