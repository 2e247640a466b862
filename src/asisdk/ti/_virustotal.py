"""VirusTotal through the existing :class:`asisdk.virustotal.VirusTotalClient` (wrapped)."""

from __future__ import annotations

from typing import Any, Final

from asisdk.ti import _defaults
from asisdk.ti._model import TiStatus, Verdict
from asisdk.ti._observables import TiObservable
from asisdk.ti._provider import Answer, Provider, clamp_severity
from asisdk.virustotal import VirusTotalClient, VtReport, VtStatus

__all__ = ["VirusTotalProvider", "answer_from_vt"]

_VT_KINDS: Final = {
    "ipv4": "ip_address",
    "ipv6": "ip_address",
    "dns": "domain",
    "url": "url",
    "md5": "file",
    "sha1": "file",
    "sha256": "file",
}
_STATUSES: Final = {
    VtStatus.FOUND: TiStatus.FOUND,
    VtStatus.NOT_FOUND: TiStatus.NOT_FOUND,
    VtStatus.INVALID: TiStatus.INVALID,
    VtStatus.ERROR: TiStatus.ERROR,
    VtStatus.QUOTA_EXHAUSTED: TiStatus.QUOTA_EXHAUSTED,
}
_PER_ENGINE: Final = 5


def answer_from_vt(report: VtReport) -> Answer:
    """The answer from a :class:`~asisdk.virustotal.VtReport` (pure).

    Three or more engines flagging it is ``malicious``, one or two (or a ``suspicious`` count)
    ``suspicious``; engines that all call it harmless make it ``benign``.

    Examples:
        >>> from asisdk.virustotal import VtKind
        >>> report = VtReport(observable="x.example", kind=VtKind.DOMAIN,
        ...                   status=VtStatus.FOUND, malicious=5, harmless=60)
        >>> answer_from_vt(report).verdict, answer_from_vt(report).severity
        (<Verdict.MALICIOUS: 'malicious'>, 85)
    """
    status = _STATUSES[report.status]
    if status is not TiStatus.FOUND:
        return Answer(status=status, permalink=report.permalink, error=report.error)
    malicious = report.malicious or 0
    suspicious = report.suspicious or 0
    harmless = report.harmless or 0
    reasons = [f"{malicious} malicious, {suspicious} suspicious, {harmless} harmless engines"]
    if report.reputation is not None:
        reasons.append(f"reputation {report.reputation}")
    if report.tags:
        reasons.append("tags: " + ", ".join(report.tags[:10]))
    if malicious >= _defaults.VT_MALICIOUS_ENGINES:
        verdict = Verdict.MALICIOUS
        severity = clamp_severity(
            _defaults.MALICIOUS_SEVERITY
            + _PER_ENGINE * (malicious - _defaults.VT_MALICIOUS_ENGINES + 1)
        )
    elif malicious or suspicious:
        verdict = Verdict.SUSPICIOUS
        severity = clamp_severity(
            _defaults.SUSPICIOUS_SEVERITY + _PER_ENGINE * 2 * malicious + _PER_ENGINE * suspicious
        )
    elif harmless:
        verdict, severity = Verdict.BENIGN, 0
    else:
        verdict, severity = Verdict.UNKNOWN, 0
    return Answer(
        status=status,
        verdict=verdict,
        severity=severity,
        reasons=tuple(reasons),
        raw=dict(report.attributes),
        permalink=report.permalink,
    )


class VirusTotalProvider(Provider):
    """VirusTotal, via a :class:`~asisdk.virustotal.VirusTotalClient` (its quota, retries and
    key handling; ``ASISDK_VT_API_KEY``).

    Args:
        client: an open client to use (not closed here); by default one is made from
            ``options`` (without its own cache: the threat-intelligence cache is used).
        **options: arguments of :class:`~asisdk.virustotal.VirusTotalClient`.
    """

    name = "virustotal"
    types = frozenset(_VT_KINDS)

    def __init__(self, client: VirusTotalClient | None = None, **options: Any) -> None:
        self._owned = client is None
        self.client = client if client is not None else VirusTotalClient(**options)

    def __repr__(self) -> str:
        return f"VirusTotalProvider({self.client!r})"

    @property
    def max_concurrency(self) -> int:
        return self.client.limits.max_concurrency

    async def query(self, observable: TiObservable) -> Answer:
        kind = _VT_KINDS[str(observable.type)]
        return answer_from_vt(await self.client.lookup(str(observable.value), kind=kind))

    async def aclose(self) -> None:
        if self._owned:
            await self.client.aclose()
