"""What a provider is: a name, the IoC types it takes, and one lookup per observable.

A provider builds a request, sends it through its own :class:`~asisdk._http.ApiClient`
(limits = the provider's documented quota, retries, error mapping, secret masking) and parses
the answer with a pure function into an :class:`Answer`. Failures are raised as
:mod:`asisdk.errors` classes; :mod:`asisdk.ti._dispatch` turns them into per-item statuses (a
404 is ``not_found`` there, for every provider).

:class:`HttpProvider` holds what the HTTP providers share: the constructor (key, URL, limits,
retries, client, timeout, config), the key's header, the JSON GET and the idempotent lookup
POST; a provider states only its class attributes, its ``query`` and its pure parser.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypedDict

import attrs
import httpx

from asisdk._closing import AsyncClosing
from asisdk._http import (
    ApiClient,
    ErrorParser,
    QueryParams,
    RateLimit,
    RequestLimits,
    RetryPolicy,
    default_error_parser,
)
from asisdk.config import Config, Secret, resolve_secret, resolve_setting
from asisdk.errors import ConfigurationError
from asisdk.ti import _defaults
from asisdk.ti._model import TiStatus, Verdict
from asisdk.ti._observables import TiObservable

__all__ = [
    "Answer",
    "HttpOptions",
    "HttpProvider",
    "Provider",
    "clamp_severity",
    "found",
    "provider_key",
    "quota",
]


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


def found(
    raw: Mapping[str, Any],
    *,
    verdict: Verdict,
    severity: int,
    reasons: Sequence[str],
    permalink: str | None,
) -> Answer:
    """A ``found`` answer: what every parser builds once it has read the provider's body.

    Examples:
        >>> found({"ip": "192.0.2.1"}, verdict=Verdict.BENIGN, severity=0, reasons=["scanner"],
        ...       permalink=None).reasons
        ('scanner',)
    """
    return Answer(
        status=TiStatus.FOUND,
        verdict=verdict,
        severity=severity,
        reasons=tuple(reasons),
        raw=dict(raw),
        permalink=permalink,
    )


def quota(
    *, per_second: float | None = None, per_hour: float | None = None, per_day: int | None = None
) -> RequestLimits:
    """A provider's documented quota as limits (with the default concurrency).

    Examples:
        >>> quota(per_second=10).rates[0].max_requests, quota(per_day=100).per_day
        (10, 100)
    """
    rates = []
    if per_second is not None:
        rates.append(RateLimit(max_requests=per_second, period=1.0))
    if per_hour is not None:
        rates.append(RateLimit(max_requests=per_hour, period=3600.0))
    return RequestLimits(rates=rates, per_day=per_day, max_concurrency=_defaults.MAX_CONCURRENCY)


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


class Provider(AsyncClosing, abc.ABC):
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

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class HttpOptions(TypedDict, total=False):
    """The keyword options every :class:`HttpProvider` takes (for ``**options`` of subclasses)."""

    base_url: str | None
    limits: RequestLimits | None
    retry: RetryPolicy | None
    http_client: httpx.AsyncClient | None
    timeout: httpx.Timeout | None
    config: Config | None


class HttpProvider(Provider):
    """A provider talking to one HTTP API through an owned :class:`ApiClient`.

    A subclass sets ``name``, ``types``, ``default_url`` and ``default_limits`` (its documented
    quota), and when it takes a key ``key_header`` (``key_required = False`` for an optional
    one, ``key_env_aliases`` for other environment variables); ``error_parser`` reads its error
    bodies. Then it writes only ``query``.

    Args:
        api_key: the key (else ``ASISDK_<NAME>_API_KEY`` or ``[name] api_key``); a provider
            without ``key_header`` takes none.
        base_url: the API root (``ASISDK_<NAME>_BASE_URL`` or ``[name] base_url`` when not
            given; tests point it at ``http://127.0.0.1:PORT``).
        limits: the client-side limits (default: the provider's documented quota).
        retry: the retry policy (``RetryPolicy(instant=True)`` in tests).
        http_client: an ``httpx.AsyncClient`` to share (not closed here).
        timeout: timeouts of the owned HTTP client.
        config: an already loaded configuration.
        headers: more request headers (besides the key's).
        error_parser: overrides the class's ``error_parser``.

    Raises:
        ConfigurationError: a required key is missing, or a key given to a keyless provider.
    """

    default_url: ClassVar[str]
    default_limits: ClassVar[RequestLimits] = RequestLimits(
        max_concurrency=_defaults.MAX_CONCURRENCY
    )
    key_header: ClassVar[str | None] = None
    key_required: ClassVar[bool] = True
    key_env_aliases: ClassVar[tuple[str, ...]] = ()
    error_parser: ClassVar[ErrorParser] = default_error_parser

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        base_url: str | None = None,
        limits: RequestLimits | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | None = None,
        config: Config | None = None,
        headers: Mapping[str, str | Secret] | None = None,
        error_parser: ErrorParser | None = None,
    ) -> None:
        sent: dict[str, str | Secret] = {"Accept": "application/json"}
        if self.key_header is None:
            if api_key is not None:
                raise ConfigurationError(f"{self.name} takes no API key")
        else:
            key = provider_key(
                self.name,
                api_key,
                config=config,
                env_aliases=self.key_env_aliases,
                required=self.key_required,
            )
            if key is not None:
                sent[self.key_header] = key
        sent.update(headers or {})
        root = resolve_setting(f"{self.name}.base_url", base_url, config=config)
        self._api = ApiClient(
            service=self.name,
            base_url=root or self.default_url,
            headers=sent,
            limits=limits or self.default_limits,
            retry=retry,
            http_client=http_client,
            error_parser=error_parser or type(self).error_parser,
            timeout=timeout,
        )

    @property
    def api(self) -> ApiClient:
        """The HTTP client (its limiter and retry policy are readable)."""
        return self._api

    @property
    def max_concurrency(self) -> int:
        return self._api.limits.max_concurrency

    async def get_json(self, path: str, *, params: QueryParams | None = None) -> Mapping[str, Any]:
        """GET ``path`` and decode its JSON object (``{}`` for any other JSON value)."""
        body = await self._api.get_json(path, params=params)
        return body if isinstance(body, Mapping) else {}

    async def post_json(
        self, path: str, *, data: Mapping[str, str] | None = None, json: object = None
    ) -> Mapping[str, Any]:
        """POST a lookup and decode its JSON object (``{}`` for any other JSON value).

        Lookups change nothing on the server, so they are retried although they are POSTs.
        """
        response = await self._api.request("POST", path, data=data, json=json, idempotent=True)
        body = self._api.decode_json(response)
        return body if isinstance(body, Mapping) else {}

    async def aclose(self) -> None:
        await self._api.aclose()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self._api.base_url!r}, limits={self._api.limits!r})"
        )
