"""Each provider against respx: request shape (path, key header), documented answers, errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from asisdk._http import RetryPolicy
from asisdk.config import Config
from asisdk.ti import ThreatIntel, TiStatus, Verdict, make_provider

from .conftest import KEYS

GOOD_IP = "185.220.101.4"
SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
MD5 = "44d88612fea8a8f36de82e1278abb02f"

# (provider, observable, method, url, key header, answer status, answer JSON, status, verdict)
CASES: list[tuple[str, str, str, str, str | None, int, Any, TiStatus, Verdict]] = [
    (
        "otx",
        "evil.loopback-test.com",
        "GET",
        "https://otx.alienvault.com/api/v1/indicators/hostname/evil.loopback-test.com/general",
        "X-OTX-API-KEY",
        200,
        {"pulse_info": {"count": 3, "pulses": [{"name": "Qakbot", "tags": ["qbot"]}]}},
        TiStatus.FOUND,
        Verdict.SUSPICIOUS,
    ),
    (
        "otx",
        "loopback-test.com",
        "GET",
        "https://otx.alienvault.com/api/v1/indicators/domain/loopback-test.com/general",
        "X-OTX-API-KEY",
        200,
        {"pulse_info": {"count": 0, "pulses": []}, "validation": [{"source": "majestic"}]},
        TiStatus.FOUND,
        Verdict.BENIGN,
    ),
    (
        "abuseipdb",
        GOOD_IP,
        "GET",
        f"https://api.abuseipdb.com/api/v2/check?ipAddress={GOOD_IP}&maxAgeInDays=90",
        "Key",
        200,
        {"data": {"ipAddress": GOOD_IP, "abuseConfidenceScore": 40, "totalReports": 9}},
        TiStatus.FOUND,
        Verdict.SUSPICIOUS,
    ),
    (
        "abuseipdb",
        GOOD_IP,
        "GET",
        f"https://api.abuseipdb.com/api/v2/check?ipAddress={GOOD_IP}&maxAgeInDays=90",
        "Key",
        422,
        {
            "errors": [
                {"detail": "The ip address must be a valid IPv4 or IPv6 address", "status": 422}
            ]
        },
        TiStatus.INVALID,
        Verdict.UNKNOWN,
    ),
    (
        "greynoise",
        GOOD_IP,
        "GET",
        f"https://api.greynoise.io/v3/community/{GOOD_IP}",
        "key",
        404,
        {"ip": GOOD_IP, "noise": False, "riot": False, "message": "IP not observed scanning"},
        TiStatus.NOT_FOUND,
        Verdict.UNKNOWN,
    ),
    (
        "greynoise",
        GOOD_IP,
        "GET",
        f"https://api.greynoise.io/v3/community/{GOOD_IP}",
        "key",
        200,
        {"ip": GOOD_IP, "noise": True, "riot": False, "classification": "benign", "name": "Censys"},
        TiStatus.FOUND,
        Verdict.BENIGN,
    ),
    (
        "urlhaus",
        "http://evil.loopback-test.com/x.sh",
        "POST",
        "https://urlhaus-api.abuse.ch/v1/url/",
        "Auth-Key",
        200,
        {"query_status": "ok", "url_status": "offline", "threat": "malware_download"},
        TiStatus.FOUND,
        Verdict.MALICIOUS,
    ),
    (
        "threatfox",
        SHA,
        "POST",
        "https://threatfox-api.abuse.ch/api/v1/",
        "Auth-Key",
        200,
        {"query_status": "no_result", "data": "Your search did not yield any results"},
        TiStatus.NOT_FOUND,
        Verdict.UNKNOWN,
    ),
    (
        "malwarebazaar",
        MD5,
        "POST",
        "https://mb-api.abuse.ch/api/v1/",
        "Auth-Key",
        200,
        {"query_status": "illegal_hash"},
        TiStatus.INVALID,
        Verdict.UNKNOWN,
    ),
    (
        "circl",
        SHA,
        "GET",
        f"https://hashlookup.circl.lu/lookup/sha256/{SHA}",
        None,
        200,
        {"FileName": "empty", "source": "NSRL", "hashlookup:trust": 100},
        TiStatus.FOUND,
        Verdict.KNOWN_GOOD,
    ),
    (
        "internetdb",
        GOOD_IP,
        "GET",
        f"https://internetdb.shodan.io/{GOOD_IP}",
        None,
        404,
        {"detail": "No information available"},
        TiStatus.NOT_FOUND,
        Verdict.UNKNOWN,
    ),
    (
        "misp",
        GOOD_IP,
        "POST",
        "https://misp.loopback-test.com/attributes/restSearch",
        "Authorization",
        200,
        {"response": {"Attribute": [{"event_id": "4", "to_ids": False, "value": GOOD_IP}]}},
        TiStatus.FOUND,
        Verdict.SUSPICIOUS,
    ),
]


def _provider(name: str) -> Any:
    options: dict[str, Any] = {"retry": RetryPolicy(instant=True), "config": Config()}
    if name in KEYS:
        options["api_key"] = KEYS[name]
    if name == "misp":
        options["base_url"] = "https://misp.loopback-test.com"
    return make_provider(name, **options)


@pytest.mark.parametrize(
    ("name", "value", "method", "url", "header", "code", "body", "status", "verdict"),
    CASES,
    ids=[f"{c[0]}-{c[7].value}-{c[8].value}" for c in CASES],
)
async def test_documented_answers(
    name: str,
    value: str,
    method: str,
    url: str,
    header: str | None,
    code: int,
    body: Any,
    status: TiStatus,
    verdict: Verdict,
) -> None:
    with respx.mock(assert_all_called=False) as router:
        route = router.request(method, url).mock(return_value=httpx.Response(code, json=body))
        router.get(url__regex=r".*/reputation$").mock(
            return_value=httpx.Response(200, json={"reputation": None})
        )
        provider = _provider(name)
        async with provider, ThreatIntel([provider]) as ti:
            report = await ti.lookup(value)
    result = report.results[0]
    assert (result.status, result.verdict) == (status, verdict), result
    assert route.call_count == 1
    sent = route.calls[0].request
    if header is not None:
        assert sent.headers[header] == KEYS[name]
    if name in KEYS:
        assert KEYS[name] not in str(sent.url), "keys travel in headers only"
        assert KEYS[name] not in (result.error or "")


async def test_server_errors_are_retried_then_an_error_status() -> None:
    url = f"https://internetdb.shodan.io/{GOOD_IP}"
    with respx.mock() as router:
        route = router.get(url).mock(return_value=httpx.Response(503, text="busy"))
        provider = _provider("internetdb")
        async with provider, ThreatIntel([provider]) as ti:
            report = await ti.lookup(GOOD_IP)
    assert report.results[0].status is TiStatus.ERROR
    assert route.call_count == RetryPolicy().max_attempts


async def test_abusech_bad_auth_key_in_a_200_body_stops_the_provider() -> None:
    with respx.mock() as router:
        route = router.post("https://mb-api.abuse.ch/api/v1/").mock(
            return_value=httpx.Response(200, json={"query_status": "unknown_auth_key"})
        )
        provider = _provider("malwarebazaar")
        async with provider, ThreatIntel([provider]) as ti:
            reports = await ti.lookup_many([f"{n:032x}" for n in range(1, 12)])
    assert {r.results[0].status for r in reports} == {TiStatus.ERROR}
    assert route.call_count <= provider.max_concurrency
    assert "Auth-Key" in (reports[0].results[0].error or "")
