"""Named defaults of the shared HTTP layer (no magic numbers in the modules that use them)."""

from __future__ import annotations

from typing import Final

import httpx

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

#: Share of a rate quota that may be sent back to back (catch-up after a late wake-up).
RATE_BURST_FRACTION: Final = 0.01
#: Seconds of delay jitter between our send and the server's count that rate limits absorb.
RATE_JITTER: Final = 0.1

#: Headers carrying a wait in milliseconds (Azure), tried before ``Retry-After``.
RETRY_AFTER_MS_HEADERS: Final = ("retry-after-ms", "x-ms-retry-after-ms")

#: Concurrent requests in flight per client.
MAX_CONCURRENCY: Final = 4
#: Seconds in the "per minute" and "per day" quota windows.
MINUTE: Final = 60.0
DAY: Final = 86_400.0

#: Largest response body read, in bytes (after content decoding); bigger answers are refused.
MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
#: Timeouts of an owned ``httpx.AsyncClient`` (seconds).
TIMEOUT: Final = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=30.0)
#: Response headers that may carry the service's request id, tried in order.
REQUEST_ID_HEADERS: Final = (
    "x-request-id",
    "x-ms-request-id",
    "request-id",
    "x-amzn-requestid",
    "x-cloud-trace-context",
)
#: Longest error text taken from a response body into an exception message.
MAX_ERROR_TEXT: Final = 500
#: Hosts that may be reached over plain HTTP without ``allow_http=True`` (test servers).
LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
#: Prefix of every logger of this layer: ``asisdk.http.<service>``.
LOGGER_PREFIX: Final = "asisdk.http"
#: The ``User-Agent`` sent by owned clients.
USER_AGENT: Final = "asisdk/0.1 (+https://github.com/asisdk; httpx)"
