"""abuse.ch: URLhaus (URLs, hosts, payloads), ThreatFox (IoCs) and MalwareBazaar (samples).

All three take the same ``Auth-Key`` (``ASISDK_ABUSECH_API_KEY``, or a per-service
``ASISDK_URLHAUS_API_KEY`` ...) and answer HTTP 200 with a ``query_status`` that says what
happened: ``ok``, ``no_results`` / ``no_result`` / ``hash_not_found`` (not found),
``invalid_*`` / ``illegal_*`` (a value it refuses), or an auth-key problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote

from asisdk.errors import AuthenticationError
from asisdk.ti import _defaults
from asisdk.ti._model import TiStatus, Verdict
from asisdk.ti._observables import TiObservable
from asisdk.ti._provider import Answer, HttpProvider, clamp_severity, found, quota

__all__ = [
    "MalwareBazaarProvider",
    "ThreatFoxProvider",
    "UrlhausProvider",
    "parse_malwarebazaar",
    "parse_threatfox",
    "parse_urlhaus",
]

_NOT_FOUND: Final = frozenset({"no_results", "no_result", "hash_not_found"})
_ONLINE_SEVERITY: Final = 90
_OFFLINE_SEVERITY: Final = 75
_SAMPLE_SEVERITY: Final = 90


def _status_answer(body: Mapping[str, Any], service: str) -> Answer | None:
    """The answer for a ``query_status`` other than ``ok`` (``None`` for ``ok``)."""
    status = str(body.get("query_status", ""))
    if status == "ok":
        return None
    if status in _NOT_FOUND:
        return Answer(status=TiStatus.NOT_FOUND, raw=dict(body))
    if "auth" in status:
        raise AuthenticationError(
            f"{service} refused the Auth-Key ({status}); get one at https://auth.abuse.ch/",
            status_code=401,
            service_code=status,
            service=service,
        )
    if status.startswith(("invalid", "illegal")):
        return Answer(status=TiStatus.INVALID, raw=dict(body), error=f"{service}: {status}")
    return Answer(
        status=TiStatus.ERROR, raw=dict(body), error=f"{service}: {status or 'no status'}"
    )


def _data_items(body: Mapping[str, Any], service: str) -> list[Mapping[str, Any]] | Answer:
    """The ``data`` records of an ``ok`` body, else the answer the body is (not found ...)."""
    early = _status_answer(body, service)
    if early is not None:
        return early
    items = [d for d in body.get("data") or [] if isinstance(d, Mapping)]
    return items or Answer(status=TiStatus.NOT_FOUND, raw=dict(body))


def _tags(value: object) -> list[str]:
    return [str(t) for t in value] if isinstance(value, list) else []


def parse_urlhaus(kind: str, body: Mapping[str, Any]) -> Answer:
    """The answer from a URLhaus ``url``, ``host`` or ``payload`` JSON body (pure).

    Examples:
        >>> parse_urlhaus("url", {"query_status": "ok", "url_status": "online",
        ...     "threat": "malware_download", "tags": ["elf"],
        ...     "urlhaus_reference": "https://urlhaus.abuse.ch/url/1/"}).severity
        90
        >>> parse_urlhaus("dns", {"query_status": "no_results"}).status
        <TiStatus.NOT_FOUND: 'not_found'>
    """
    early = _status_answer(body, "urlhaus")
    if early is not None:
        return early
    reasons: list[str] = []
    link = body.get("urlhaus_reference")
    if kind == "url":
        online = body.get("url_status") == "online"
        reasons.append(f"{body.get('threat') or 'malware'} URL ({body.get('url_status')})")
        severity = _ONLINE_SEVERITY if online else _OFFLINE_SEVERITY
        tags = _tags(body.get("tags"))
    elif kind in ("md5", "sha256"):
        reasons.append(f"payload seen {body.get('url_count', '?')} time(s)")
        if body.get("signature"):
            reasons.append(f"signature: {body['signature']}")
        if body.get("file_type"):
            reasons.append(f"file type: {body['file_type']}")
        severity = _SAMPLE_SEVERITY
        tags = []
        link = (
            f"https://urlhaus.abuse.ch/browse.php?search={quote(str(body.get('sha256_hash', '')))}"
        )
    else:
        listed = body.get("urls")
        urls: list[Any] = listed if isinstance(listed, list) else []
        online = sum(1 for u in urls if isinstance(u, Mapping) and u.get("url_status") == "online")
        reasons.append(f"{body.get('url_count', len(urls))} malware URL(s), {online} online")
        blacklists = body.get("blacklists")
        if isinstance(blacklists, Mapping):
            listed = [f"{k}: {v}" for k, v in blacklists.items() if v and v != "not listed"]
            reasons.extend(listed)
        severity = _ONLINE_SEVERITY if online else _OFFLINE_SEVERITY
        tags = sorted({t for u in urls if isinstance(u, Mapping) for t in _tags(u.get("tags"))})
    if tags:
        reasons.append("tags: " + ", ".join(tags[:10]))
    return found(
        body,
        verdict=Verdict.MALICIOUS,
        severity=severity,
        reasons=reasons,
        permalink=str(link) if link else None,
    )


def parse_threatfox(body: Mapping[str, Any]) -> Answer:
    """The answer from a ThreatFox ``search_ioc`` / ``search_hash`` JSON body (pure).

    The highest ``confidence_level`` is the severity (70 or more: ``malicious``).

    Examples:
        >>> parse_threatfox({"query_status": "ok", "data": [{"id": "41", "ioc": "x.example",
        ...     "threat_type": "botnet_cc", "malware_printable": "Cobalt Strike",
        ...     "confidence_level": 100, "tags": ["cs"]}]}).reasons[0]
        'botnet_cc: Cobalt Strike (confidence 100)'
    """
    items = _data_items(body, "threatfox")
    if isinstance(items, Answer):
        return items
    reasons = []
    best = 0
    for item in items[:5]:
        confidence = item.get("confidence_level")
        confidence = confidence if isinstance(confidence, int) else 50
        best = max(best, confidence)
        reasons.append(
            f"{item.get('threat_type', 'ioc')}: {item.get('malware_printable', 'unknown')} "
            f"(confidence {confidence})"
        )
    tags = sorted({t for item in items for t in _tags(item.get("tags"))})
    if tags:
        reasons.append("tags: " + ", ".join(tags[:10]))
    severity = clamp_severity(best)
    verdict = Verdict.MALICIOUS if severity >= _defaults.MALICIOUS_SEVERITY else Verdict.SUSPICIOUS
    return found(
        body,
        verdict=verdict,
        severity=max(severity, _defaults.SUSPICIOUS_SEVERITY),
        reasons=reasons,
        permalink=f"{_defaults.THREATFOX_GUI}/{items[0].get('id')}/",
    )


def parse_malwarebazaar(body: Mapping[str, Any]) -> Answer:
    """The answer from a MalwareBazaar ``get_info`` JSON body (pure): a known sample.

    Examples:
        >>> parse_malwarebazaar({"query_status": "ok", "data": [{"sha256_hash": "ab" * 32,
        ...     "signature": "AgentTesla", "file_type": "exe", "tags": ["rat"]}]}).verdict
        <Verdict.MALICIOUS: 'malicious'>
    """
    items = _data_items(body, "malwarebazaar")
    if isinstance(items, Answer):
        return items
    sample = items[0]
    reasons = ["malware sample"]
    for field, label in (("signature", "signature"), ("file_type", "file type")):
        if sample.get(field):
            reasons.append(f"{label}: {sample[field]}")
    tags = _tags(sample.get("tags"))
    if tags:
        reasons.append("tags: " + ", ".join(tags[:10]))
    sha256 = sample.get("sha256_hash")
    return found(
        body,
        verdict=Verdict.MALICIOUS,
        severity=_SAMPLE_SEVERITY,
        reasons=reasons,
        permalink=f"{_defaults.MALWAREBAZAAR_GUI}/{sha256}/" if sha256 else None,
    )


class _AbuseChProvider(HttpProvider):
    """What the abuse.ch providers share: the ``Auth-Key`` and the quota."""

    default_limits = quota(per_second=_defaults.ABUSECH_PER_SECOND)
    key_header = "Auth-Key"
    key_env_aliases = (_defaults.ABUSECH_KEY_ENV,)


class UrlhausProvider(_AbuseChProvider):
    """URLhaus: malware URLs (``url``), hosts serving them (``host``) and payloads."""

    name = "urlhaus"
    types = frozenset({"url", "dns", "ipv4", "ipv6", "md5", "sha256"})
    default_url = _defaults.URLHAUS_URL

    async def query(self, observable: TiObservable) -> Answer:
        kind, value = str(observable.type), str(observable.value)
        if kind == "url":
            body = await self.post_json("/url/", data={"url": value})
        elif kind in ("md5", "sha256"):
            body = await self.post_json("/payload/", data={f"{kind}_hash": value})
        else:
            body = await self.post_json("/host/", data={"host": value})
        return parse_urlhaus(kind, body)


class ThreatFoxProvider(_AbuseChProvider):
    """ThreatFox: IoCs (addresses, domains, URLs, hashes) with malware and confidence."""

    name = "threatfox"
    types = frozenset({"ipv4", "dns", "url", "md5", "sha1", "sha256"})
    default_url = _defaults.THREATFOX_URL

    async def query(self, observable: TiObservable) -> Answer:
        value = str(observable.value)
        request: dict[str, object] = (
            {"query": "search_hash", "hash": value}
            if observable.type in ("md5", "sha1", "sha256")
            else {"query": "search_ioc", "search_term": value, "exact_match": True}
        )
        return parse_threatfox(await self.post_json("/", json=request))


class MalwareBazaarProvider(_AbuseChProvider):
    """MalwareBazaar: malware samples by hash."""

    name = "malwarebazaar"
    types = frozenset({"md5", "sha1", "sha256"})
    default_url = _defaults.MALWAREBAZAAR_URL

    async def query(self, observable: TiObservable) -> Answer:
        body = await self.post_json("/", data={"query": "get_info", "hash": str(observable.value)})
        return parse_malwarebazaar(body)
