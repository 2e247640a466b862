"""What a provider is: a name, the IoC types it takes, and one lookup per observable.

A provider builds a request, sends it through its own :class:`~asisdk._http.ApiClient`
(limits = the provider's documented quota, retries, error mapping, secret masking) and parses
the answer with a pure function into an :class:`Answer`. Failures are raised as
:mod:`asisdk.errors` classes; :mod:`asisdk.ti._dispatch` turns them into per-item statuses.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, ClassVar, Self

import attrs
import httpx

from asisdk._http import ApiClient, ErrorParser, RequestLimits, RetryPolicy, default_error_parser
from asisdk.config import Config, Secret, resolve_secret, resolve_setting
from asisdk.ti._model import TiStatus, Verdict
from asisdk.ti._observables import TiObservable

__all__ = ["Answer", "HttpProvider", "Provider", "clamp_severity", "provider_key"]


def clamp_severity(value: float) -> int:
    """A severity in 0..100.

    Examples:
        >>> clamp_severity(140), clamp_severity(-3), clamp_severity(41.6)
        (100, 0, 42)
    """
    return max(0, min(100, round(value)))


@attrs.frozen(kw_only=True)
class Answer:
    """A provider's parsed answer about one observable (before it becomes a ``TiResult``).

    Attributes:
        status: ``found`` / ``not_found`` (or ``invalid``, ``quota_exhausted`` when the
            provider said so in a successful answer).
        verdict: the normalised verdict.
        severity: 0-100.
        reasons: the provider's own reasons.
        raw: the decoded answer.
        permalink: the provider's page about the observable.
        error: the provider's message when the status is not an answer.
    """

    status: TiStatus
    verdict: Verdict = Verdict.UNKNOWN
    severity: int = 0
    reasons: tuple[str, ...] = ()
    raw: Mapping[str, Any] = attrs.field(factory=dict)
    permalink: str | None = None
    error: str | None = None


def provider_key(
    name: str,
    value: str | Secret | None,
    *,
    config: Config | None,
    env_aliases: Sequence[str] = (),
    required: bool = True,
) -> Secret | None:
    """The key of provider ``name``: argument, ``ASISDK_<NAME>_API_KEY``, ``[name] api_key``."""
    return resolve_secret(
        f"{name}.api_key", value, env_aliases=env_aliases, config=config, required=required
    )


class Provider(abc.ABC):
    """A threat-intelligence provider (subclass it to add one).

    Class attributes:
        name: the short name used in results, the cache and ``--providers``.
        types: the IoC types it is asked about; others are ``unsupported`` without a request.
    """

    name: ClassVar[str]
    types: ClassVar[frozenset[str]]

    @property
    def max_concurrency(self) -> int:
        """Lookups in flight at once for this provider."""
        return 1

    def supports(self, observable: TiObservable) -> bool:
        """Whether this provider takes the observable's type."""
        return observable.type in self.types

    @abc.abstractmethod
    async def query(self, observable: TiObservable) -> Answer:
        """Ask about one valid, public observable of a supported type.

        Raises:
            NotFoundError: the provider knows nothing about it (a 404).
            AuthenticationError: the key was refused.
            QuotaExceededError, RateLimitedError: the quota is used up.
            ApiError: any other failure after retries.
        """

    async def aclose(self) -> None:  # noqa: B027 - most providers hold nothing to release
        """Release the provider's resources. Idempotent."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class HttpProvider(Provider):
    """A provider talking to one HTTP API through an owned :class:`ApiClient`.

    Args:
        base_url: the API root (``ASISDK_<NAME>_BASE_URL`` or ``[name] base_url`` when not
            given; tests point it at ``http://127.0.0.1:PORT``).
        limits: the client-side limits (default: the provider's documented quota).
        retry: the retry policy (``RetryPolicy(instant=True)`` in tests).
        http_client: an ``httpx.AsyncClient`` to share (not closed here).
        timeout: timeouts of the owned HTTP client.
        config: an already loaded configuration.
    """

    default_url: ClassVar[str]

    def __init__(
        self,
        *,
        headers: Mapping[str, str | Secret],
        base_url: str | None,
        limits: RequestLimits,
        retry: RetryPolicy | None,
        http_client: httpx.AsyncClient | None,
        timeout: httpx.Timeout | None,
        config: Config | None,
        error_parser: ErrorParser = default_error_parser,
    ) -> None:
        root = resolve_setting(f"{self.name}.base_url", base_url, config=config)
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        self._api = ApiClient(
            service=self.name,
            base_url=root or self.default_url,
            headers={"Accept": "application/json", **headers},
            limits=limits,
            retry=retry,
            http_client=http_client,
            error_parser=error_parser,
            **extra,
        )

    @property
    def api(self) -> ApiClient:
        """The HTTP client (its limiter and retry policy are readable)."""
        return self._api

    @property
    def max_concurrency(self) -> int:
        return self._api.limits.max_concurrency

    async def aclose(self) -> None:
        await self._api.aclose()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self._api.base_url!r}, limits={self._api.limits!r})"
        )
