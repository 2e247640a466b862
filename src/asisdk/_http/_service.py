"""ServiceClient: what every service client built on :class:`ApiClient` shares."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, Self

import attrs

from asisdk._closing import AsyncClosing
from asisdk._http._client import ApiClient
from asisdk._http._limits import RateLimit, RequestLimits
from asisdk._http._retry import RetryPolicy
from asisdk._policies import MINUTE
from asisdk.errors import ConfigurationError

__all__ = ["LIMIT_SHORTCUTS", "ServiceClient", "apply_limit_shortcuts", "limits_or_shortcuts"]

#: Constructor keywords that are shortcuts for parts of ``limits=``.
LIMIT_SHORTCUTS: Final = frozenset({"requests_per_minute", "requests_per_day", "max_concurrency"})


def limits_or_shortcuts(
    limits: RequestLimits | None, shortcuts: Mapping[str, Any]
) -> RequestLimits:
    """``limits`` when given (it says every limit, so the shortcuts are not read), else the
    limits the shortcut keywords describe."""
    return limits if limits is not None else RequestLimits.create(**shortcuts)


def apply_limit_shortcuts(limits: RequestLimits, shortcuts: Mapping[str, Any]) -> RequestLimits:
    """``limits`` with the shortcut keywords given applied; the other limits are kept.

    ``requests_per_minute`` replaces the per-minute rate quotas (``None`` removes them),
    ``requests_per_day`` the daily budget, ``max_concurrency`` the concurrency bound.

    Examples:
        >>> limits = RequestLimits.create(requests_per_minute=4, requests_per_day=500)
        >>> changed = apply_limit_shortcuts(limits, {"max_concurrency": 16})
        >>> changed.max_concurrency, changed.per_day, changed.rates == limits.rates
        (16, 500, True)
    """
    unknown = set(shortcuts) - LIMIT_SHORTCUTS
    if unknown:
        raise ConfigurationError(f"not a limits shortcut: {', '.join(sorted(unknown))}")
    changes: dict[str, Any] = {}
    if "requests_per_minute" in shortcuts:
        rate = shortcuts["requests_per_minute"]
        kept = tuple(r for r in limits.rates if r.period != MINUTE)
        changes["rates"] = kept if rate is None else (*kept, RateLimit.per_minute(rate))
    if "requests_per_day" in shortcuts:
        changes["per_day"] = shortcuts["requests_per_day"]
    if "max_concurrency" in shortcuts:
        changes["max_concurrency"] = shortcuts["max_concurrency"]
    return attrs.evolve(limits, **changes)


class ServiceClient(AsyncClosing):
    """Base class of the clients of one service (VirusTotal, IPStack, Log Analytics, ...).

    A subclass sets ``self._api`` to its :class:`ApiClient` in ``__init__`` and records the
    keyword arguments it was built from with :meth:`_keep_options`; this class gives it the
    read-only policies, :meth:`with_options`, ``aclose()`` and ``async with``. A subclass that
    owns more resources (a cache, a second HTTP client) extends :meth:`aclose` and calls
    ``super()``.
    """

    _api: ApiClient
    _options: Mapping[str, Any] = MappingProxyType({})

    def _keep_options(self, **options: Any) -> None:
        """Record the constructor's arguments (resolved), for :meth:`with_options`."""
        self._options = MappingProxyType(dict(options))

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy in use."""
        return self._api.retry

    @property
    def limits(self) -> RequestLimits:
        """The client-side limits in use."""
        return self._api.limits

    @property
    def options(self) -> Mapping[str, Any]:
        """The options this client was built with (read-only; change them with
        :meth:`with_options`). Secrets stay ``Secret`` objects."""
        return self._options

    def with_options(self, **changes: Any) -> Self:
        """A new client configured like this one, with ``changes`` applied.

        Nothing mutable is shared: the copy has its own HTTP client (unless ``http_client=``
        was injected, which stays the caller's), its own limiter and its own state. The
        shortcuts ``requests_per_minute``, ``requests_per_day`` and ``max_concurrency`` change
        that part of ``limits`` and keep the rest. This client is left as it is.

        Raises:
            ConfigurationError: a name the constructor does not take, or a bad value.

        Examples:
            >>> from asisdk.virustotal import VirusTotalClient
            >>> vt = VirusTotalClient("key")
            >>> fast = vt.with_options(max_concurrency=16, retry=RetryPolicy.disabled())
            >>> fast.limits.max_concurrency, vt.limits.max_concurrency, fast.retry.max_attempts
            (16, 4, 1)
        """
        if not self._options:
            raise ConfigurationError(f"{type(self).__name__} does not support with_options")
        shortcuts = {k: changes.pop(k) for k in LIMIT_SHORTCUTS & set(changes)}
        unknown = set(changes) - set(self._options)
        if unknown or (shortcuts and "limits" not in self._options):
            names = sorted(unknown) if unknown else sorted(shortcuts)
            raise ConfigurationError(
                f"{type(self).__name__}.with_options() got unknown option(s): "
                f"{', '.join(names)}; it takes {', '.join(sorted(self._options))}"
            )
        options = {**self._options, **changes}
        if shortcuts:
            options["limits"] = apply_limit_shortcuts(options["limits"], shortcuts)
        return type(self)(**options)

    async def aclose(self) -> None:
        """Close the owned HTTP client (an injected one stays open). Idempotent."""
        await self._api.aclose()
