"""CIRCL hashlookup: known files (NSRL and vendor sets), which is a ``known_good`` answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from asisdk.ti import _defaults
from asisdk.ti._model import Verdict
from asisdk.ti._observables import TiObservable
from asisdk.ti._provider import Answer, HttpProvider, found, quota

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
    return found(
        body,
        verdict=Verdict.MALICIOUS if malicious else Verdict.KNOWN_GOOD,
        severity=_MALICIOUS_SEVERITY if malicious else 0,
        reasons=reasons,
        permalink=f"{_defaults.CIRCL_URL}/lookup/{kind}/{value}",
    )


class CirclHashlookupProvider(HttpProvider):
    """CIRCL hashlookup (no key; at most 10 requests per second by default)."""

    name = "circl"
    types = frozenset({"md5", "sha1", "sha256"})
    default_url = _defaults.CIRCL_URL
    default_limits = quota(per_second=_defaults.CIRCL_PER_SECOND)

    async def query(self, observable: TiObservable) -> Answer:
        kind, value = str(observable.type), str(observable.value)
        return parse_hashlookup(kind, value, await self.get_json(f"/lookup/{kind}/{value}"))
