"""Retry policy: which failures are retried, how long to wait, and the ``instant`` switch.

:class:`RetryPolicy` (defined in :mod:`asisdk._policies`, public as ``asisdk.RetryPolicy``) is
a frozen value object. A client holds one; callers read it, replace it
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
from typing import Final

from asisdk._policies import RetryPolicy

__all__ = ["IDEMPOTENT_METHODS", "RetryPolicy", "parse_retry_after"]

#: HTTP methods retried without being told they are safe to repeat.
IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


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
