"""ApiClient against a real HTTP server on 127.0.0.1: quotas, faults, timeouts, cancellation."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from _support.loopback import LoopbackServer
from asisdk._http import ApiClient, RateLimit, RequestLimits, RetryPolicy
from asisdk.config import Secret
from asisdk.errors import RateLimitedError

KEY = "loopback-key"


def client_for(server: LoopbackServer, **kwargs: object) -> ApiClient:
    options: dict[str, object] = {
        "service": "loopback",
        "base_url": f"{server.base_url}/api/v3",
        "headers": {"x-apikey": Secret(KEY)},
        "retry": RetryPolicy(instant=True),
    }
    options.update(kwargs)
    return ApiClient(**options)  # type: ignore[arg-type]


async def test_even_spacing_never_exceeds_the_quota_of_any_window() -> None:
    # 260 requests against a server allowing 200 per 1 s window (a bucket of 2 with catch-up):
    # no window may ever see a 201st request (the server would answer 429).
    async with LoopbackServer(quota=200, window=1.0) as server:
        limits = RequestLimits(rates=[RateLimit(max_requests=200, period=1.0)], max_concurrency=8)
        async with client_for(server, limits=limits) as api:
            paths = [f"/domains/host{n}.example" for n in range(260)]
            results = await asyncio.gather(*(api.get_json(p) for p in paths))
    assert [r["data"]["id"] for r in results] == [p.rsplit("/", 1)[1] for p in paths]
    assert server.stats.sent_429 == 0
    assert max(server.stats.per_window.values()) <= 200
    assert server.stats.requests == 260
    assert server.stats.api_keys == {KEY: 260}
    assert not server.stats.query_keys


async def test_injected_faults_are_retried_and_counted() -> None:
    faults = {
        "/api/v3/domains/a.example": ["500", "503"],
        "/api/v3/domains/b.example": ["drop"],
        "/api/v3/domains/c.example": ["429"],
    }
    async with LoopbackServer(faults=faults) as server, client_for(server) as api:
        names = ["a.example", "b.example", "c.example", "d.example"]
        results = await asyncio.gather(*(api.get_json(f"/domains/{n}") for n in names))
    assert [r["data"]["id"] for r in results] == names
    # one request per name plus one per injected fault
    assert server.stats.requests == len(names) + 4
    assert server.stats.dropped == 1


async def test_slow_answer_times_out_and_the_retry_succeeds() -> None:
    faults = {"/api/v3/domains/slow.example": ["slow:2"]}
    async with (
        LoopbackServer(faults=faults) as server,
        client_for(server, timeout=httpx.Timeout(0.3)) as api,
    ):
        result = await api.get_json("/domains/slow.example")
    assert result["data"]["id"] == "slow.example"
    assert server.stats.by_path["/api/v3/domains/slow.example"] == 2


async def test_429_retry_after_from_a_real_server_is_honoured() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    faults = {"/api/v3/domains/x.example": ["retry-after:3", "retry-after:500"]}
    async with LoopbackServer(faults=faults) as server:
        api = client_for(server, retry=RetryPolicy(max_retry_after=60), sleep=sleep)
        async with api:
            with pytest.raises(RateLimitedError) as info:
                await api.get_json("/domains/x.example")
    assert waits == [3.0]
    assert info.value.retry_after == 500.0
    assert info.value.request_id == "req-2"


async def test_concurrency_is_bounded_at_the_server() -> None:
    faults = {f"/api/v3/domains/h{n}.example": ["slow:0.05"] for n in range(12)}
    async with (
        LoopbackServer(faults=faults) as server,
        client_for(server, limits=RequestLimits(max_concurrency=3)) as api,
    ):
        await asyncio.gather(*(api.get_json(f"/domains/h{n}.example") for n in range(12)))
    assert server.stats.max_in_flight <= 3
    assert server.stats.requests == 12


async def test_cancelling_a_batch_leaves_no_tasks_and_no_busy_connections() -> None:
    faults = {f"/api/v3/domains/h{n}.example": ["slow:30"] for n in range(6)}
    async with LoopbackServer(faults=faults) as server:
        api = client_for(server, limits=RequestLimits(max_concurrency=4))
        batch = asyncio.ensure_future(
            asyncio.gather(*(api.get_json(f"/domains/h{n}.example") for n in range(6)))
        )
        while server.stats.in_flight < 4:  # noqa: ASYNC110 - polling another party's counter
            await asyncio.sleep(0.01)
        batch.cancel()
        with pytest.raises(asyncio.CancelledError):
            await batch
        client_tasks = asyncio.all_tasks() - server.handler_tasks
        assert client_tasks == {asyncio.current_task()}
        owned = api._owned
        assert owned is not None
        pool = owned._transport._pool  # type: ignore[attr-defined]
        assert all(c.is_closed() or c.is_idle() for c in pool.connections)
        assert server.stats.requests == 4  # the two queued requests were never sent
        await api.aclose()
