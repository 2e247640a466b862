"""The rate limiter behind :meth:`asisdk.RateLimit.new_limiter`: a sliding log, evenly paced.

A service that allows "N requests per window of W seconds" counts in windows (fixed or
rolling). A leaky bucket only approximates that: to be safe it must drain a little under N / W,
and with a bucket of one (small quotas) every late wake-up of the event loop is lost for good,
about 1.5% of a 6-second window on a busy machine (issue 21). This limiter is exact instead:

* **the log**: the send times of the last ``count`` grants; one more may go when the oldest of
  them is at least ``span`` seconds old. Then no half-open window of ``span`` seconds ever holds
  more than ``count`` grants, whatever the sender does, so neither a fixed nor a rolling window
  of the service does (``span`` includes the allowance for network and scheduling jitter).
  A late grant delays only its own successor one lap later; nothing else is lost.
* **the pacer**: grants at least ``interval`` apart on a schedule (GCRA) that tolerates
  ``tolerance`` seconds of lateness, so the first window is spread evenly instead of sent in
  one burst, and at most ``tolerance / interval + 1`` requests ever go back to back.

The state is a deque and two floats; :meth:`WindowLimiter.try_take` is pure arithmetic on a
time given by the caller (tests drive it on a fake clock), :meth:`WindowLimiter.acquire` sleeps
on the running loop's clock until it succeeds.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Callable
from typing import Final

__all__ = ["WindowLimiter"]

#: Longest send-time log kept; a bigger quota is enforced as k equal sub-windows.
MAX_LOG_LENGTH: Final = 100_000


class WindowLimiter:
    """At most ``count`` grants in any window of ``span`` seconds, at least ``interval`` apart.

    Args:
        count: grants allowed in any window of ``span`` seconds (at least 1).
        span: the window, in seconds, jitter allowance included.
        interval: the pacing between grants, in seconds (0: no pacing).
        tolerance: seconds of lateness the pacer catches up (back-to-back grants).
        clock: the time source of :meth:`acquire` (default: the running loop's clock).

    Examples:
        >>> limiter = WindowLimiter(count=2, span=10.0, interval=1.0)
        >>> [limiter.try_take(t) for t in (0.0, 0.5, 1.0, 2.0, 10.0, 11.0)]
        [0.0, 0.5, 0.0, 8.0, 0.0, 0.0]
    """

    __slots__ = ("_clock", "_interval", "_log", "_next_due", "_span", "_tolerance", "count")

    def __init__(
        self,
        *,
        count: int,
        span: float,
        interval: float = 0.0,
        tolerance: float = 0.0,
        clock: Callable[[], float] | None = None,
    ) -> None:
        parts = max(1, math.ceil(count / MAX_LOG_LENGTH))
        # k sub-windows of span / k holding count // k each: any window of span is covered by
        # k of them, so it still holds at most count.
        self.count = count // parts
        self._span = span / parts
        self._interval = interval
        self._tolerance = tolerance
        self._clock = clock
        self._log: deque[float] = deque(maxlen=self.count)
        self._next_due = -math.inf

    def __repr__(self) -> str:
        return (
            f"WindowLimiter(count={self.count}, span={self._span!r}, "
            f"interval={self._interval!r}, tolerance={self._tolerance!r})"
        )

    def wait(self, now: float) -> float:
        """Seconds from ``now`` until one more grant is allowed (0.0: allowed now)."""
        earliest = self._next_due - self._tolerance
        if len(self._log) == self.count:
            earliest = max(earliest, self._log[0] + self._span)
        return max(0.0, earliest - now)

    def try_take(self, now: float) -> float:
        """Take a grant at ``now`` if allowed (returns 0.0), else return the seconds to wait.

        ``now`` must never go backwards between calls (a monotonic clock).
        """
        wait = self.wait(now)
        if wait > 0.0:
            return wait
        self._log.append(now)
        self._next_due = max(self._next_due, now) + self._interval
        return 0.0

    async def acquire(self) -> None:
        """Wait until a grant is allowed, then take it (concurrent callers each get one)."""
        clock = self._clock or asyncio.get_running_loop().time
        # the wait is known exactly: a timed sleep, not an event (nobody sets one)
        while (wait := self.try_take(clock())) > 0.0:  # noqa: ASYNC110
            await asyncio.sleep(wait)
