"""``df.asi`` forwards to the library functions."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import respx

import asisdk.notebook
from asisdk._http import RetryPolicy
from asisdk.config import Config
from asisdk.data import sample_alert_rows
from asisdk.entities import Alert, Event
from asisdk.geo import GeoIpDatabase, StaleDatabaseWarning
from asisdk.notebook import Progress
from asisdk.virustotal import VirusTotalClient

VT_BASE = "https://www.virustotal.com/api/v3"


def test_events_and_alerts(events: pd.DataFrame) -> None:
    parsed = events.head(5).asi.events()
    assert all(isinstance(e, Event) for e in parsed)
    assert [e.event_id for e in parsed] == events.head(5)["EventID"].tolist()
    alerts = pd.DataFrame(sample_alert_rows()).asi.alerts()
    assert all(isinstance(a, Alert) for a in alerts)
    assert len(alerts) == len(sample_alert_rows())


def test_plots_and_trees_match_the_functions(events: pd.DataFrame) -> None:
    tree = events.asi.process_tree(schema="security")
    pd.testing.assert_frame_equal(
        tree, asisdk.notebook.build_process_tree(events, schema="security")
    )
    text = events.asi.display_process_tree(as_text=True, show=False)
    assert text == asisdk.notebook.process_tree_text(asisdk.notebook.build_process_tree(events))
    layout = events.asi.timeline(time_column="TimeCreated", group_by="Hostname", show=False)
    assert sorted(layout.children[0].y_range.factors) == sorted(events["Hostname"].unique())
    bars = events.asi.timeline_duration(
        group_by="SourceDataset", time_column="TimeCreated", show=False
    )
    assert len(bars.y_range.factors) == events["SourceDataset"].nunique()


async def test_vt_lookup_forwards_to_the_client_and_reports_progress(
    respx_mock: respx.MockRouter,
) -> None:
    body = {
        "data": {
            "type": "ip_address",
            "id": "8.8.8.8",
            "attributes": {"last_analysis_stats": {"malicious": 0, "harmless": 80}},
        }
    }
    respx_mock.get(f"{VT_BASE}/ip_addresses/8.8.8.8").respond(200, json=body)
    respx_mock.get(f"{VT_BASE}/domains/missing.example").respond(
        404, json={"error": {"code": "NotFoundError", "message": "x"}}
    )
    frame = pd.DataFrame({"Observable": ["8.8.8.8", "missing.example", "8.8.8.8"]})
    bar = Progress(total=0)
    async with VirusTotalClient(
        api_key="vt-test-key-0123456789abcdef0123456789abcdef",
        requests_per_minute=None,
        requests_per_day=None,
        retry=RetryPolicy(instant=True),
        config=Config(),
    ) as vt:
        result = await frame.asi.vt_lookup("Observable", client=vt, progress=bar)
    assert result["status"].tolist() == ["found", "not_found", "found"]
    assert result["harmless"].tolist()[0] == 80
    assert result.index.equals(frame.index)
    assert bar.done == bar.total > 0


def test_geolocate_forwards_to_the_database(events: pd.DataFrame, city_db: Path) -> None:
    frame = pd.DataFrame({"ip": ["81.2.69.160", "10.0.0.1", "not an ip"]})
    with GeoIpDatabase(city_db, stale_after=None) as db:
        located = frame.asi.geolocate("ip", database=db)
        pd.testing.assert_frame_equal(located, db.lookup_frame(frame, "ip"))
    assert located["geo_status"].tolist() == ["found", "private", "invalid"]
    assert located.loc[0, "city"] == "London"
    logons = events[events["EventID"] == 4624]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaleDatabaseWarning)  # the embedded database is old
        statuses = set(logons.asi.geolocate("IpAddress")["geo_status"])
    assert statuses == {"private", "invalid"}  # the lab's addresses, and "-"
