"""The rate limiter's window guarantee, proved on a fake clock (issue 21).

``RateLimit.new_limiter()`` is a sliding log of the last ``count`` grant times, paced: a grant
is allowed when the oldest of them is at least ``span = period + jitter`` old. So no half-open
window of ``span`` seconds ever holds more than ``count`` grants, and a service window of
``period`` seconds that covers up to ``period + jitter`` of our clock never counts more than
the quota. These tests drive the limiter's own arithmetic (``try_take`` on a fake time) with
greedy, random and late senders and count every window.
"""

from __future__ import annotations

import random
from bisect import bisect_left

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asisdk import RateLimit
from asisdk._window_limiter import MAX_LOG_LENGTH, WindowLimiter


def _greedy(limiter: WindowLimiter, until: float, step: float) -> list[float]:
    """Send whenever the limiter allows, checking every ``step`` seconds of a fake clock."""
    sent: list[float] = []
    for tick in range(int(until / step) + 1):
        now = tick * step
        while limiter.try_take(now) == 0.0:
            sent.append(now)
    return sent


def _sleeper(
    limiter: WindowLimiter, until: float, lateness: random.Random, late: float
) -> list[float]:
    """A sender that sleeps as told and wakes up to ``late`` seconds late (a busy loop)."""
    sent: list[float] = []
    now = 0.0
    while now < until:
        wait = limiter.try_take(now)
        if wait == 0.0:
            sent.append(now)
        else:
            now += wait + lateness.uniform(0.0, late)
    return sent


def _most_in_a_window(sent: list[float], window: float) -> int:
    """The most requests in any half-open window ``[t, t + window)`` (t at a request)."""
    return max(bisect_left(sent, start + window) - index for index, start in enumerate(sent))


def _most_in_a_fixed_window(sent: list[float], window: float, offset: float) -> int:
    counts: dict[int, int] = {}
    for at in sent:
        key = int((at - offset) // window)
        counts[key] = counts.get(key, 0) + 1
    return max(counts.values())


QUOTAS = [(4, 60.0), (10, 1.0), (75, 6.0), (90, 6.0), (200, 60.0), (300, 6.0), (1000, 10.0)]


@pytest.mark.parametrize(("quota", "period"), QUOTAS)
def test_no_window_counts_more_than_the_quota(quota: float, period: float) -> None:
    limit = RateLimit(max_requests=quota, period=period)
    stretched = period + limit.jitter
    sent = _greedy(limit.new_limiter(), until=4 * period, step=period / (quota * 20))
    assert _most_in_a_window(sent, stretched) == quota  # never more, and the bound is reached
    # the long-run rate is the quota over the stretched window, nothing less
    assert len(sent) >= quota * (4 * period // stretched)


@pytest.mark.parametrize(("quota", "period"), QUOTAS)
def test_the_first_window_is_paced_not_sent_at_once(quota: float, period: float) -> None:
    limit = RateLimit(max_requests=quota, period=period)
    sent = _greedy(limit.new_limiter(), until=period, step=period / (quota * 20))
    assert _most_in_a_window(sent, limit.interval / 2) <= limit.burst
    assert sent[-1] - sent[0] >= (len(sent) - limit.burst) * limit.interval - 1e-9


@pytest.mark.parametrize(("quota", "period"), [(75, 6.0), (90, 6.0), (120, 6.0), (300, 6.0)])
def test_late_wake_ups_are_not_lost(quota: float, period: float) -> None:
    # Every wake-up up to 5 ms late (a loaded machine): a bucket of one would lose about
    # 5 / 2 ms per request (1.9% of AbuseIPDB's 90 per 6 s); the log loses only the lateness
    # of a slot once per lap, and still never passes the quota.
    limit = RateLimit(max_requests=quota, period=period)
    count, span = limit.window
    sent = _sleeper(limit.new_limiter(), 20 * span, random.Random(21), late=0.005)
    assert _most_in_a_window(sent, span) <= count
    achieved = len(sent) / (20 * count)
    assert achieved >= 0.995


@given(
    count=st.integers(1, 40),
    period=st.floats(0.5, 30.0),
    gaps=st.lists(st.floats(0.0, 2.0), min_size=1, max_size=300),
    offset=st.floats(0.0, 30.0),
)
def test_any_sender_stays_within_every_rolling_and_fixed_window(
    count: int, period: float, gaps: list[float], offset: float
) -> None:
    limit = RateLimit(max_requests=count, period=period)
    limiter = limit.new_limiter()
    sent: list[float] = []
    now = 0.0
    for gap in gaps:  # try at arbitrary times; take whatever is allowed
        now += gap
        while limiter.try_take(now) == 0.0:
            sent.append(now)
    if sent:
        assert _most_in_a_window(sent, period + limit.jitter) <= count
        assert _most_in_a_fixed_window(sent, period, offset) <= count


def test_a_quota_under_one_is_one_request_per_longer_window() -> None:
    limit = RateLimit(max_requests=0.5, period=60.0)
    sent = _greedy(limit.new_limiter(), until=600.0, step=0.5)
    assert _most_in_a_window(sent, 120.0 + limit.jitter) == 1
    assert len(sent) == 5  # 0, 120.1, 240.2, 360.3, 480.4


def test_a_huge_quota_is_kept_as_sub_windows_with_a_bounded_log() -> None:
    quota = 3 * MAX_LOG_LENGTH + 7
    limiter = WindowLimiter(count=quota, span=3600.0)
    assert limiter.count == quota // 4  # 4 sub-windows of 900 s, each a quarter of the quota
    sent = _greedy(limiter, until=4500.0, step=450.0)  # grants at 0, 900, ..., 4500
    assert len(sent) == 6 * limiter.count
    assert _most_in_a_window(sent, 3600.0) == 4 * limiter.count <= quota
