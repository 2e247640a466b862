"""VirusTotalClient against a real quota-enforcing server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import attrs
import httpx
import pytest

from _support.loopback import LoopbackServer, VtApp
from asisdk._http import RateLimit, RequestLimits, RetryPolicy
from asisdk.errors import AuthenticationError
from asisdk.virustotal import VirusTotalClient, VtCache, VtStatus

from .conftest import API_KEY

MakeVt = Callable[..., VirusTotalClient]


def vt_for(make_vt: MakeVt, server: LoopbackServer, **kwargs: object) -> VirusTotalClient:
    return make_vt(base_url=f"{server.base_url}/api/v3", **kwargs)


async def test_batch_under_quota_with_faults(make_vt: MakeVt) -> None:
    # The server allows 10 requests per 0.5 s window; the client is told the same quota.
    distinct = [f"host{n}.example" for n in range(14)]
    values = [
        *distinct,
        "HOST3.example",
        "host7.example.",
        "999.1.1.1",
        "a" * 31,
        "missing.example",
    ]
    faults = {
        "/api/v3/domains/host1.example": ["500"],
        "/api/v3/domains/host2.example": ["503", "503"],
        "/api/v3/domains/host4.example": ["drop"],
        "/api/v3/domains/host5.example": ["slow:0.6"],
    }
    app = VtApp(not_found={"missing.example"}, api_key=API_KEY)
    async with (
        LoopbackServer(app, quota=10, window=0.5, faults=faults) as server,
        vt_for(
            make_vt,
            server,
            limits=RequestLimits(rates=[RateLimit(max_requests=10, period=0.5)], max_concurrency=4),
            timeout=httpx.Timeout(0.4),
        ) as vt,
    ):
        reports = await vt.lookup_many(values)
    stats = server.stats
    assert stats.sent_429 == 0, "no request may go over the quota"
    assert max(stats.per_window.values()) <= 10
    # one request per distinct valid observable, plus one per injected fault
    assert stats.requests == len(distinct) + 1 + 5
    assert all(count == 1 for path, count in stats.by_path.items() if path not in faults)
    assert [r.observable for r in reports] == values
    assert [r.status for r in reports] == [VtStatus.FOUND] * 16 + [
        VtStatus.INVALID,
        VtStatus.INVALID,
        VtStatus.NOT_FOUND,
    ]
    assert attrs.evolve(reports[14], observable="host3.example") == reports[3]
    assert stats.api_keys == {API_KEY: stats.requests}


async def test_daily_quota_exhaustion_then_resume_from_the_cache(
    make_vt: MakeVt, tmp_path: Path
) -> None:
    values = [f"d{n}.example" for n in range(8)]
    cache = tmp_path / "vt.sqlite"
    async with LoopbackServer(daily_limit=3) as server:
        async with vt_for(make_vt, server, cache=cache, max_concurrency=1) as vt:
            first = await vt.lookup_many(values)
        assert [r.status for r in first] == [VtStatus.FOUND] * 3 + [VtStatus.QUOTA_EXHAUSTED] * 5
        assert server.stats.requests == 3 + RetryPolicy().max_attempts

    # Next day (a fresh server): only the five skipped observables are asked for.
    async with LoopbackServer() as server:
        async with vt_for(make_vt, server, cache=cache, max_concurrency=2) as vt:
            second = await vt.lookup_many(values)
        assert server.stats.requests == 5
    assert [r.status for r in second] == [VtStatus.FOUND] * 8
    assert second[:3] == first[:3]


async def test_wrong_key_stops_the_batch(make_vt: MakeVt) -> None:
    async with LoopbackServer(VtApp(api_key="the-right-key")) as server:
        vt = vt_for(make_vt, server, max_concurrency=3)
        with pytest.raises(AuthenticationError) as info:
            await vt.lookup_many([f"d{n}.example" for n in range(50)])
        await vt.aclose()
    assert info.value.service_code == "WrongCredentialsError"
    assert server.stats.requests <= 3


async def test_cancelled_batch_leaves_nothing_running_and_keeps_cached_results(
    make_vt: MakeVt, tmp_path: Path
) -> None:
    fast = [f"fast{n}.example" for n in range(3)]
    slow = [f"slow{n}.example" for n in range(4)]
    faults = {f"/api/v3/domains/{name}": ["slow:30"] for name in slow}
    cache = VtCache(tmp_path / "vt.sqlite")
    async with LoopbackServer(faults=faults) as server:
        vt = vt_for(make_vt, server, cache=cache, max_concurrency=4)
        batch = asyncio.ensure_future(vt.lookup_many([*fast, *slow]))
        while server.stats.in_flight < 4:  # noqa: ASYNC110 - polling the server's counter
            await asyncio.sleep(0.01)
        batch.cancel()
        with pytest.raises(asyncio.CancelledError):
            await batch
        assert asyncio.all_tasks() - server.handler_tasks == {asyncio.current_task()}
        await vt.aclose()
    stored = await cache.get_many([f"domain:{name}" for name in [*fast, *slow]])
    assert set(stored) == {f"domain:{name}" for name in fast}
    await cache.aclose()
