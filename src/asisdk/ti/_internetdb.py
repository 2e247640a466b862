"""Shodan InternetDB: open ports, tags, CPEs and CVEs of an IP address (no key)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from asisdk.ti import _defaults
from asisdk.ti._model import Verdict
from asisdk.ti._observables import TiObservable
from asisdk.ti._provider import Answer, HttpProvider, found, quota

__all__ = ["InternetDbProvider", "parse_internetdb"]

_MALICIOUS_SEVERITY: Final = 80
_LISTED: Final = 10


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def parse_internetdb(body: Mapping[str, Any]) -> Answer:
    """The answer from an InternetDB JSON body (pure).

    Tags naming compromise (``c2``, ``compromised``, ``malware``) make an address
    ``malicious``; known CVEs make it ``suspicious`` (exposed, maybe exploited); otherwise the
    answer is context only (``unknown``).

    Examples:
        >>> parse_internetdb({"ip": "203.0.113.5", "ports": [22, 80], "tags": ["c2"],
        ...                   "vulns": [], "cpes": [], "hostnames": []}).verdict
        <Verdict.MALICIOUS: 'malicious'>
    """
    ports, tags, vulns, hostnames = (
        _strings(body.get(key)) for key in ("ports", "tags", "vulns", "hostnames")
    )
    reasons = []
    if ports:
        reasons.append("ports " + ", ".join(ports[:_LISTED]))
    if tags:
        reasons.append("tags: " + ", ".join(tags))
    if vulns:
        reasons.append(f"{len(vulns)} CVE(s): " + ", ".join(sorted(vulns)[:_LISTED]))
    if hostnames:
        reasons.append("hostnames: " + ", ".join(hostnames[:_LISTED]))
    if _defaults.INTERNETDB_MALICIOUS_TAGS & set(tags):
        verdict, severity = Verdict.MALICIOUS, _MALICIOUS_SEVERITY
    elif vulns:
        verdict = Verdict.SUSPICIOUS
        severity = min(
            _defaults.MALICIOUS_SEVERITY - 1,
            _defaults.INTERNETDB_CVE_BASE + _defaults.INTERNETDB_CVE_STEP * (len(vulns) - 1),
        )
    else:
        verdict, severity = Verdict.UNKNOWN, 0
    address = str(body.get("ip", ""))
    return found(
        body,
        verdict=verdict,
        severity=severity,
        reasons=reasons,
        permalink=f"{_defaults.INTERNETDB_GUI}/{address}" if address else None,
    )


class InternetDbProvider(HttpProvider):
    """Shodan InternetDB (no key; 1 request per second by default)."""

    name = "internetdb"
    types = frozenset({"ipv4"})
    default_url = _defaults.INTERNETDB_URL
    default_limits = quota(per_second=_defaults.INTERNETDB_PER_SECOND)

    async def query(self, observable: TiObservable) -> Answer:
        return parse_internetdb(await self.get_json(f"/{observable.value}"))
