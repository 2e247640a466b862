"""ThreatIntel over several providers: concurrency, de-duplication, cache, frames, entities."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from _support.loopback import LoopbackServer, VtApp
from asisdk._http import RateLimit, RequestLimits
from asisdk.entities import Dns, File, FileHash, IpAddress, Url
from asisdk.errors import ConfigurationError, InvalidInputError
from asisdk.ti import (
    TI_COLUMNS,
    TI_MERGED_COLUMNS,
    ThreatIntel,
    TiCache,
    TiResult,
    TiStatus,
    Verdict,
)

from . import servers
from .conftest import KEYS, MakeProvider

IPS = [f"45.155.205.{n}" for n in range(1, 13)]
HASHES = [f"{n:064x}" for n in range(1, 7)]


async def test_providers_run_concurrently_each_under_its_quota(make: MakeProvider) -> None:
    # Two providers, each allowed 4 requests per 0.25 s: 24 lookups take ~1.5 s each; run
    # one after the other they would take twice as long.
    grey = servers.GreyNoiseApp(quota=4, window=0.25)
    net = servers.InternetDbApp(quota=4, window=0.25)
    limits = RequestLimits(rates=[RateLimit(max_requests=4, period=0.25)], max_concurrency=4)
    values = [f"45.155.207.{n}" for n in range(1, 25)]
    async with LoopbackServer(grey) as gs, LoopbackServer(net) as ns:
        providers = [
            make("greynoise", gs.base_url, limits=limits),
            make("internetdb", ns.base_url, limits=limits),
        ]
        async with providers[0], providers[1], ThreatIntel(providers) as ti:
            started = time.perf_counter()
            await ti.lookup_many(values)
            both = time.perf_counter() - started
    spans = [app.stats.last - app.stats.first for app in (grey, net)]  # type: ignore[operator]
    assert grey.stats.sent_429 == net.stats.sent_429 == 0
    assert both < 0.8 * sum(spans), (both, spans)
    assert both >= max(spans)


async def test_duplicates_and_spellings_are_asked_once(make: MakeProvider) -> None:
    app = servers.ThreatFoxApp(api_key=KEYS["threatfox"])
    values = [
        "evil.loopback-test.com",
        "EVIL.loopback-test.com.",
        "evil[.]loopback-test[.]com",
        Dns(domain_name="evil.loopback-test.com"),
        HASHES[0],
        HASHES[0].upper(),
        FileHash.from_value(HASHES[0]),
        File(sha256=HASHES[0]),
    ]
    async with LoopbackServer(app) as server:
        provider = make("threatfox", server.base_url)
        async with provider, ThreatIntel([provider]) as ti:
            reports = await ti.lookup_many(values)
    assert dict(app.stats.asked) == {"evil.loopback-test.com": 1, HASHES[0]: 1}
    assert [r.observable for r in reports][:3] == [
        "evil.loopback-test.com",
        "EVIL.loopback-test.com.",
        "evil[.]loopback-test[.]com",
    ]
    assert {r.verdict for r in reports} == {Verdict.MALICIOUS}


async def test_cache_answers_a_rerun_without_requests_and_refresh_bypasses(
    make: MakeProvider, tmp_path: Path
) -> None:
    circl = servers.CirclApp(good=HASHES[:3])
    async with LoopbackServer(circl) as server:
        provider = make("circl", server.base_url)
        async with provider:
            async with ThreatIntel([provider], cache=tmp_path / "ti.sqlite") as ti:
                first = await ti.lookup_many(HASHES)
            assert circl.stats.requests == 6
            async with ThreatIntel([provider], cache=tmp_path / "ti.sqlite") as ti:
                second = await ti.lookup_many(HASHES)
            assert circl.stats.requests == 6, "answered from the cache"
            async with ThreatIntel([provider], cache=tmp_path / "ti.sqlite", refresh=True) as ti:
                await ti.lookup_many(HASHES[:2])
            assert circl.stats.requests == 8
    assert [r.results[0].status for r in first] == [TiStatus.FOUND] * 3 + [TiStatus.NOT_FOUND] * 3
    assert [r.results[0].status for r in second] == [r.results[0].status for r in first]
    assert all(r.results[0].cached for r in second)
    assert [r.verdict for r in second] == [r.verdict for r in first]
    assert second[0].results[0].reasons == first[0].results[0].reasons


async def test_cache_ttl_depends_on_the_verdict(tmp_path: Path) -> None:
    now = [1_000_000.0]
    cache = TiCache(tmp_path / "ti.sqlite", clock=lambda: now[0])

    def result(value: str, status: TiStatus, verdict: Verdict) -> TiResult:
        return TiResult(
            observable=value,
            type="md5",
            value=value,
            provider="circl",
            status=status,
            verdict=verdict,
        )

    await cache.put(result("a" * 32, TiStatus.NOT_FOUND, Verdict.UNKNOWN))
    await cache.put(result("b" * 32, TiStatus.FOUND, Verdict.MALICIOUS))
    await cache.put(result("c" * 32, TiStatus.FOUND, Verdict.KNOWN_GOOD))
    await cache.put(result("d" * 32, TiStatus.ERROR, Verdict.UNKNOWN))  # never stored
    keys = [("md5", v * 32) for v in "abcd"]
    assert len(await cache.get_many("circl", keys)) == 3
    assert await cache.get_many("otx", keys) == {}, "keyed by provider"
    now[0] += 7 * 3600  # past not_found's 6 h
    assert sorted(k[1][0] for k in await cache.get_many("circl", keys)) == ["b", "c"]
    now[0] += 2 * 86400  # past malicious' 1 day
    assert [k[1][0] for k in await cache.get_many("circl", keys)] == ["c"]
    now[0] += 40 * 86400
    assert await cache.get_many("circl", keys) == {}
    assert await cache.purge_expired() == 3
    await cache.aclose()
    assert (tmp_path / "ti.sqlite").stat().st_mode & 0o077 == 0, "the cache file is private"


async def test_lookup_frame_and_frames_have_stable_columns(make: MakeProvider) -> None:
    grey = servers.GreyNoiseApp(good=[IPS[0]])
    async with LoopbackServer(grey) as server:
        provider = make("greynoise", server.base_url)
        async with provider, ThreatIntel([provider]) as ti:
            frame = pd.DataFrame({"observable": [IPS[0], IPS[1], None, "10.1.1.1"], "n": range(4)})
            enriched = await ti.lookup_frame(frame, "observable")
            reports = await ti.lookup_many([IPS[0], IpAddress(address=IPS[1]), Url(url="x")])
            with pytest.raises(InvalidInputError):
                await ti.lookup_frame(frame, "nope")
    assert list(enriched.columns) == ["observable", "n", *TI_MERGED_COLUMNS]
    assert enriched["ti_demote"].tolist() == [True, False, False, False]
    assert enriched.loc[0, "ti_verdict"] == "known_good"
    assert enriched.loc[0, "ti_cleared_by"] == "greynoise"
    assert enriched["ti_severity"].dtype == "int64"
    long = reports.to_frame()
    assert list(long.columns) == list(TI_COLUMNS)
    assert long["status"].tolist() == ["found", "found", "invalid"]
    merged = reports.merged_frame()
    assert list(merged.columns) == ["observable", *TI_MERGED_COLUMNS]
    html = reports._repr_html_() + reports[0]._repr_html_() + reports[0].results[0]._repr_html_()
    assert "known_good" in html
    assert "<table" in html


async def test_virustotal_is_wrapped(make: MakeProvider) -> None:
    async with LoopbackServer(VtApp(not_found={"missing.loopback-test.com"})) as server:
        vt = make("virustotal", server.base_url)
        async with vt, ThreatIntel([vt]) as ti:
            reports = await ti.lookup_many(
                ["host1.loopback-test.com", "missing.loopback-test.com", "10.0.0.1", IPS[0]]
            )
    found = reports[0].results[0]
    assert found.status is TiStatus.FOUND
    assert found.verdict in (Verdict.MALICIOUS, Verdict.SUSPICIOUS, Verdict.BENIGN)
    assert found.permalink == "https://www.virustotal.com/gui/domain/host1.loopback-test.com"
    assert reports[1].results[0].status is TiStatus.NOT_FOUND
    assert reports[2].results[0].status is TiStatus.UNSUPPORTED
    assert server.stats.requests == 3


def test_a_provider_twice_or_unknown_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="twice"):
        ThreatIntel(["circl", "hashlookup"])
    with pytest.raises(ConfigurationError, match="unknown"):
        ThreatIntel(["nosuch"])


def test_blocking_twin(make: MakeProvider) -> None:
    import asisdk.sync
    from _support.loopback import threaded_server

    app = servers.InternetDbApp()
    with threaded_server(LoopbackServer(app)) as server:
        provider = make("internetdb", server.base_url)
        with asisdk.sync.ThreatIntel([provider]) as ti:
            report = ti.lookup(IPS[0])
            reports = ti.lookup_many(IPS[:3])
    assert report.results[0].status is TiStatus.FOUND
    assert len(reports) == 3
    assert "ThreatIntel" in asisdk.sync.__all__


async def test_an_interrupted_batch_resumes_from_the_cache(
    make: MakeProvider, tmp_path: Path
) -> None:
    import asyncio

    app = servers.InternetDbApp()
    values = [f"45.155.206.{n}" for n in range(1, 41)]
    async with LoopbackServer(app, latency=0.05) as server:
        provider = make("internetdb", server.base_url, limits=RequestLimits(max_concurrency=2))
        async with provider:
            async with ThreatIntel([provider], cache=tmp_path / "ti.sqlite") as ti:
                task = asyncio.create_task(ti.lookup_many(values))
                while app.stats.requests < 10:  # noqa: ASYNC110 - polling the server's count
                    await asyncio.sleep(0.01)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
            await asyncio.sleep(0.2)  # requests in flight at the cancellation land
            asked_first = app.stats.requests
            app.reset()
            async with ThreatIntel([provider], cache=tmp_path / "ti.sqlite") as ti:
                reports = await ti.lookup_many(values)
    assert 10 <= asked_first < len(values)
    assert {r.results[0].status for r in reports} == {TiStatus.FOUND}
    cached = sum(r.results[0].cached for r in reports)
    assert cached >= asked_first - 2, "what was answered before the interruption is reused"
    assert app.stats.requests == len(values) - cached, "the re-run asks only what is missing"
