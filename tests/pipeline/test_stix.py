"""The STIX 2.1 bundle parses back with stix2 and holds one indicator per indicator."""

from __future__ import annotations

import json

import pandas as pd
import stix2

from asisdk.pipeline import TriageResult, stix_bundle


def test_bundle_round_trips_through_stix2() -> None:
    table = pd.DataFrame(
        {
            "ioc_type": ["ipv4", "url", "sha256", "dns", "registry_key", "email"],
            "observable": [
                "81.2.69.142",
                "http://81.2.69.142/it's.ps1",
                "9fce0c55e1d7f1db79415263c268c4939503acc8ccdd632e1ba2ae34b47ad1f5",
                "evil.example.com",
                "HKLM\\Software\\Run",
                "a@evil.example.com",
            ],
            "events": [3, 1, 1, 2, 4, 1],
            "sources": ["original", "decoded", "decoded", "original+decoded", "original", "x"],
            "first_seen": [
                pd.Timestamp("2020-09-04T20:09:57Z"),
                pd.NaT,
                pd.NaT,
                pd.NaT,
                pd.NaT,
                pd.NaT,
            ],
        }
    )
    text = stix_bundle(table).serialize(pretty=True)
    parsed = stix2.parse(text, allow_custom=False)
    kinds = [o.type for o in parsed.objects]
    assert kinds.count("indicator") == 5  # the registry key is left out
    assert kinds.count("relationship") == 5
    patterns = {o.pattern for o in parsed.objects if o.type == "indicator"}
    assert "[ipv4-addr:value = '81.2.69.142']" in patterns
    assert "[url:value = 'http://81.2.69.142/it\\'s.ps1']" in patterns
    assert any("file:hashes.'SHA-256'" in p for p in patterns)
    ip = next(o for o in parsed.objects if o.type == "indicator" and "ipv4" in o.pattern)
    assert ip.valid_from.year == 2020
    assert json.loads(text)["type"] == "bundle"


def test_sample_bundle_parses(sample_result: TriageResult) -> None:
    parsed = stix2.parse(stix_bundle(sample_result.iocs).serialize(), allow_custom=False)
    indicators = [o for o in parsed.objects if o.type == "indicator"]
    eligible = sample_result.iocs["ioc_type"].isin(
        ["ipv4", "ipv6", "url", "dns", "md5", "sha1", "sha256", "email"]
    )
    assert len(indicators) == int(eligible.sum()) > 0
