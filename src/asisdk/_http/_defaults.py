"""Named defaults of the shared HTTP layer (no magic numbers in the modules that use them)."""

from __future__ import annotations

from typing import Final

import httpx

# The defaults of the policies (attempts, backoff, quotas, concurrency) are named with the
# policies in asisdk._policies, which loads without httpx.

#: Headers carrying a wait in milliseconds (Azure), tried before ``Retry-After``.
RETRY_AFTER_MS_HEADERS: Final = ("retry-after-ms", "x-ms-retry-after-ms")

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
