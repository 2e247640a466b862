"""``HttpProvider``: a provider that states only its name, types, URL, key header and query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import pytest
import respx

from asisdk._http import RetryPolicy
from asisdk.config import Config
from asisdk.errors import ConfigurationError
from asisdk.ti import (
    Answer,
    CirclHashlookupProvider,
    GreyNoiseProvider,
    HttpProvider,
    OtxProvider,
    ThreatIntel,
    TiStatus,
    Verdict,
)
from asisdk.ti._observables import TiObservable
from asisdk.ti._provider import found

KEY = "example-key-0123456789"


def parse_example(body: Mapping[str, Any]) -> Answer:
    bad = bool(body.get("bad"))
    return found(
        body,
        verdict=Verdict.MALICIOUS if bad else Verdict.UNKNOWN,
        severity=90 if bad else 0,
        reasons=[f"score {body.get('score', 0)}"],
        permalink=None,
    )


class Example(HttpProvider):
    name = "example"
    types = frozenset({"ipv4"})
    default_url = "https://api.example.com/v1"
    key_header = "X-Key"

    async def query(self, observable: TiObservable) -> Answer:
        return parse_example(await self.get_json(f"/ip/{observable.value}"))


@respx.mock
async def test_a_provider_of_class_attributes_asks_answers_and_masks_its_key() -> None:
    hit = respx.get("https://api.example.com/v1/ip/185.220.101.4").mock(
        return_value=httpx.Response(200, json={"bad": True, "score": 97})
    )
    respx.get("https://api.example.com/v1/ip/185.220.101.5").mock(
        return_value=httpx.Response(404, json={"detail": "Not found."})
    )
    example = Example(KEY, retry=RetryPolicy(instant=True), config=Config())
    assert KEY not in repr(example)
    async with ThreatIntel([example]) as ti:
        reports = await ti.lookup_many(["185.220.101.4", "185.220.101.5"])
    bad, unknown = (report.results[0] for report in reports)
    assert (bad.status, bad.verdict, bad.reasons) == (
        TiStatus.FOUND,
        Verdict.MALICIOUS,
        ("score 97",),
    )
    assert unknown.status is TiStatus.NOT_FOUND  # a 404 is not_found for every provider
    assert hit.calls.last.request.headers["X-Key"] == KEY
    assert hit.calls.last.request.headers["Accept"] == "application/json"


@respx.mock
async def test_keys_required_optional_and_refused() -> None:
    with pytest.raises(ConfigurationError, match="circl takes no API key"):
        CirclHashlookupProvider("a-key")
    with pytest.raises(ConfigurationError):
        OtxProvider(config=Config())  # OTX needs one
    route = respx.get("https://api.greynoise.io/v3/community/185.220.101.4").mock(
        return_value=httpx.Response(200, json={"ip": "185.220.101.4", "noise": True})
    )
    async with ThreatIntel([GreyNoiseProvider(config=Config())]) as ti:  # works without a key
        report = await ti.lookup("185.220.101.4")
    assert report.results[0].status is TiStatus.FOUND
    assert "key" not in route.calls.last.request.headers


def test_documented_quotas_are_the_default_limits() -> None:
    otx = OtxProvider(KEY, config=Config())
    assert otx.api.limits.rates[0].max_requests == 10_000
    assert otx.api.limits.rates[0].period == 3600.0
    assert GreyNoiseProvider(config=Config()).api.limits.per_day == 100
