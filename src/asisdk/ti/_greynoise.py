"""GreyNoise Community: internet background noise and RIOT (common business services).

This is noise removal: a RIOT address (a CDN, a cloud, a public resolver) is ``known_good``
and a scanner GreyNoise classifies ``benign`` (a search engine, a research scanner) is
``benign``; a triage demotes both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import httpx

from asisdk._http import ErrorDescription, default_error_parser
from asisdk._http._errors import json_body
from asisdk.errors import QuotaExceededError
from asisdk.ti import _defaults
from asisdk.ti._model import Verdict
from asisdk.ti._observables import TiObservable
from asisdk.ti._provider import Answer, HttpProvider, found, quota

__all__ = ["GreyNoiseProvider", "greynoise_error_parser", "parse_greynoise"]

_MALICIOUS_SEVERITY: Final = 80
_NOISE_SEVERITY: Final = 10


def greynoise_error_parser(response: httpx.Response) -> ErrorDescription | None:
    """Community answers: 404 "not observed" is not found; a 429 is the plan's daily limit
    (``{"plan", "rate-limit", "message"}``), a :class:`~asisdk.errors.QuotaExceededError`.

    Examples:
        >>> answer = httpx.Response(429, json={"plan": "unauthenticated",
        ...     "rate-limit": "100-lookups/day", "message": "You have hit your daily rate limit"})
        >>> greynoise_error_parser(answer).exception_type.__name__
        'QuotaExceededError'
    """
    problem = default_error_parser(response)
    if problem is None or problem.status_code != 429:
        return problem
    body = json_body(response)
    if isinstance(body, Mapping) and ("plan" in body or "rate-limit" in body):
        return ErrorDescription(
            status_code=429,
            service_code=str(body.get("rate-limit") or "daily_limit"),
            message=problem.message,
            error_type=QuotaExceededError,
            retryable=False,
        )
    return problem


def parse_greynoise(body: Mapping[str, Any]) -> Answer:
    """The answer from a ``/v3/community/{ip}`` JSON body (pure).

    Examples:
        >>> parse_greynoise({"ip": "8.8.8.8", "noise": False, "riot": True,
        ...                  "classification": "benign", "name": "Google Public DNS"}).verdict
        <Verdict.KNOWN_GOOD: 'known_good'>
        >>> parse_greynoise({"ip": "203.0.113.7", "noise": True, "riot": False,
        ...                  "classification": "malicious", "name": "unknown"}).severity
        80
    """
    classification = str(body.get("classification") or "unknown")
    name = str(body.get("name") or "")
    reasons = [f"classification: {classification}"]
    if body.get("noise"):
        reasons.append("internet background noise (mass scanner)")
    if body.get("riot"):
        reasons.append("RIOT: common business service")
    if name and name != "unknown":
        reasons.append(f"name: {name}")
    if body.get("last_seen"):
        reasons.append(f"last seen {body['last_seen']}")
    if body.get("riot"):
        verdict, severity = Verdict.KNOWN_GOOD, 0
    elif classification == "malicious":
        verdict, severity = Verdict.MALICIOUS, _MALICIOUS_SEVERITY
    elif classification == "benign":
        verdict, severity = Verdict.BENIGN, 0
    else:
        verdict, severity = Verdict.UNKNOWN, _NOISE_SEVERITY if body.get("noise") else 0
    link = body.get("link")
    address = str(body.get("ip", ""))
    return found(
        body,
        verdict=verdict,
        severity=severity,
        reasons=reasons,
        permalink=str(link) if link else f"{_defaults.GREYNOISE_GUI}/{address}",
    )


class GreyNoiseProvider(HttpProvider):
    """GreyNoise Community API (``key`` header, optional; 100 lookups per day by default)."""

    name = "greynoise"
    types = frozenset({"ipv4"})
    default_url = _defaults.GREYNOISE_URL
    default_limits = quota(per_day=_defaults.GREYNOISE_PER_DAY)
    key_header = "key"
    key_required = False
    error_parser = greynoise_error_parser

    async def query(self, observable: TiObservable) -> Answer:
        return parse_greynoise(await self.get_json(f"/community/{observable.value}"))
