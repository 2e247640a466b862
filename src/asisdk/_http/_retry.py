"""Retry policy: which failures are retried, how long to wait, and the ``instant`` switch.

:class:`RetryPolicy` is a frozen value object. A client holds one; callers read it, replace it
(``attrs.evolve(policy, max_attempts=2)``) or pass :meth:`RetryPolicy.disabled`. Nothing in it
does I/O, so every decision (``should_retry_status``, ``delay``) is a pure function tested
without a network or a clock.

Waits between attempts are *exponential backoff with full jitter*: attempt ``n`` (1-based, the
attempt that just failed) waits a uniformly random time in ``[0, min(backoff_max,
backoff_initial * 2 ** (n - 1))]``. When the service sent ``Retry-After`` (delta seconds or an
HTTP date) that wait is used instead, as long as it is at most ``max_retry_after``; a longer
``Retry-After`` is not waited for: the request fails at once with a
:class:`~asisdk.errors.RateLimitedError` whose ``retry_after`` tells the caller when to come
back (sleeping an hour inside a library call helps nobody).

``instant=True`` makes every wait zero while keeping the retry decisions, which is what tests
want: the retry logic runs for real, the clock does not.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
import random
from collections.abc import Callable
from typing import Final

import attrs

from asisdk._http import _defaults
from asisdk.errors import ConfigurationError

__all__ = ["IDEMPOTENT_METHODS", "RetryPolicy", "parse_retry_after"]

#: HTTP methods retried without being told they are safe to repeat.
IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def _positive_int(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ConfigurationError(f"{attribute.name} must be at least 1, got {value}")


def _non_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (value >= 0 and math.isfinite(value)):
        raise ConfigurationError(f"{attribute.name} must be a finite number >= 0, got {value}")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a client retries failed requests.

    Retried: transport errors (connection refused or reset, dropped connections, protocol
    errors), timeouts, and the statuses in ``retry_statuses`` (by default 408, 429, 500, 502,
    503, 504). Only idempotent requests are retried (``GET``, ``HEAD``, ``OPTIONS``, ``PUT``,
    ``DELETE``, or a request the caller marks ``idempotent=True``). A service adapter may veto or
    force a retry for a specific answer (a daily-quota error, a "try later" body on HTTP 200).

    Attributes:
        max_attempts: total attempts per request, including the first (1 disables retries).
        backoff_initial: the backoff cap of the first retry, in seconds; it doubles per retry.
        backoff_max: the largest backoff cap, in seconds.
        jitter: draw the wait uniformly from ``[0, cap]`` ("full jitter") rather than waiting
            the cap itself; spreads retries of concurrent requests apart.
        max_retry_after: the longest ``Retry-After`` honoured, in seconds; a longer one fails the
            request at once with ``retry_after`` set on the error.
        retry_statuses: the HTTP statuses that are retried.
        instant: make every wait zero (tests); the retry decisions stay the same.

    Examples:
        >>> policy = RetryPolicy(max_attempts=3, backoff_initial=1.0, jitter=False)
        >>> [policy.delay(n) for n in (1, 2, 3)]
        [1.0, 2.0, 4.0]
        >>> policy.delay(1, retry_after=7.0)
        7.0
        >>> RetryPolicy(instant=True).delay(5, retry_after=30.0)
        0.0
    """

    max_attempts: int = attrs.field(default=_defaults.MAX_ATTEMPTS, validator=_positive_int)
    backoff_initial: float = attrs.field(default=_defaults.BACKOFF_INITIAL, validator=_non_negative)
    backoff_max: float = attrs.field(default=_defaults.BACKOFF_MAX, validator=_non_negative)
    jitter: bool = True
    max_retry_after: float = attrs.field(default=_defaults.MAX_RETRY_AFTER, validator=_non_negative)
    retry_statuses: frozenset[int] = attrs.field(
        default=_defaults.RETRY_STATUSES, converter=frozenset
    )
    instant: bool = False

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """A policy that never retries (one attempt per request).

        Examples:
            >>> RetryPolicy.disabled().max_attempts
            1
        """
        return cls(max_attempts=1)

    def should_retry_status(self, status_code: int) -> bool:
        """Whether an answer with this HTTP status is worth another attempt.

        Examples:
            >>> RetryPolicy().should_retry_status(503), RetryPolicy().should_retry_status(404)
            (True, False)
        """
        return status_code in self.retry_statuses

    def backoff(self, attempt: int, *, uniform: Callable[[], float] = random.random) -> float:
        """The backoff wait after failed attempt number ``attempt`` (1-based), in seconds.

        Args:
            attempt: the attempt that just failed (1 for the first request).
            uniform: a source of floats in ``[0, 1)``; injectable for deterministic tests.

        Returns:
            ``min(backoff_max, backoff_initial * 2 ** (attempt - 1))``, multiplied by a random
            factor when ``jitter`` is on; 0 when ``instant``.
        """
        if self.instant:
            return 0.0
        exponent = min(max(attempt - 1, 0), _defaults.MAX_BACKOFF_EXPONENT)
        cap = min(self.backoff_max, self.backoff_initial * (2.0**exponent))
        return cap * uniform() if self.jitter else cap

    def delay(
        self,
        attempt: int,
        *,
        retry_after: float | None = None,
        uniform: Callable[[], float] = random.random,
    ) -> float:
        """The wait before the next attempt, honouring the service's ``Retry-After``.

        Args:
            attempt: the attempt that just failed (1-based).
            retry_after: the parsed ``Retry-After`` in seconds, if the service sent one.
            uniform: a source of floats in ``[0, 1)`` for the jitter.

        Returns:
            ``retry_after`` when given (callers check :meth:`honours_retry_after` first),
            otherwise :meth:`backoff`; 0 when ``instant``.
        """
        if self.instant:
            return 0.0
        if retry_after is not None:
            return max(retry_after, 0.0)
        return self.backoff(attempt, uniform=uniform)

    def next_wait(
        self,
        attempt: int,
        *,
        retryable: bool,
        retry_after: float | None = None,
        uniform: Callable[[], float] = random.random,
    ) -> float | None:
        """The wait before another attempt, or ``None`` to give up (the retry driver's question).

        Args:
            attempt: the attempt that just failed (1-based).
            retryable: whether the failure is worth another attempt at all (a retryable status
                or transport error, on a request that may be repeated).
            retry_after: the service's ``Retry-After`` in seconds, if it sent one.
            uniform: a source of floats in ``[0, 1)`` for the jitter.

        Examples:
            >>> policy = RetryPolicy(max_attempts=2, jitter=False)
            >>> policy.next_wait(1, retryable=True), policy.next_wait(2, retryable=True)
            (1.0, None)
            >>> policy.next_wait(1, retryable=True, retry_after=600.0) is None  # too long
            True
        """
        if not retryable or attempt >= self.max_attempts:
            return None
        if not self.honours_retry_after(retry_after):
            return None
        return self.delay(attempt, retry_after=retry_after, uniform=uniform)

    def honours_retry_after(self, retry_after: float | None) -> bool:
        """Whether a ``Retry-After`` of this many seconds is short enough to wait for."""
        return retry_after is None or retry_after <= self.max_retry_after


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Parse a ``Retry-After`` header: delta seconds or an HTTP date.

    Args:
        value: the header value, or ``None`` when absent.
        now: the current time (aware); by default the system clock, in UTC.

    Returns:
        Seconds to wait (never negative), or ``None`` when the header is absent or unreadable.

    Examples:
        >>> parse_retry_after("120")
        120.0
        >>> now = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
        >>> parse_retry_after("Wed, 01 May 2024 12:00:30 GMT", now=now)
        30.0
        >>> parse_retry_after("soon") is None
        True
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    current = now if now is not None else dt.datetime.now(dt.UTC)
    return max((when - current).total_seconds(), 0.0)
