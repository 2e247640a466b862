"""RetryPolicy decisions and Retry-After parsing (pure, no clock, no network)."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from asisdk._http import RetryPolicy, parse_retry_after


def test_backoff_doubles_up_to_the_cap_without_jitter() -> None:
    policy = RetryPolicy(backoff_initial=0.5, backoff_max=3.0, jitter=False)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


@given(attempt=st.integers(1, 10_000), draw=st.floats(0, 1, exclude_max=True))
def test_full_jitter_stays_within_zero_and_the_cap(attempt: int, draw: float) -> None:
    policy = RetryPolicy(backoff_initial=1.0, backoff_max=30.0)
    cap = min(30.0, 2.0 ** min(attempt - 1, 30))
    wait = policy.backoff(attempt, uniform=lambda: draw)
    assert 0.0 <= wait <= cap
    assert wait == pytest.approx(cap * draw)


def test_retry_after_replaces_the_backoff() -> None:
    policy = RetryPolicy(jitter=False)
    assert policy.delay(3, retry_after=2.5) == 2.5
    assert policy.delay(1) == policy.backoff_initial


def test_instant_makes_every_wait_zero_but_keeps_decisions() -> None:
    policy = RetryPolicy(instant=True)
    assert policy.delay(4, retry_after=60.0) == 0.0
    assert policy.backoff(10) == 0.0
    assert policy.should_retry_status(503)
    assert not policy.should_retry_status(404)
    assert policy.honours_retry_after(10.0)
    assert not policy.honours_retry_after(policy.max_retry_after + 1)


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_default_retry_statuses(status: int) -> None:
    assert RetryPolicy().should_retry_status(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 501])
def test_statuses_not_retried_by_default(status: int) -> None:
    assert not RetryPolicy().should_retry_status(status)


def test_policy_is_a_frozen_value_replaced_with_evolve() -> None:
    policy = RetryPolicy()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        policy.max_attempts = 2  # type: ignore[misc]
    fewer = attrs.evolve(policy, max_attempts=2)
    assert (policy.max_attempts, fewer.max_attempts) == (5, 2)
    assert RetryPolicy.disabled().max_attempts == 1


@pytest.mark.parametrize(
    "kwargs", [{"max_attempts": 0}, {"backoff_initial": -1.0}, {"max_retry_after": float("inf")}]
)
def test_invalid_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


NOW = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("-3", 0.0),
        ("Wed, 01 May 2024 12:01:00 GMT", 60.0),
        ("Wed, 01 May 2024 11:00:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("tomorrow-ish", None),
        ("nan", None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == expected
