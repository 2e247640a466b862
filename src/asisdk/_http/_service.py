"""ServiceClient: what every service client built on :class:`ApiClient` shares."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from asisdk._http._client import ApiClient
from asisdk._http._limits import RequestLimits
from asisdk._http._retry import RetryPolicy

__all__ = ["ServiceClient"]


class ServiceClient:
    """Base class of the clients of one service (VirusTotal, IPStack, Log Analytics, ...).

    A subclass sets ``self._api`` to its :class:`ApiClient` in ``__init__``; this class gives
    it the read-only policies, ``aclose()`` and ``async with``. A subclass that owns more
    resources (a cache, a second HTTP client) extends :meth:`aclose` and calls ``super()``.
    """

    _api: ApiClient

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy in use."""
        return self._api.retry

    @property
    def limits(self) -> RequestLimits:
        """The client-side limits in use."""
        return self._api.limits

    async def aclose(self) -> None:
        """Close the owned HTTP client (an injected one stays open). Idempotent."""
        await self._api.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
