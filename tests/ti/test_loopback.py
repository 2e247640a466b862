"""Every HTTP provider against a real server on 127.0.0.1 answering in its documented shapes.

The server enforces a time-scaled quota with the provider's own quota answer, injects dropped,
slow and failing answers, and counts what it was asked. Asserted for each provider: no 429
reaches the caller (none is even provoked), each observable is asked once, private addresses
and unsupported types are never sent, statuses are per item, and the key is never shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import pytest

from _support.loopback import LoopbackServer
from asisdk._http import RateLimit, RequestLimits, RetryPolicy
from asisdk.ti import ThreatIntel, TiStatus

from . import servers
from .conftest import KEYS, MakeProvider

QUOTA = 6
WINDOW = 0.4


@dataclass
class Case:
    app: Callable[..., servers.ProviderApp]
    found: list[str]
    not_found: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    good: list[str] = field(default_factory=list)
    #: the path of the first found value (faults are injected there)
    fault_path: str = ""


IPS = [f"185.220.101.{n}" for n in range(1, 9)]
DOMAINS = [f"host{n}.loopback-test.com" for n in range(6)]
MD5 = [f"{n:032x}" for n in range(1, 6)]
SHA256 = [f"{n:064x}" for n in range(1, 4)]

CASES = {
    "otx": Case(
        servers.OtxApp,
        found=[*DOMAINS[:3], IPS[0], "http://host9.loopback-test.com/a", MD5[0]],
        not_found=["missing.loopback-test.com"],
        invalid=["rejected.loopback-test.com"],
        unsupported=["bob@loopback-test.com"],
        fault_path="/api/v1/indicators/hostname/host0.loopback-test.com/general",
    ),
    "abuseipdb": Case(
        servers.AbuseIpdbApp,
        found=[*IPS[:6], "2a00:1450:4001:80b::200e"],
        invalid=[IPS[7]],
        unsupported=[DOMAINS[0], MD5[0]],
        fault_path="/api/v2/check",
    ),
    "greynoise": Case(
        servers.GreyNoiseApp,
        found=IPS[:6],
        not_found=[IPS[6]],
        invalid=[IPS[7]],
        unsupported=["2a00:1450:4001:80b::200e", DOMAINS[0]],
        good=[IPS[0]],
        fault_path=f"/v3/community/{IPS[1]}",
    ),
    "circl": Case(
        servers.CirclApp,
        found=[MD5[0], "a" * 40, SHA256[0]],
        not_found=[MD5[1], SHA256[1]],
        invalid=[MD5[2]],
        unsupported=[IPS[0]],
        good=[MD5[0], "a" * 40, SHA256[0]],
        fault_path=f"/lookup/md5/{MD5[0]}",
    ),
    "internetdb": Case(
        servers.InternetDbApp,
        found=IPS[:6],
        not_found=[IPS[6]],
        unsupported=[DOMAINS[0]],
        fault_path=f"/{IPS[0]}",
    ),
    "urlhaus": Case(
        servers.UrlhausApp,
        found=["http://host1.loopback-test.com/bad.exe", DOMAINS[0], IPS[0], MD5[0]],
        not_found=[DOMAINS[1]],
        invalid=["http://host2.loopback-test.com/odd"],
        unsupported=["a" * 40],
        fault_path="/v1/host/",
    ),
    "threatfox": Case(
        servers.ThreatFoxApp,
        found=[*DOMAINS[:3], IPS[0], SHA256[0]],
        not_found=[DOMAINS[3]],
        invalid=[DOMAINS[4]],
        unsupported=["2a00:1450:4001:80b::200e"],
        fault_path="/api/v1/",
    ),
    "malwarebazaar": Case(
        servers.MalwareBazaarApp,
        found=[MD5[0], SHA256[0], "b" * 40],
        not_found=[MD5[1]],
        invalid=[MD5[2]],
        unsupported=[DOMAINS[0]],
        fault_path="/api/v1/",
    ),
    "misp": Case(
        servers.MispApp,
        found=[IPS[0], DOMAINS[0], "http://host1.loopback-test.com/x", "bob@loopback-test.com"],
        not_found=[DOMAINS[1]],
        unsupported=["CVE-2021-44228"],
        fault_path="/attributes/restSearch",
    ),
}
PRIVATE = ["10.0.0.5", "192.168.1.20", "fe80::1", "http://172.16.0.9/admin", "127.0.0.1"]


@pytest.mark.parametrize("name", sorted(CASES))
async def test_provider_against_loopback(
    name: str, make: MakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    case = CASES[name]
    app = case.app(
        api_key=KEYS.get(name),
        quota=QUOTA,
        window=WINDOW,
        not_found=case.not_found,
        invalid=case.invalid,
        good=case.good,
    )
    faults = {case.fault_path: ["drop", "500", "slow:0.2"]}
    values = [*case.found, *case.not_found, *case.invalid, *case.unsupported, *PRIVATE]
    values += [case.found[0].upper() if name in ("circl", "malwarebazaar") else case.found[0]]
    values += ["not an indicator"]
    caplog.set_level(logging.DEBUG, logger="asisdk")
    async with LoopbackServer(app, faults=faults) as server:
        provider = make(
            name,
            server.base_url,
            limits=RequestLimits(
                rates=[RateLimit(max_requests=QUOTA, period=WINDOW)], max_concurrency=3
            ),
            timeout=httpx.Timeout(1.0),
        )
        async with provider, ThreatIntel([provider]) as ti:
            reports = await ti.lookup_many(values)
            shown = repr(ti) + repr(provider)
    statuses = {report.observable: report.results[0].status for report in reports}
    for value in case.found:
        assert statuses[value] is TiStatus.FOUND, reports[values.index(value)].results[0]
    for value in case.not_found:
        assert statuses[value] is TiStatus.NOT_FOUND
    for value in case.invalid:
        assert statuses[value] is TiStatus.INVALID
    for value in [*case.unsupported, *PRIVATE]:
        assert statuses[value] is TiStatus.UNSUPPORTED
    assert statuses["not an indicator"] is TiStatus.INVALID
    stats = app.stats
    assert stats.sent_429 == 0, "the client stays under the quota: no 429 is even provoked"
    assert max(stats.per_window.values()) <= QUOTA
    assert server.stats.faults == 3, "the drop, the 500 and the slow answer were all served"
    # each distinct observable once (OTX asks two sections of an address: once each)
    assert max(stats.asked.values()) == 1, stats.asked
    sent = " ".join(stats.asked)
    assert not any(address in sent for address in ("10.0.0.5", "192.168.1.20", "172.16.0.9"))
    assert "fe80::1" not in sent
    assert "127.0.0.1" not in sent
    key = KEYS.get(name)
    if key is not None:
        assert set(stats.keys) == {key}, "the key travels in its header"
        assert key not in caplog.text
        assert key not in shown
        assert all(key not in (r.error or "") for report in reports for r in report.results)


@pytest.mark.parametrize("name", ["otx", "abuseipdb", "greynoise", "misp", "urlhaus"])
async def test_refused_key_is_an_error_status_on_every_item(name: str, make: MakeProvider) -> None:
    case = CASES[name]
    app = case.app(api_key="the-right-key")
    async with LoopbackServer(app) as server:
        provider = make(name, server.base_url)
        async with provider, ThreatIntel([provider]) as ti:
            reports = await ti.lookup_many(case.found)
    results = [report.results[0] for report in reports]
    assert {r.status for r in results} == {TiStatus.ERROR}
    assert app.stats.requests <= provider.max_concurrency, "a refused key stops the provider"
    assert all(KEYS[name] not in (r.error or "") for r in results)


async def test_abuseipdb_daily_limit_is_quota_exhausted(make: MakeProvider) -> None:
    app = servers.AbuseIpdbApp(api_key=KEYS["abuseipdb"], quota=3, window=3600.0, daily=True)
    async with LoopbackServer(app) as server:
        provider = make("abuseipdb", server.base_url, limits=RequestLimits(max_concurrency=1))
        async with provider, ThreatIntel([provider]) as ti:
            reports = await ti.lookup_many(IPS)
    statuses = [report.results[0].status for report in reports]
    assert statuses[:3] == [TiStatus.FOUND] * 3
    assert set(statuses[3:]) == {TiStatus.QUOTA_EXHAUSTED}
    assert app.stats.sent_429 == 1, "the daily answer is not retried, and nothing more is sent"
    assert "Daily rate limit" in (reports[3].results[0].error or "")


@pytest.mark.parametrize(
    "name",
    ["otx", "abuseipdb", "circl", "internetdb", "urlhaus", "threatfox", "malwarebazaar", "misp"],
)
async def test_short_429s_are_retried_and_never_surface(name: str, make: MakeProvider) -> None:
    # A server stricter than the client was told (3 per window instead of 30): its quota
    # answers (429 with the provider's body, Retry-After: 0) are absorbed by retries; every
    # item still ends found.
    case = CASES[name]
    first = case.found[0]
    extra = (
        [f"185.220.102.{n}" for n in range(1, 9)]
        if first[0].isdigit() and "." in first
        else [f"{n:032x}" for n in range(100, 108)]
        if len(first) == 32
        else [f"pad{n}.loopback-test.com" for n in range(8)]
    )
    values = [*case.found, *extra]
    app = case.app(api_key=KEYS.get(name), quota=3, window=WINDOW, good=values)
    async with LoopbackServer(app) as server:
        provider = make(
            name,
            server.base_url,
            limits=RequestLimits(rates=[RateLimit(max_requests=30, period=WINDOW)]),
            retry=RetryPolicy(max_attempts=20, backoff_initial=0.05, backoff_max=0.2),
        )
        async with provider, ThreatIntel([provider]) as ti:
            reports = await ti.lookup_many(values)
    assert app.stats.sent_429 > 0, "the server did push back"
    assert {r.results[0].status for r in reports} == {TiStatus.FOUND}


async def test_greynoise_plan_limit_stops_greynoise_only(make: MakeProvider) -> None:
    grey = servers.GreyNoiseApp(quota=2, window=3600.0)
    net = servers.InternetDbApp()
    async with LoopbackServer(grey) as gs, LoopbackServer(net) as ns:
        greynoise = make("greynoise", gs.base_url, limits=RequestLimits(max_concurrency=1))
        internetdb = make("internetdb", ns.base_url)
        async with greynoise, internetdb, ThreatIntel([greynoise, internetdb]) as ti:
            reports = await ti.lookup_many(IPS[:5])
    grey_statuses = [r.result("greynoise").status for r in reports]  # type: ignore[union-attr]
    assert grey_statuses[:2] == [TiStatus.FOUND] * 2
    assert set(grey_statuses[2:]) == {TiStatus.QUOTA_EXHAUSTED}
    assert grey.stats.sent_429 == 1
    assert {r.result("internetdb").status for r in reports} == {TiStatus.FOUND}  # type: ignore[union-attr]


async def test_tor_list_is_downloaded_once_and_answers_offline(
    make: MakeProvider, tmp_path: object
) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    app = servers.TorApp(exits=["# exit addresses", IPS[0], IPS[1], "2a0b:f4c2::1"])
    async with LoopbackServer(app) as server:
        tor = make("tor", server.base_url, list_path=folder / "exits.txt")
        async with tor, ThreatIntel([tor]) as ti:
            first = await ti.lookup_many([IPS[0], IPS[2], "2a0b:f4c2:0::1", DOMAINS[0]])
            second = await ti.lookup(IPS[1])
        # a new provider reads the fresh file instead of downloading again
        again = make("tor", server.base_url, list_path=folder / "exits.txt")
        async with again, ThreatIntel([again]) as ti:
            third = await ti.lookup(IPS[1])
    assert [r.results[0].status for r in first] == [
        TiStatus.FOUND,
        TiStatus.NOT_FOUND,
        TiStatus.FOUND,
        TiStatus.UNSUPPORTED,
    ]
    assert second.verdict.value == "suspicious"
    assert third.results[0].status is TiStatus.FOUND
    assert app.stats.requests == 1


async def test_tor_list_unreachable_is_tried_once_and_an_old_copy_is_used(
    make: MakeProvider, tmp_path: object
) -> None:
    import os
    from pathlib import Path

    folder = Path(str(tmp_path))
    app = servers.TorApp(exits=[IPS[0]])
    async with LoopbackServer(app, faults={"/torbulkexitlist": ["500"] * 50}) as server:
        tor = make("tor", server.base_url, list_path=folder / "exits.txt")
        async with tor, ThreatIntel([tor]) as ti:
            reports = await ti.lookup_many(IPS[:4])
        assert {r.results[0].status for r in reports} == {TiStatus.ERROR}
        assert server.stats.faults == RetryPolicy().max_attempts, "one download, retried"
        stale = folder / "exits.txt"
        stale.write_text(f"{IPS[1]}\n", encoding="utf-8")
        os.utime(stale, (1, 1))  # far older than a day
        again = make("tor", server.base_url, list_path=stale)
        async with again, ThreatIntel([again]) as ti:
            report = await ti.lookup(IPS[1])
    assert report.results[0].status is TiStatus.FOUND, "the older copy answers"
