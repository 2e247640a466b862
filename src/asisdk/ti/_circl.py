"""CIRCL hashlookup: known files (NSRL and vendor sets), which is a ``known_good`` answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from asisdk._http import RateLimit, RequestLimits, RetryPolicy
from asisdk.config import Config
from asisdk.ti import _defaults
from asisdk.ti._model import TiStatus, Verdict
from asisdk.ti._observables import TiObservable
from asisdk.ti._provider import Answer, HttpProvider

__all__ = ["CirclHashlookupProvider", "parse_hashlookup"]

_MALICIOUS_SEVERITY = 90


def parse_hashlookup(kind: str, value: str, body: Mapping[str, Any]) -> Answer:
    """The answer from a ``/lookup/<algorithm>/<hash>`` JSON body (pure).

    A hash hashlookup knows is a known file: ``known_good``, unless the entry carries
    ``KnownMalicious`` (a few vendor sets list known malware).

    Examples:
        >>> parse_hashlookup("sha1", "a" * 40, {"FileName": "kernel32.dll",
        ...     "source": "NSRL", "hashlookup:trust": 100}).verdict
        <Verdict.KNOWN_GOOD: 'known_good'>
    """
    reasons = []
    for field, label in (("FileName", "file"), ("ProductName", "product"), ("source", "source")):
        if body.get(field):
            reasons.append(f"{label}: {body[field]}")
    trust = body.get("hashlookup:trust")
    if trust is not None:
        reasons.append(f"trust {trust}")
    malicious = body.get("KnownMalicious")
    if malicious:
        reasons.append(f"known malicious: {malicious}")
    return Answer(
        status=TiStatus.FOUND,
        verdict=Verdict.MALICIOUS if malicious else Verdict.KNOWN_GOOD,
        severity=_MALICIOUS_SEVERITY if malicious else 0,
        reasons=tuple(reasons),
        raw=dict(body),
        permalink=f"{_defaults.CIRCL_URL}/lookup/{kind}/{value}",
    )


class CirclHashlookupProvider(HttpProvider):
    """CIRCL hashlookup (no key; at most 10 requests per second by default)."""

    name = "circl"
    types = frozenset({"md5", "sha1", "sha256"})
    default_url = _defaults.CIRCL_URL

    def __init__(
        self,
        *,
        base_url: str | None = None,
        limits: RequestLimits | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | None = None,
        config: Config | None = None,
    ) -> None:
        super().__init__(
            headers={},
            base_url=base_url,
            limits=limits
            or RequestLimits(
                rates=[RateLimit(max_requests=_defaults.CIRCL_PER_SECOND, period=1.0)],
                max_concurrency=_defaults.MAX_CONCURRENCY,
            ),
            retry=retry,
            http_client=http_client,
            timeout=timeout,
            config=config,
        )

    async def query(self, observable: TiObservable) -> Answer:
        kind, value = str(observable.type), str(observable.value)
        body = await self._api.get_json(f"/lookup/{kind}/{value}")
        return parse_hashlookup(kind, value, body if isinstance(body, Mapping) else {})
