"""Client-side limits: even spacing, the UTC-day budget, loop binding."""

from __future__ import annotations

import asyncio
import datetime as dt
import math

import pytest

from asisdk._http import Limiter, RateLimit, RequestLimits
from asisdk.errors import QuotaExceededError


def test_rate_limit_spaces_requests_evenly() -> None:
    assert RateLimit.per_minute(4).interval == 15.0
    assert RateLimit(max_requests=600, period=6.0).interval == pytest.approx(0.01)
    with pytest.raises(ValueError, match="jitter"):
        RateLimit(max_requests=1, jitter=-1)
    limiter = RateLimit(max_requests=10, period=1.0).new_limiter()
    # Small quotas: a bucket of one, no burst beyond a single request.
    assert limiter.max_rate == 1
    assert limiter.time_period == pytest.approx(0.11)


@pytest.mark.parametrize(
    ("max_requests", "period"), [(4, 60.0), (0.5, 60.0), (99, 1.0), (600, 60.0), (10_000, 60.0)]
)
def test_burst_plus_drain_never_exceeds_the_quota_in_a_window(
    max_requests: float, period: float
) -> None:
    # A leaky bucket of capacity b draining at r grants at most b + ceil(r * period) - 1
    # requests in any half-open window of one period.
    limit = RateLimit(max_requests=max_requests, period=period)
    burst, rate = limit.burst, limit.sustained_rate
    stretched = period + limit.jitter
    most = burst + math.ceil(rate * stretched - 1e-9) - 1
    assert most <= max(max_requests, 1)
    # and still close to the full rate (the jitter allowance costs jitter / period)
    assert rate * stretched >= 0.98 * max_requests - 1
    limiter = limit.new_limiter()
    assert (limiter.max_rate, limiter.max_rate / limiter.time_period) == pytest.approx(
        (burst, rate)
    )


@pytest.mark.parametrize("kwargs", [{"max_requests": 0}, {"max_requests": 1, "period": -1}])
def test_rate_limit_refuses_non_positive_values(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be a finite number > 0"):
        RateLimit(**kwargs)


def test_request_limits_create() -> None:
    limits = RequestLimits.create(requests_per_minute=4, requests_per_day=500, max_concurrency=2)
    assert limits.rates == (RateLimit(max_requests=4, period=60.0),)
    assert (limits.per_day, limits.max_concurrency) == (500, 2)
    assert RequestLimits.create().rates == ()
    with pytest.raises(ValueError, match="max_concurrency"):
        RequestLimits(max_concurrency=0)
    with pytest.raises(ValueError, match="per_day"):
        RequestLimits(per_day=0)


class _Calendar:
    def __init__(self) -> None:
        self.day = dt.date(2024, 5, 1)

    def __call__(self) -> dt.date:
        return self.day


async def test_daily_budget_fails_fast_and_resets_on_the_next_utc_day() -> None:
    calendar = _Calendar()
    limiter = Limiter(RequestLimits(per_day=3), service="demo", today=calendar)
    for _ in range(3):
        await limiter.wait_for_rate()
    assert limiter.remaining_today == 0
    with pytest.raises(QuotaExceededError, match="daily budget of 3 demo requests") as info:
        await limiter.wait_for_rate()
    assert info.value.service_code == "client_daily_budget"
    calendar.day = dt.date(2024, 5, 2)
    assert limiter.remaining_today == 3
    await limiter.wait_for_rate()
    assert limiter.remaining_today == 2


async def test_slots_bound_concurrency() -> None:
    limiter = Limiter(RequestLimits(max_concurrency=2))
    active = 0
    peak = 0
    release = asyncio.Event()

    async def work() -> None:
        nonlocal active, peak
        async with limiter.slot():
            active += 1
            peak = max(peak, active)
            await release.wait()
            active -= 1

    tasks = [asyncio.create_task(work()) for _ in range(5)]
    while active < 2:  # noqa: ASYNC110 - yield until the workers have started
        await asyncio.sleep(0)
    for _ in range(10):
        await asyncio.sleep(0)
    assert active == 2
    release.set()
    await asyncio.gather(*tasks)
    assert peak == 2


def test_limiter_is_created_lazily_and_rebinds_to_a_new_loop() -> None:
    limiter = Limiter(RequestLimits.create(requests_per_minute=6000, max_concurrency=1))
    assert limiter._rate_limiters == ()  # nothing loop-bound exists before first use

    async def once() -> object:
        async with limiter.slot():
            await limiter.wait_for_rate()
        return limiter._rate_limiters[0]

    first = asyncio.run(once())
    second = asyncio.run(once())  # a new loop: fresh aiolimiter, no cross-loop warning
    assert first is not second
