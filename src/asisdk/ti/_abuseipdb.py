"""AbuseIPDB: the ``check`` endpoint and its abuse confidence score."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

import httpx

from asisdk._http import ErrorDescription, default_error_parser
from asisdk._http._errors import json_body
from asisdk.config import Secret
from asisdk.errors import QuotaExceededError
from asisdk.ti import _defaults
from asisdk.ti._model import Verdict
from asisdk.ti._observables import TiObservable
from asisdk.ti._provider import (
    Answer,
    HttpOptions,
    HttpProvider,
    clamp_severity,
    found,
    quota,
)

__all__ = ["AbuseIpdbProvider", "abuseipdb_error_parser", "parse_abuseipdb"]


def abuseipdb_error_parser(response: httpx.Response) -> ErrorDescription | None:
    """Read AbuseIPDB's ``{"errors": [{"detail", "status"}]}``; a 429 naming the daily limit
    is a :class:`~asisdk.errors.QuotaExceededError` that is not retried.

    Examples:
        >>> answer = httpx.Response(429, json={"errors": [{"detail":
        ...     "Daily rate limit of 1000 requests exceeded for this endpoint.", "status": 429}]})
        >>> abuseipdb_error_parser(answer).exception_type.__name__
        'QuotaExceededError'
    """
    problem = default_error_parser(response)
    if problem is None:
        return None
    detail = ""
    body = json_body(response)
    errors = body.get("errors") if isinstance(body, Mapping) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        detail = str(errors[0].get("detail", ""))
    message = detail or problem.message
    if response.status_code == 429 and "daily" in detail.lower():
        return ErrorDescription(
            status_code=429,
            service_code="daily_limit",
            message=message,
            error_type=QuotaExceededError,
            retryable=False,
        )
    return ErrorDescription(status_code=problem.status_code, message=message)


def parse_abuseipdb(body: Mapping[str, Any]) -> Answer:
    """The answer from a ``check`` JSON body (pure).

    The abuse confidence score is the severity: 70 or more is ``malicious``, 25 or more
    ``suspicious``; a whitelisted address is ``benign``.

    Examples:
        >>> parse_abuseipdb({"data": {"ipAddress": "203.0.113.9", "abuseConfidenceScore": 100,
        ...                           "totalReports": 12, "isWhitelisted": False}}).verdict
        <Verdict.MALICIOUS: 'malicious'>
    """
    data = body.get("data")
    data = data if isinstance(data, Mapping) else {}
    score = data.get("abuseConfidenceScore")
    score = score if isinstance(score, int) else 0
    reports = data.get("totalReports")
    reports = reports if isinstance(reports, int) else 0
    reasons = [f"abuse confidence {score}%", f"{reports} report(s)"]
    for field, label in (("usageType", "usage"), ("isp", "isp"), ("countryCode", "country")):
        if data.get(field):
            reasons.append(f"{label}: {data[field]}")
    if data.get("isTor"):
        reasons.append("Tor exit node")
    severity = clamp_severity(score)
    if data.get("isWhitelisted"):
        verdict = Verdict.BENIGN
        reasons.append("whitelisted")
    elif severity >= _defaults.MALICIOUS_SEVERITY:
        verdict = Verdict.MALICIOUS
    elif severity >= _defaults.SUSPICIOUS_SEVERITY:
        verdict = Verdict.SUSPICIOUS
    else:
        verdict = Verdict.UNKNOWN
    address = str(data.get("ipAddress", ""))
    return found(
        body,
        verdict=verdict,
        severity=severity,
        reasons=reasons,
        permalink=f"{_defaults.ABUSEIPDB_GUI}/{address}" if address else None,
    )


class AbuseIpdbProvider(HttpProvider):
    """AbuseIPDB (``Key`` header; the free plan's 1,000 checks per UTC day by default)."""

    name = "abuseipdb"
    types = frozenset({"ipv4", "ipv6"})
    default_url = _defaults.ABUSEIPDB_URL
    default_limits = quota(per_day=_defaults.ABUSEIPDB_PER_DAY)
    key_header = "Key"
    error_parser = abuseipdb_error_parser

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        max_age_days: int = _defaults.ABUSEIPDB_MAX_AGE_DAYS,
        **options: Unpack[HttpOptions],
    ) -> None:
        self.max_age_days = max_age_days
        super().__init__(api_key, **options)

    async def query(self, observable: TiObservable) -> Answer:
        params: dict[str, str | int] = {
            "ipAddress": str(observable.value),
            "maxAgeInDays": self.max_age_days,
        }
        return parse_abuseipdb(await self.get_json("/check", params=params))
