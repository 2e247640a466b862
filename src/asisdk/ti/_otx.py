"""AlienVault OTX: the ``general`` section of every indicator, ``reputation`` for addresses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote

from asisdk.ti import _defaults
from asisdk.ti._model import Verdict
from asisdk.ti._observables import TiObservable
from asisdk.ti._provider import Answer, HttpProvider, clamp_severity, found, quota

__all__ = ["OtxProvider", "parse_otx"]

_SECTIONS: Final = {
    "ipv4": "IPv4",
    "ipv6": "IPv6",
    "url": "url",
    "md5": "file",
    "sha1": "file",
    "sha256": "file",
}
_GUI: Final = {"IPv4": "ip", "IPv6": "ip", "url": "url", "file": "file"}
#: OTX reputation ``threat_score`` at and above which an address is malicious.
_THREAT_SCORE_MALICIOUS: Final = 5


def otx_section(observable: TiObservable) -> str:
    """The OTX indicator type of an observable (``domain`` for a registrable name, else
    ``hostname``)."""
    if observable.type == "dns":
        return "domain" if (observable.value or "").count(".") == 1 else "hostname"
    return _SECTIONS[str(observable.type)]


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def parse_otx(
    section: str, value: str, general: Mapping[str, Any], reputation: Mapping[str, Any] | None
) -> Answer:
    """The answer from OTX's ``general`` (and, for addresses, ``reputation``) JSON (pure).

    Pulses make an indicator ``suspicious`` (more pulses, higher severity); a reputation
    threat score of 5 or more makes an address ``malicious``; an indicator OTX validates as
    whitelisted (``validation``) with no pulse is ``benign``.

    Examples:
        >>> parse_otx("domain", "x.example", {"pulse_info": {"count": 2, "pulses": [
        ...     {"name": "Emotet C2", "tags": ["emotet"]}]}}, None).verdict
        <Verdict.SUSPICIOUS: 'suspicious'>
    """
    pulse_info = _mapping(general.get("pulse_info"))
    count = pulse_info.get("count")
    listed = pulse_info.get("pulses")
    pulses: list[Any] = listed if isinstance(listed, list) else []
    count = count if isinstance(count, int) else len(pulses)
    reasons: list[str] = []
    verdict, severity = Verdict.UNKNOWN, 0
    if count:
        names = [str(p.get("name")) for p in pulses[:3] if isinstance(p, Mapping)]
        tags = sorted({str(t) for p in pulses if isinstance(p, Mapping) for t in p.get("tags", [])})
        reasons.append(f"{count} pulse(s)" + (f": {', '.join(names)}" if names else ""))
        if tags:
            reasons.append("tags: " + ", ".join(tags[:10]))
        verdict = Verdict.SUSPICIOUS
        severity = min(
            _defaults.OTX_PULSE_CAP,
            _defaults.OTX_PULSE_BASE + _defaults.OTX_PULSE_STEP * (count - 1),
        )
    rep = _mapping(_mapping(reputation).get("reputation"))
    score = rep.get("threat_score")
    if isinstance(score, int) and score > 0:
        reasons.append(f"reputation threat score {score}")
        if score >= _THREAT_SCORE_MALICIOUS:
            verdict = Verdict.MALICIOUS
            severity = max(severity, clamp_severity(_defaults.MALICIOUS_SEVERITY + 4 * score))
    validation = general.get("validation")
    if not count and isinstance(validation, list) and validation:
        names = [
            str(v.get("name") or v.get("source")) for v in validation if isinstance(v, Mapping)
        ]
        reasons.append("validated: " + ", ".join(names))
        if verdict is Verdict.UNKNOWN:
            verdict = Verdict.BENIGN
    raw: dict[str, Any] = {"general": dict(general)}
    if reputation is not None:
        raw["reputation"] = dict(reputation)
    gui = _GUI.get(section, section)
    return found(
        raw,
        verdict=verdict,
        severity=severity,
        reasons=reasons,
        permalink=f"{_defaults.OTX_GUI}/{gui}/{quote(value, safe='')}",
    )


class OtxProvider(HttpProvider):
    """AlienVault OTX (``X-OTX-API-KEY``; 10,000 requests per hour by default).

    Examples:
        >>> from asisdk.config import Config
        >>> otx = OtxProvider(api_key="k" * 64, config=Config())
        >>> otx.name, sorted(otx.types)[:3], "k" * 64 in repr(otx)
        ('otx', ['dns', 'ipv4', 'ipv6'], False)
    """

    name = "otx"
    types = frozenset({"ipv4", "ipv6", "dns", "url", "md5", "sha1", "sha256"})
    default_url = _defaults.OTX_URL
    default_limits = quota(per_hour=_defaults.OTX_PER_HOUR)
    key_header = "X-OTX-API-KEY"

    async def query(self, observable: TiObservable) -> Answer:
        section = otx_section(observable)
        value = str(observable.value)
        base = f"/indicators/{section}/{quote(value, safe='')}"
        general = await self.get_json(f"{base}/general")
        reputation = None
        if observable.type in ("ipv4", "ipv6"):
            reputation = await self.get_json(f"{base}/reputation")
        return parse_otx(section, value, general, reputation)
