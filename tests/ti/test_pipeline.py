"""Triage enrichment on real events: the MDE process events of msticpy's test data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from _support.loopback import LoopbackServer, threaded_server
from asisdk.cli import main
from asisdk.executors import InlineExecutor
from asisdk.pipeline import TriageResult, load_events, run_triage
from asisdk.pipeline._ti import (
    TI_IOC_COLUMNS,
    TI_MAX_LOOKUPS,
    enrich_ti_iocs,
    ti_candidates,
    ti_verdicts,
)
from asisdk.ti import CirclHashlookupProvider, ThreatIntel
from asisdk.ti._provider import quota

from . import servers
from .conftest import MakeProvider


@pytest.fixture(scope="module")
def triage(shared_data: Path) -> TriageResult:
    events = shared_data / "events" / "msticpy" / "mde_proc_cs1.csv"
    return run_triage(load_events([events]), executor=InlineExecutor())


async def test_verdicts_mark_known_good_hashes_for_demotion(
    triage: TriageResult, make: MakeProvider
) -> None:
    iocs = triage.iocs
    hashes = iocs[iocs["ioc_type"].isin(["md5", "sha1", "sha256"])]["observable"].tolist()
    known = hashes[:10]
    circl = servers.CirclApp(good=known)
    otx = servers.OtxApp()
    async with LoopbackServer(circl) as cs, LoopbackServer(otx) as os_:
        providers = [make("circl", cs.base_url), make("otx", os_.base_url)]
        async with providers[0], providers[1], ThreatIntel(providers) as ti:
            verdicts = await ti_verdicts(iocs, ti, max_lookups=1000)
    chosen = ti_candidates(iocs, max_lookups=1000)
    assert verdicts["observable"].tolist() == chosen["observable"].tolist()
    assert list(verdicts.columns) == ["observable", *TI_IOC_COLUMNS]
    assert circl.stats.requests == len(hashes), "every hash asked once, nothing else"
    by_value = verdicts.set_index("observable")
    for value in known:
        cleared = "circl" in by_value.loc[value, "ti_cleared_by"]
        flagged = bool(by_value.loc[value, "ti_flagged_by"])
        assert cleared
        assert bool(by_value.loc[value, "ti_demote"]) == (not flagged)
    demoted = set(verdicts[verdicts["ti_demote"]]["observable"])
    assert demoted <= set(known)
    enriched = enrich_ti_iocs(iocs, verdicts)
    assert len(enriched) == len(iocs)
    assert list(enriched.index) == list(iocs.index)
    assert enriched["ti_demote"].dtype == bool
    assert enriched[enriched["ioc_type"] == "registry_key"]["ti_verdict"].isna().all()


def test_triage_cli_ti_flag(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    config = tmp_path / "empty.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("ASISDK_CONFIG", str(config))
    # The command builds CIRCL with its documented pace (10 a second: 20 s for the lookup
    # limit); the loopback server has no quota, so a faster pace keeps the limiter in the
    # path without the wait. Pacing itself is tested in tests/_http/test_limits.py.
    monkeypatch.setattr(CirclHashlookupProvider, "default_limits", quota(per_second=1000.0))
    circl = servers.CirclApp()
    with threaded_server(LoopbackServer(circl)) as server:
        monkeypatch.setenv("ASISDK_CIRCL_BASE_URL", server.base_url)
        events = shared_data / "events" / "msticpy" / "mde_proc_cs1.csv"
        out = tmp_path / "report"
        code = main(
            ["triage", str(events), "--ti", "circl", "--no-geo", "--quiet", "--out", str(out)]
        )
    assert code == 0
    iocs = pd.read_csv(out / "iocs.csv")
    assert set(TI_IOC_COLUMNS) <= set(iocs.columns)
    asked = iocs["ti_verdict"].notna()
    assert int(asked.sum()) == TI_MAX_LOOKUPS, "the most suspicious indicators, up to the limit"
    hashes = iocs["ioc_type"].isin(["md5", "sha1", "sha256"])
    assert circl.stats.requests == int((hashes & asked).sum())
    assert iocs[hashes & asked]["ti_demote"].any()
