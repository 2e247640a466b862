"""Client-side limits: even spacing, the UTC-day budget, loop binding."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from asisdk._http import Limiter, RateLimit, RequestLimits
from asisdk.errors import QuotaExceededError


def test_rate_limit_spaces_requests_evenly() -> None:
    assert RateLimit.per_minute(4).interval == 15.0
    assert RateLimit(max_requests=600, period=6.0).interval == pytest.approx(0.01)
    with pytest.raises(ValueError, match="jitter"):
        RateLimit(max_requests=1, jitter=-1)
    limiter = RateLimit(max_requests=10, period=1.0).new_limiter()
    # Small quotas: paced 0.1 s apart, at most two back to back (one late wake-up caught up).
    assert [limiter.try_take(t) for t in (0.0, 0.05, 0.05)] == [0.0, 0.0, pytest.approx(0.05)]


@pytest.mark.parametrize(
    ("max_requests", "period"), [(4, 60.0), (0.5, 60.0), (99, 1.0), (600, 60.0), (10_000, 60.0)]
)
def test_the_window_never_exceeds_the_quota_and_costs_only_the_jitter(
    max_requests: float, period: float
) -> None:
    limit = RateLimit(max_requests=max_requests, period=period)
    count, span = limit.window
    # at most count in any span, and a span covers the service's period plus the jitter
    assert count <= max(max_requests, 1)
    assert span >= period / min(max_requests, 1) + limit.jitter - 1e-9
    # still close to the full rate (the jitter allowance costs jitter / period)
    assert limit.sustained_rate * (period + limit.jitter) >= 0.98 * max_requests - 1
    assert limit.new_limiter().count == count


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
    second = asyncio.run(once())  # a new loop: a fresh limiter, no cross-loop warning
    assert first is not second
