"""The public, immutable policies of every service client: retries, rate quotas, limits.

:class:`RetryPolicy`, :class:`RateLimit` and :class:`RequestLimits` are frozen attrs values that
validate themselves (a bad value is a :class:`~asisdk.errors.ConfigurationError` at
construction). Every client takes them as ``retry=`` and ``limits=``; change one with
``attrs.evolve(policy, ...)`` or a client with ``client.with_options(...)``. They live outside
``asisdk._http`` so that ``from asisdk import RetryPolicy`` loads no HTTP library; how they are
applied (the limiter, the retry driver) is in :mod:`asisdk._http`.

Retry waits are *exponential backoff with full jitter*: attempt ``n`` (1-based, the attempt
that just failed) waits a uniformly random time in ``[0, min(backoff_max, backoff_initial *
2 ** (n - 1))]``; a ``Retry-After`` up to ``max_retry_after`` is waited instead, a longer one
fails at once with its ``retry_after`` on the error. ``instant=True`` makes every wait zero
while keeping the decisions (tests).

Rate quotas: see :meth:`RateLimit.new_limiter` for the sliding log that keeps every window of
the service within the quota.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from asisdk.errors import ConfigurationError

if TYPE_CHECKING:
    from asisdk._window_limiter import WindowLimiter

__all__ = ["RateLimit", "RequestLimits", "RetryPolicy"]

#: Total attempts per request, including the first.
MAX_ATTEMPTS: Final = 5
#: Backoff cap of the first retry, in seconds (doubles per retry).
BACKOFF_INITIAL: Final = 1.0
#: Largest backoff cap, in seconds.
BACKOFF_MAX: Final = 30.0
#: Exponent bound so ``2 ** n`` never overflows, whatever ``max_attempts`` is.
MAX_BACKOFF_EXPONENT: Final = 30
#: Longest ``Retry-After`` waited for, in seconds; longer ones fail at once.
MAX_RETRY_AFTER: Final = 120.0
#: Statuses retried by default: request timeout, too many requests, transient server errors.
RETRY_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})
#: Share of a rate quota that may be sent back to back (catch-up after a late wake-up; >= 2).
RATE_BURST_FRACTION: Final = 0.01
#: Seconds of delay jitter between our send and the server's count that rate limits absorb.
RATE_JITTER: Final = 0.1
#: Concurrent requests in flight per client.
MAX_CONCURRENCY: Final = 4
#: Seconds in the "per minute" quota window.
MINUTE: Final = 60.0
#: Largest response body read, in bytes (after content decoding); bigger answers are refused.
MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
#: Longest time one request may take, in seconds: every attempt (sending, waiting for the
#: answer, streaming its body) and the waits between retries; the client's own queueing for a
#: concurrency slot or a rate quota is not counted.
REQUEST_DEADLINE: Final = 300.0


def _check(ok: Callable[[Any], bool], wanted: str) -> Callable[[object, Any, Any], None]:
    """An attrs validator raising ``ConfigurationError("<name> must be <wanted>, got ...")``."""

    def validate(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not ok(value):
            raise ConfigurationError(f"{attribute.name} must be {wanted}, got {value!r}")

    return validate


_positive = _check(lambda v: v > 0 and math.isfinite(v), "a finite number > 0")
_non_negative = _check(lambda v: v >= 0 and math.isfinite(v), "a finite number >= 0")
_deadline = _check(
    lambda v: v is None or (v > 0 and math.isfinite(v)), "a finite number of seconds > 0 (or None)"
)
_at_least_one = _check(lambda v: not v < 1, "at least 1")
_optional_at_least_one = _check(lambda v: v is None or not v < 1, "at least 1 (or None)")


@attrs.frozen(kw_only=True)
class RateLimit:
    """At most ``max_requests`` requests in any window of ``period`` seconds.

    Attributes:
        max_requests: requests allowed per window (may be fractional: 0.5 per minute).
        period: the window length in seconds.
        jitter: seconds by which the server's view of our send times may be stretched
            (network and scheduling delays); each window of our clock is stretched by it.

    Examples:
        >>> RateLimit.per_minute(4).interval, RateLimit.per_minute(4).burst
        (15.0, 2)
        >>> round(1 / RateLimit.per_minute(4).sustained_rate, 3)  # seconds between requests
        15.025
        >>> limit = RateLimit(max_requests=600, period=60.0)
        >>> limit.burst, round(limit.sustained_rate * 60, 1)
        (6, 599.0)
    """

    max_requests: float = attrs.field(validator=_positive)
    period: float = attrs.field(default=MINUTE, validator=_positive)
    jitter: float = attrs.field(default=RATE_JITTER, validator=_non_negative)

    @classmethod
    def per_minute(cls, max_requests: float) -> RateLimit:
        """A quota of ``max_requests`` per minute."""
        return cls(max_requests=max_requests, period=MINUTE)

    @property
    def interval(self) -> float:
        """Seconds between two requests at the quota's nominal rate."""
        return self.period / self.max_requests

    @property
    def burst(self) -> int:
        """Requests that may go out back to back (1% of the quota, at least 2).

        The pacer catches up ``burst - 1`` intervals of lateness (a busy event loop); without
        that, every late wake-up would be lost for good. It cannot pass the quota: the
        sliding log of :meth:`new_limiter` bounds every window whatever the pacing.
        """
        return max(2, int(self.max_requests * RATE_BURST_FRACTION))

    @property
    def window(self) -> tuple[int, float]:
        """``(count, span)``: at most ``count`` requests in any ``span`` seconds of our clock.

        ``count`` is the whole part of the quota (a quota under one becomes one request per
        ``period / max_requests``); ``span`` adds ``jitter`` to the period, because the service's
        window of ``period`` seconds may cover ``period + jitter`` of our send times.

        Examples:
            >>> RateLimit(max_requests=90, period=6.0).window
            (90, 6.1)
            >>> RateLimit(max_requests=0.5, period=60.0, jitter=0.0).window
            (1, 120.0)
        """
        if self.max_requests < 1:
            return 1, self.period / self.max_requests + self.jitter
        return math.floor(self.max_requests), self.period + self.jitter

    @property
    def sustained_rate(self) -> float:
        """Requests per second granted in the long run: ``count / span`` of :attr:`window`."""
        count, span = self.window
        return count / span

    def new_limiter(self) -> WindowLimiter:
        """A fresh limiter for this quota: a sliding log of the last ``count`` send times.

        A request may go when the ``count``-th previous one is at least ``span`` seconds old
        (:attr:`window`), so no window of the service, fixed or rolling, ever counts more than
        the quota; requests are paced :attr:`interval` apart, with up to :attr:`burst` back to
        back to catch up a late wake-up. ``tests/_http/test_rate_burst.py`` proves it on a
        fake clock. Create it inside the running loop that will use it.
        """
        from asisdk._window_limiter import WindowLimiter  # loaded with the first client

        count, span = self.window
        interval = self.interval
        return WindowLimiter(
            count=count, span=span, interval=interval, tolerance=(self.burst - 1) * interval
        )


def _to_rates(value: Sequence[RateLimit]) -> tuple[RateLimit, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class RequestLimits:
    """The limits a client applies to its own requests.

    Attributes:
        rates: rate quotas, all enforced (e.g. per second and per minute).
        per_day: requests per UTC calendar day, or ``None`` for no daily budget.
        max_concurrency: requests in flight at once.
        max_response_bytes: the largest response body read (after gzip/deflate decoding),
            64 MiB by default; the body is streamed and a bigger answer raises
            :class:`~asisdk.errors.ResponseTooLargeError` as soon as the limit is passed.
        request_deadline: the longest one request may take, in seconds (5 minutes by default;
            ``None`` for no deadline). It covers every attempt -- sending, waiting for the
            answer and streaming its body -- and the waits between retries, so a server that
            sends one byte every few seconds (which no per-read timeout catches) cannot hold a
            call for longer. Retries count against it: a retry whose wait would end past the
            deadline is not made and the last error is raised. Time spent queueing for the
            client's own concurrency slots and rate quotas is not counted. On expiry the call
            raises :class:`~asisdk.errors.RequestTimeoutError` (never retried).

    Examples:
        >>> limits = RequestLimits.create(requests_per_minute=4, requests_per_day=500)
        >>> limits.rates[0].interval, limits.per_day, limits.max_concurrency
        (15.0, 500, 4)
        >>> RequestLimits(max_response_bytes=1024).max_response_bytes
        1024
        >>> RequestLimits().request_deadline, RequestLimits(request_deadline=None).request_deadline
        (300.0, None)
    """

    rates: tuple[RateLimit, ...] = attrs.field(default=(), converter=_to_rates)
    per_day: int | None = attrs.field(default=None, validator=_optional_at_least_one)
    max_concurrency: int = attrs.field(default=MAX_CONCURRENCY, validator=_at_least_one)
    max_response_bytes: int = attrs.field(default=MAX_RESPONSE_BYTES, validator=_at_least_one)
    request_deadline: float | None = attrs.field(default=REQUEST_DEADLINE, validator=_deadline)

    @classmethod
    def create(
        cls,
        *,
        requests_per_minute: float | None = None,
        requests_per_day: int | None = None,
        max_concurrency: int = MAX_CONCURRENCY,
    ) -> RequestLimits:
        """The common case: an optional per-minute quota, daily budget and concurrency bound."""
        rates = () if requests_per_minute is None else (RateLimit.per_minute(requests_per_minute),)
        return cls(rates=rates, per_day=requests_per_day, max_concurrency=max_concurrency)


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

    max_attempts: int = attrs.field(default=MAX_ATTEMPTS, validator=_at_least_one)
    backoff_initial: float = attrs.field(default=BACKOFF_INITIAL, validator=_non_negative)
    backoff_max: float = attrs.field(default=BACKOFF_MAX, validator=_non_negative)
    jitter: bool = True
    max_retry_after: float = attrs.field(default=MAX_RETRY_AFTER, validator=_non_negative)
    retry_statuses: frozenset[int] = attrs.field(default=RETRY_STATUSES, converter=frozenset)
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
        exponent = min(max(attempt - 1, 0), MAX_BACKOFF_EXPONENT)
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
