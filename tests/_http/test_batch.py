"""The batch engine: order, dedup, bounded concurrency, per-item outcomes, quota stop,
progress, cancellation; and against a real loopback server with 429s, 5xx, timeouts, resets."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from _support.loopback import LoopbackServer
from asisdk._http import (
    ApiClient,
    BatchStatus,
    RateLimit,
    RequestLimits,
    RetryPolicy,
    iter_batch,
    run_batch,
)
from asisdk.config import Secret
from asisdk.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    QuotaExceededError,
    ServerError,
)


async def test_order_dedup_and_per_item_failures() -> None:
    calls: list[int] = []

    async def worker(n: int) -> int:
        calls.append(n)
        await asyncio.sleep(0.001 * (5 - n))  # finish out of order
        if n == 3:
            raise ValueError("three")
        return n * 10

    results = await run_batch([4, 1, 3, 4, 2, 1], worker, max_concurrency=3)
    assert [r.index for r in results] == [0, 1, 2, 3, 4, 5]
    assert [r.item for r in results] == [4, 1, 3, 4, 2, 1]
    assert [r.status for r in results] == [
        BatchStatus.OK,
        BatchStatus.OK,
        BatchStatus.FAILED,
        BatchStatus.OK,
        BatchStatus.OK,
        BatchStatus.OK,
    ]
    assert [r.value for r in results] == [40, 10, None, 40, 20, 10]
    assert isinstance(results[2].error, ValueError)
    assert sorted(calls) == [1, 2, 3, 4]  # each distinct item once


async def test_key_function_and_concurrency_bound_from_limits() -> None:
    in_flight = peak = 0

    async def worker(item: dict[str, str]) -> str:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        return item["v"].upper()

    items = [{"v": f"x{n % 12}"} for n in range(30)]
    results = await run_batch(
        items, worker, limits=RequestLimits(max_concurrency=3), key=lambda i: i["v"]
    )
    assert peak == 3
    assert [r.value for r in results] == [i["v"].upper() for i in items]


async def test_quota_stop_marks_the_rest_and_lets_in_flight_finish() -> None:
    started: list[int] = []

    async def worker(n: int) -> int:
        started.append(n)
        if n == 2:
            raise QuotaExceededError("used up")
        await asyncio.sleep(0.01)
        return n

    results = await run_batch(range(10), worker, max_concurrency=2)
    statuses = [r.status for r in results]
    assert statuses[:2] == [BatchStatus.OK, BatchStatus.OK]
    assert statuses[2] is BatchStatus.QUOTA_EXHAUSTED
    assert all(s is BatchStatus.QUOTA_EXHAUSTED for s in statuses[4:])
    assert all(isinstance(r.error, QuotaExceededError) for r in results[4:])
    assert len(started) <= 4  # nothing new started after the quota ran out


async def test_fatal_error_raises_and_leaves_no_task_behind() -> None:
    async def worker(n: int) -> int:
        if n == 1:
            raise AuthenticationError("bad key", status_code=401)
        await asyncio.sleep(10)
        return n

    before = asyncio.all_tasks()
    with pytest.raises(AuthenticationError):
        await run_batch(range(5), worker, max_concurrency=3)
    assert asyncio.all_tasks() == before


async def test_cancelling_the_caller_cancels_every_worker() -> None:
    cancelled: list[int] = []

    async def worker(n: int) -> int:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.append(n)
            raise
        return n

    before = asyncio.all_tasks()
    batch = asyncio.create_task(run_batch(range(8), worker, max_concurrency=4))
    await asyncio.sleep(0.01)
    batch.cancel()
    with pytest.raises(asyncio.CancelledError):
        await batch
    assert sorted(cancelled) == [0, 1, 2, 3]
    assert asyncio.all_tasks() == before


async def test_iter_batch_yields_as_completed_and_break_cancels() -> None:
    async def worker(n: int) -> int:
        await asyncio.sleep(0.001 * n)
        return n

    seen = []
    before = asyncio.all_tasks()
    async with asyncio.timeout(5):
        iterator = iter_batch([5, 1, 3, 50, 60], worker, max_concurrency=5)
        async for result in iterator:
            seen.append(result.item)
            if len(seen) == 3:
                break
        await iterator.aclose()  # type: ignore[attr-defined]
    assert seen == [1, 3, 5]
    assert asyncio.all_tasks() == before


async def test_progress_callback_weight_and_bar() -> None:
    ticks: list[tuple[int, int]] = []

    async def worker(chunk: tuple[str, ...]) -> int:
        return len(chunk)

    chunks = [("a", "b"), ("c",), ("a", "b")]
    await run_batch(chunks, worker, weight=len, progress=lambda d, t: ticks.append((d, t)))
    assert ticks in ([(2, 3), (3, 3)], [(1, 3), (3, 3)])  # one tick per distinct chunk

    class Bar:
        def __init__(self) -> None:
            self.n = 0

        def update(self, n: int = 1) -> None:
            self.n += n

    bar = Bar()
    await run_batch(chunks, worker, weight=len, progress=bar)
    assert bar.n == 3

    with pytest.raises(ConfigurationError):
        await run_batch([1], worker, progress=42)  # type: ignore[arg-type]


async def test_progress_true_draws_and_closes_a_tqdm_bar() -> None:
    pytest.importorskip("tqdm")

    async def worker(n: int) -> int:
        return n

    results = await run_batch([1, 2], worker, progress=True)
    assert [r.value for r in results] == [1, 2]


# -- against a real server ------------------------------------------------------------------


def _api(server: LoopbackServer, limits: RequestLimits, **kwargs: Any) -> ApiClient:
    return ApiClient(
        service="loopback",
        base_url=f"{server.base_url}/api/v3",
        headers={"x-apikey": Secret("batch-key")},
        limits=limits,
        retry=kwargs.pop("retry", RetryPolicy(instant=True)),
        **kwargs,
    )


async def test_loopback_faults_become_retries_or_per_item_failures() -> None:
    names = [f"host{n}.example" for n in range(12)]
    faults = {
        "/api/v3/domains/host0.example": ["429", "503"],  # retried, then fine
        "/api/v3/domains/host1.example": ["drop"],  # connection reset, retried
        "/api/v3/domains/host2.example": ["slow:1.0"],  # timeout, retried
        "/api/v3/domains/host3.example": ["500"] * 3,  # never succeeds in 3 attempts
    }
    async with LoopbackServer(faults=faults) as server:
        limits = RequestLimits(max_concurrency=4)
        async with _api(
            server,
            limits,
            retry=RetryPolicy(instant=True, max_attempts=3),
            timeout=httpx.Timeout(0.3),
        ) as api:

            async def lookup(name: str) -> str:
                body = await api.get_json(f"/domains/{name}")
                return str(body["data"]["id"])

            results = await run_batch(names + names[:4], lookup, limits=api.limits)
    assert [r.status for r in results].count(BatchStatus.FAILED) == 2  # host3 and its duplicate
    failed = [r for r in results if r.status is BatchStatus.FAILED]
    assert {r.item for r in failed} == {"host3.example"}
    assert isinstance(failed[0].error, ServerError)
    assert [r.value for r in results if r.ok] == [n for n in names + names[:4] if n != names[3]]
    assert server.stats.max_in_flight <= 4
    # 12 distinct, plus 2 + 1 + 1 retries, plus 2 more attempts of host3
    assert server.stats.requests == 12 + 4 + 2


async def test_loopback_daily_quota_stops_the_batch_with_exact_use() -> None:
    names = [f"q{n}.example" for n in range(30)]
    async with LoopbackServer() as server:
        limits = RequestLimits(per_day=10, max_concurrency=3)
        async with _api(server, limits) as api:

            async def lookup(name: str) -> str:
                return str((await api.get_json(f"/domains/{name}"))["data"]["id"])

            results = await run_batch(names, lookup, limits=api.limits)
    ok = [r for r in results if r.ok]
    assert len(ok) == 10  # every request of the budget was used
    assert server.stats.requests == 10
    assert all(r.status is BatchStatus.QUOTA_EXHAUSTED for r in results if not r.ok)
    assert all(isinstance(r.error, QuotaExceededError) for r in results if not r.ok)


async def test_loopback_per_window_quota_is_paced_not_exceeded() -> None:
    names = [f"w{n}.example" for n in range(150)]
    async with LoopbackServer(quota=100, window=1.0) as server:
        limits = RequestLimits(rates=[RateLimit(max_requests=100, period=1.0)], max_concurrency=8)
        async with _api(server, limits) as api:

            async def lookup(name: str) -> str:
                return str((await api.get_json(f"/domains/{name}"))["data"]["id"])

            results = await run_batch(names, lookup, limits=api.limits)
    assert all(r.ok for r in results)
    assert server.stats.sent_429 == 0
    assert max(server.stats.per_window.values()) <= 100


async def test_loopback_cancellation_leaves_no_request_in_flight() -> None:
    names = [f"c{n}.example" for n in range(20)]
    async with LoopbackServer(latency=2.0) as server:
        async with _api(server, RequestLimits(max_concurrency=4)) as api:

            async def lookup(name: str) -> str:
                return str((await api.get_json(f"/domains/{name}"))["data"]["id"])

            before = asyncio.all_tasks()
            batch = asyncio.create_task(run_batch(names, lookup, limits=api.limits))
            async with asyncio.timeout(10):  # a loaded machine may take a while to connect
                while server.stats.in_flight < 4:  # noqa: ASYNC110 - the server's counter
                    await asyncio.sleep(0.01)
            batch.cancel()
            with pytest.raises(asyncio.CancelledError):
                await batch
            assert asyncio.all_tasks() - server.handler_tasks == before - server.handler_tasks
            await asyncio.sleep(0.05)
        assert server.stats.requests == 4  # nothing was started after the cancellation


async def test_api_error_is_a_per_item_status_never_raised() -> None:
    async def worker(n: int) -> int:
        raise ApiError("boom", service="x")

    results = await run_batch([1, 2], worker)
    assert [r.status for r in results] == [BatchStatus.FAILED, BatchStatus.FAILED]


async def test_keyboard_interrupt_in_a_worker_stops_the_batch_and_is_raised() -> None:
    async def worker(n: int) -> int:
        if n == 2:
            raise KeyboardInterrupt
        await asyncio.sleep(0.01)
        return n

    before = asyncio.all_tasks()
    with pytest.raises(KeyboardInterrupt):
        await run_batch(range(6), worker, max_concurrency=2)
    assert asyncio.all_tasks() == before
