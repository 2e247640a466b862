"""The catch-up burst, proved on a fake clock against the real ``aiolimiter`` bucket (issue 21).

A leaky bucket of capacity ``b`` draining at ``r`` lets through fewer than ``b + r * W``
requests in any half-open window of length ``W`` (after each request the level is at most
``b``, and it drains at most ``r * W`` meanwhile); a greedy sender that starts on an empty
bucket reaches that bound. The service's window of ``period`` seconds may cover ``period +
jitter`` of our clock, so no window ever counts more than the quota exactly when
``b + r * (period + jitter) <= floor(quota) + 1``. These tests drive the real
``AsyncLimiter`` (its own arithmetic, a fake ``loop.time()``) with a greedy sender and count
every window.
"""

from __future__ import annotations

import math
from bisect import bisect_left

import pytest
from aiolimiter import AsyncLimiter

from asisdk import RateLimit


class _FakeLoop:
    """What ``AsyncLimiter`` asks of its loop when a request never has to wait."""

    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return self.now

    def is_closed(self) -> bool:
        return False


def _greedy(limiter: AsyncLimiter, until: float, step: float) -> list[float]:
    """Send whenever the bucket has room, checking every ``step`` seconds of a fake clock."""
    loop = _FakeLoop()
    limiter._event_loop = loop  # type: ignore[attr-defined]  # the fake clock
    sent: list[float] = []
    ticks = int(until / step)
    for tick in range(ticks + 1):
        loop.now = tick * step
        while limiter.has_capacity():
            coroutine = limiter.acquire()
            with pytest.raises(StopIteration):
                coroutine.send(None)  # room in the bucket: acquire never suspends
            sent.append(loop.now)
    return sent


def _most_in_a_window(sent: list[float], window: float) -> int:
    """The most requests in any half-open window ``[t, t + window)`` (t at a request)."""
    return max(bisect_left(sent, start + window) - index for index, start in enumerate(sent))


QUOTAS = [(4, 60.0), (10, 1.0), (99, 1.0), (200, 60.0), (600, 6.0), (600, 60.0), (1000, 10.0)]


@pytest.mark.parametrize(("quota", "period"), QUOTAS)
def test_no_window_counts_more_than_the_quota(quota: float, period: float) -> None:
    limit = RateLimit(max_requests=quota, period=period)
    stretched = period + limit.jitter
    sent = _greedy(limit.new_limiter(), until=4 * period, step=period / (quota * 20))
    assert _most_in_a_window(sent, stretched) <= quota
    # and the bound is nearly reached: the limiter is not wastefully slow
    assert _most_in_a_window(sent, stretched) >= quota - limit.burst - 1


@pytest.mark.parametrize("burst", [2, 3])
@pytest.mark.parametrize(("quota", "period"), [(4, 60.0), (600, 6.0)])
def test_a_burst_of_2_or_3_at_the_full_rate_would_exceed_the_quota(
    quota: float, period: float, burst: int
) -> None:
    # Why a small quota keeps a bucket of one: any burst b > 1 must give up b - 1 requests
    # of every window, or a greedy sender passes the quota.
    jitter = RateLimit(max_requests=quota, period=period).jitter
    full_rate = quota / (period + jitter)
    sent = _greedy(
        AsyncLimiter(burst, burst / full_rate), until=4 * period, step=period / (quota * 20)
    )
    assert _most_in_a_window(sent, period + jitter) > quota
    safe_rate = (math.floor(quota) + 1 - burst) / (period + jitter)
    sent = _greedy(
        AsyncLimiter(burst, burst / safe_rate), until=4 * period, step=period / (quota * 20)
    )
    assert _most_in_a_window(sent, period + jitter) <= quota
