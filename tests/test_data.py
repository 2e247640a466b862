from __future__ import annotations

import pytest

from asisdk.data import ATTRIBUTION, sample_alerts, sample_events, sample_events_frame, sample_path
from asisdk.entities import Alert, Severity


def test_bundled_files_ship_with_their_licence() -> None:
    licence = sample_path("LICENSE.OTRF-Security-Datasets.txt").read_text()
    assert "Open Threat Research Forge" in licence
    assert "MIT" in sample_path("NOTICE.md").read_text()
    assert "OTRF" in ATTRIBUTION
    with pytest.raises(FileNotFoundError, match="no bundled sample"):
        sample_path("../../etc/passwd")


def test_sample_alerts_parse_into_entities() -> None:
    alerts = sample_alerts()
    assert [a.severity for a in alerts] == [
        Severity.HIGH,
        Severity.HIGH,
        Severity.MEDIUM,
        Severity.LOW,
    ]
    assert all(isinstance(a, Alert) and a.entities for a in alerts)
    assert all(a.primary_host is not None for a in alerts)
    assert {a.system_alert_id for a in alerts} == {a.to_dict()["SystemAlertId"] for a in alerts}


def test_sample_events_are_the_real_otrf_rows() -> None:
    frame = sample_events_frame()
    assert len(frame) == 642
    assert str(frame["TimeCreated"].dt.tz) == "UTC"
    events = sample_events()
    assert sum(1 for e in events if e.process is not None) == 551
