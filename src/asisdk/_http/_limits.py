"""Client-side request limits: rate quotas, a calendar-day budget and bounded concurrency.

Three independent limits guard every request a client sends:

* :class:`RateLimit` ``(max_requests, period)``: at most ``max_requests`` requests in **any**
  window of ``period`` seconds, enforced with a sliding log of the last ``max_requests`` send
  times (``asisdk._window_limiter.WindowLimiter``): a request may go when the oldest of them is
  ``period + jitter`` seconds old, so no window of the service, fixed or rolling, counts more
  than the quota even when our send times and the server's count differ by ``jitter`` seconds
  (network and scheduling delays). Requests are paced evenly; a late wake-up (a busy event
  loop) delays one request by its lateness, nothing is lost. The obvious
  ``aiolimiter.AsyncLimiter(max_requests, period)`` is wrong for a service that counts per
  window: a leaky bucket lets ``max_requests`` through in a burst *and then* keeps draining at
  the full rate, so one window can see almost twice the quota (and the service answers 429).
* ``per_day``: a budget of requests per UTC calendar day (VirusTotal's daily quota resets at
  00:00 UTC). A leaky bucket cannot express "500 per calendar day", so this is a counter; when it
  is used up the request fails at once with :class:`~asisdk.errors.QuotaExceededError` instead
  of sleeping until midnight.
* ``max_concurrency``: a semaphore bounding requests in flight.

:class:`RequestLimits` is the frozen description a client is configured with; the live
:class:`Limiter` is created from it *lazily, inside the running event loop* (its asyncio
primitives are bound to a loop) and re-created if the client is used from another loop.
Nothing here is created at import time.

The order inside a request is: concurrency slot, then the rate limits, then the daily budget,
then the send; the slot is released while a retry sleeps, so a sleeping retry never blocks other
requests, and every retry is limited again (each attempt counts against the quota).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from asisdk._policies import RateLimit, RequestLimits
from asisdk._window_limiter import WindowLimiter
from asisdk.errors import QuotaExceededError

__all__ = ["Limiter", "RateLimit", "RequestLimits"]


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class _DailyBudget:
    """Requests left in the current UTC day; resets when the date changes."""

    __slots__ = ("_day", "_limit", "_today", "_used")

    def __init__(self, limit: int, today: Callable[[], dt.date]) -> None:
        self._limit = limit
        self._today = today
        self._day = today()
        self._used = 0

    @property
    def remaining(self) -> int:
        self._roll()
        return self._limit - self._used

    def _roll(self) -> None:
        day = self._today()
        if day != self._day:
            self._day, self._used = day, 0

    def take(self, service: str) -> None:
        self._roll()
        if self._used >= self._limit:
            raise QuotaExceededError(
                f"the client-side daily budget of {self._limit} {service} requests is used up "
                "for today (UTC); it resets at 00:00 UTC, or raise requests_per_day if your "
                "plan allows more",
                service_code="client_daily_budget",
                service=service,
            )
        self._used += 1


class Limiter:
    """The live limits of one client, bound to the event loop it first runs in.

    Create it anywhere (it holds no loop-bound object until first used); the rate limiters and
    the semaphore are made on first use inside the running loop, and made again if the client
    later runs in another loop. The daily budget is plain state and survives loop changes.

    Examples:
        >>> limiter = Limiter(RequestLimits.create(requests_per_minute=600))
        >>> async def one() -> None:
        ...     async with limiter.slot():
        ...         await limiter.wait_for_rate()
        >>> asyncio.run(one())
    """

    def __init__(
        self,
        limits: RequestLimits,
        *,
        service: str = "api",
        today: Callable[[], dt.date] = _utc_today,
    ) -> None:
        self.limits = limits
        self._service = service
        self._budget = _DailyBudget(limits.per_day, today) if limits.per_day else None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._rate_limiters: tuple[WindowLimiter, ...] = ()
        self._semaphore: asyncio.Semaphore | None = None

    def __repr__(self) -> str:
        return f"Limiter({self.limits!r})"

    @property
    def remaining_today(self) -> int | None:
        """Requests left in today's client-side budget, or ``None`` without a daily budget."""
        return None if self._budget is None else self._budget.remaining

    def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self._rate_limiters = tuple(rate.new_limiter() for rate in self.limits.rates)
            self._semaphore = asyncio.Semaphore(self.limits.max_concurrency)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the ``max_concurrency`` slots for the duration of the block."""
        self._bind()
        assert self._semaphore is not None
        async with self._semaphore:
            yield

    async def wait_for_rate(self) -> None:
        """Wait until every rate limit allows one more request, then take the daily budget.

        Raises:
            QuotaExceededError: the daily budget is used up (no wait: it resets at midnight).
        """
        self._bind()
        if self._budget is not None and self._budget.remaining <= 0:
            self._budget.take(self._service)  # raises before waiting for a rate slot
        for limiter in self._rate_limiters:
            await limiter.acquire()
        if self._budget is not None:
            self._budget.take(self._service)
