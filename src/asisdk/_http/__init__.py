"""The shared async HTTP layer of asisdk's service clients (private; API stable for clients).

Every service client (VirusTotal, IPStack, Log Analytics) owns one :class:`ApiClient` and adds
only what is specific to its service: how to build a request, how to read an answer, and an
*error parser* that says which answers are errors. Everything else lives here, once:

* **Transport**: an owned or injected ``httpx.AsyncClient``; ``base_url`` overridable (tests use
  ``http://127.0.0.1:PORT``), HTTPS required otherwise unless ``allow_http=True``. An owned
  client is re-created when the running event loop changes (``asyncio.run`` per call); an
  injected one used from a second loop raises :class:`EventLoopMismatchError`.
* **Limits** (:class:`RequestLimits`, :class:`RateLimit`, :class:`Limiter`): per-period rate
  quotas with a sliding log of send times, evenly paced (so no window of the service ever
  sees more than the quota), a per-UTC-day budget that fails fast, and a concurrency
  semaphore. Loop-bound objects are created inside the running loop on first use.
* **Retries** (:class:`RetryPolicy`): transport errors, timeouts, 408, 429 and 5xx, with
  exponential backoff and full jitter, honouring ``Retry-After`` (seconds or HTTP date; and
  Azure's ``retry-after-ms`` / ``x-ms-retry-after-ms``) up to ``max_retry_after``;
  ``RetryPolicy(instant=True)`` for tests.
* **Errors** (:class:`ErrorDescription`, :data:`ErrorParser`): answers become
  :class:`~asisdk.errors.ApiStatusError` subclasses carrying ``status_code``, ``service_code``
  and ``request_id``; no answer becomes :class:`~asisdk.errors.TransportError` /
  :class:`~asisdk.errors.RequestTimeoutError`.
* **Secrets** (:class:`SecretMasker`): ``Secret`` header and parameter values, and parameters
  named in ``masked_params`` (IPStack's ``access_key``), are masked in logs, reprs and errors.
* **Batches** (:func:`run_batch`, :func:`iter_batch`, :class:`BatchResult`): the one engine
  behind every ``lookup_many``: deduplicated, bounded concurrency, per-item statuses, stop on
  quota exhaustion, ``progress=``, cancellation that leaves no task behind.
* **Logging**: ``logging.getLogger("asisdk.http.<service>")``; DEBUG per attempt and per
  retry (retries heal themselves), INFO when a request gives up; secrets masked; no handlers
  are added.

A minimal service client::

    class WidgetClient:
        def __init__(self, api_key: str, *, http_client: httpx.AsyncClient | None = None):
            self._api = ApiClient(
                service="widgets",
                base_url="https://api.widgets.example/v2",
                headers={"Authorization": Secret(f"Bearer {api_key}")},
                limits=RequestLimits.create(requests_per_minute=60, max_concurrency=8),
                http_client=http_client,
            )

        async def widget(self, widget_id: str) -> dict[str, object]:
            return await self._api.get_json(f"/widgets/{widget_id}")

        async def aclose(self) -> None:
            await self._api.aclose()
"""

from __future__ import annotations

from asisdk._http._batch import (
    BatchResult,
    BatchStatus,
    Progress,
    ProgressBar,
    ProgressCallback,
    ProgressOption,
    iter_batch,
    run_batch,
)
from asisdk._http._client import ApiClient, QueryParams, retry_after_of
from asisdk._http._errors import (
    ErrorDescription,
    ErrorParser,
    EventLoopMismatchError,
    default_error_parser,
    error_type_for_status,
)
from asisdk._http._limits import Limiter, RateLimit, RequestLimits
from asisdk._http._masking import HttpLogFilter, SecretMasker, register_secrets
from asisdk._http._retry import RetryPolicy, parse_retry_after
from asisdk._http._service import ServiceClient

__all__ = [
    "ApiClient",
    "BatchResult",
    "BatchStatus",
    "ErrorDescription",
    "ErrorParser",
    "EventLoopMismatchError",
    "HttpLogFilter",
    "Limiter",
    "Progress",
    "ProgressBar",
    "ProgressCallback",
    "ProgressOption",
    "QueryParams",
    "RateLimit",
    "RequestLimits",
    "RetryPolicy",
    "SecretMasker",
    "ServiceClient",
    "default_error_parser",
    "error_type_for_status",
    "iter_batch",
    "parse_retry_after",
    "register_secrets",
    "retry_after_of",
    "run_batch",
]
