"""VirusTotal enrichment through respx: eligible indicators only, limit respected, cached."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import respx

from asisdk._http import RetryPolicy
from asisdk.config import Config
from asisdk.executors import InlineExecutor
from asisdk.pipeline import enrich_virustotal, load_frame, run_triage, vt_candidates
from asisdk.virustotal import VirusTotalClient

BASE = "https://www.virustotal.com/api/v3"
KEY = "vt-test-key-0123456789abcdef0123456789abcdef"


def _ip_report(address: str, malicious: int) -> dict[str, Any]:
    stats = {"harmless": 50, "malicious": malicious, "suspicious": 0, "undetected": 20}
    return {
        "data": {
            "type": "ip_address",
            "id": address,
            "attributes": {"reputation": -5, "last_analysis_stats": {**stats, "timeout": 0}},
        }
    }


def _client(cache: Path) -> VirusTotalClient:
    return VirusTotalClient(
        KEY,
        requests_per_minute=None,
        requests_per_day=None,
        retry=RetryPolicy(instant=True),
        config=Config(),
        cache=cache,
    )


def _result() -> Any:
    frame = pd.DataFrame(
        {
            "CommandLine": [
                "curl http://81.2.69.142/a.exe",
                "ping 216.160.83.56",
                "ping 10.0.0.5",
                "nslookup evil.example.com",
            ]
        }
    )
    return run_triage(load_frame(frame), executor=InlineExecutor())


def test_candidates_leave_private_addresses_out() -> None:
    chosen, eligible = vt_candidates(_result().iocs, max_lookups=100)
    assert "10.0.0.5" not in set(chosen["observable"])
    assert eligible == len(chosen) == 4


async def test_enrichment_respects_the_limit_and_the_cache(
    respx_mock: respx.MockRouter, tmp_path: Path
) -> None:
    respx_mock.get(f"{BASE}/ip_addresses/216.160.83.56").respond(
        200, json=_ip_report("216.160.83.56", 7)
    )
    respx_mock.get(url__regex=rf"{BASE}/(urls|domains)/.*").respond(
        404, json={"error": {"code": "NotFoundError", "message": "x"}}
    )
    result = _result()
    # The lookups follow the suspicion order: the URL, the domain, then public IPs.
    async with _client(tmp_path / "vt.sqlite") as vt:
        enriched = await enrich_virustotal(result, vt, max_lookups=3)
    table = enriched.iocs.set_index("observable")
    assert table.loc["http://81.2.69.142/a.exe", "vt_status"] == "not_found"
    assert table.loc["evil.example.com", "vt_status"] == "not_found"
    assert table.loc["216.160.83.56", "vt_status"] == "found"
    assert table.loc["216.160.83.56", "vt_malicious"] == 7
    assert table.loc["81.2.69.142", "vt_status"] == "skipped"  # past the limit
    assert pd.isna(table.loc["10.0.0.5", "vt_status"])  # private: never eligible
    assert enriched.vt_note is not None
    assert "looked up 3 of 4" in enriched.vt_note
    assert "1 flagged malicious" in enriched.vt_note
    assert enriched.timings[-1].stage == "vt"
    calls = len(respx_mock.calls)
    assert calls == 3

    async with _client(tmp_path / "vt.sqlite") as vt:
        again = await enrich_virustotal(result, vt, max_lookups=3)
    assert len(respx_mock.calls) == calls  # answered from the persistent cache
    assert again.iocs.set_index("observable").loc["216.160.83.56", "vt_malicious"] == 7


async def test_no_request_when_nothing_is_eligible(tmp_path: Path) -> None:
    frame = pd.DataFrame({"CommandLine": ["ping 10.0.0.5", "whoami"]})
    result = run_triage(load_frame(frame), executor=InlineExecutor())
    transport = httpx.MockTransport(lambda request: httpx.Response(500))
    async with httpx.AsyncClient(transport=transport) as http:
        vt = VirusTotalClient(
            KEY, config=Config(), http_client=http, retry=RetryPolicy(instant=True)
        )
        async with vt:
            enriched = await enrich_virustotal(result, vt)
    assert enriched.vt_note is not None
    assert enriched.vt_note.startswith("looked up 0 of 0")
