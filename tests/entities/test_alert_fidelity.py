"""Fidelity fixes found on real Sentinel answers: ``Tactics: "Unknown"`` and ``alerts`` entities."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from asisdk.entities import (
    Account,
    Alert,
    AlertReference,
    Host,
    Severity,
    UnknownEntity,
    entity_from_dict,
    from_sentinel_entities,
)

# The shape of a SecurityAlert row Sentinel returns for an analytics-rule alert without
# MITRE mapping: Tactics is the literal string "Unknown", Techniques an empty JSON array.
UNMAPPED_ALERT: dict[str, Any] = {
    "TenantId": "8a6d1ff1-6c4b-4bd2-9e42-2f2b7d0c2f10",
    "TimeGenerated": "2024-05-01T10:06:12.345Z",
    "DisplayName": "Multiple failed logons",
    "AlertName": "Multiple failed logons",
    "AlertSeverity": "Medium",
    "Description": "",
    "ProviderName": "ASI Scheduled Alerts",
    "VendorName": "Microsoft",
    "SystemAlertId": "1f3f3a5c-7d4e-4b8a-9b44-0b6f2b2d9e01",
    "ProductName": "Azure Sentinel",
    "AlertType": "8a6d1ff1_5f1c0b8e-1234-4a1b-9a6e-2b8f1c3d4e5f",
    "Status": "New",
    "StartTime": "2024-05-01T09:55:00Z",
    "EndTime": "2024-05-01T10:05:00Z",
    "Tactics": "Unknown",
    "Techniques": "[]",
    "Entities": '[{"$id":"3","Type":"account","Name":"svc-backup","UPNSuffix":"contoso.com"}]',
}

# An incident's Entities: Sentinel lists the incident's alerts as entities of type "alerts"
# next to the hosts and accounts, and refers back to them with $ref.
INCIDENT_ENTITIES: list[dict[str, Any]] = [
    {
        "$id": "2",
        "Type": "alerts",
        "SystemAlertId": "1f3f3a5c-7d4e-4b8a-9b44-0b6f2b2d9e01",
        "AlertDisplayName": "Multiple failed logons",
        "AlertType": "8a6d1ff1_5f1c0b8e-1234-4a1b-9a6e-2b8f1c3d4e5f",
        "Severity": "Medium",
        "Status": "New",
        "ProductName": "Azure Sentinel",
        "VendorName": "Microsoft",
        "ProviderAlertId": "7d2b0a6e-1111-4c2a-8f00-5e6d7c8b9a01",
        "CompromisedEntity": "web01",
        "StartTimeUtc": "2024-05-01T09:55:00Z",
        "EndTimeUtc": "2024-05-01T10:05:00Z",
        "TimeGenerated": "2024-05-01T10:06:12.345Z",
        "FriendlyName": "Multiple failed logons",
    },
    {"$id": "3", "Type": "host", "HostName": "web01", "DnsDomain": "contoso.com"},
    {"$id": "4", "Type": "account", "Name": "svc-backup", "Host": {"$ref": "3"}},
    {"$ref": "2"},
]


def test_unknown_tactics_means_no_tactics() -> None:
    alert = Alert.from_sentinel(UNMAPPED_ALERT)
    assert alert.tactics == ()
    assert alert.techniques == ()
    assert "Tactics" not in alert.to_dict()
    assert Alert.from_dict(alert.to_dict()).tactics == ()


@pytest.mark.parametrize(
    ("tactics", "expected"),
    [
        ("Unknown", ()),
        ("unknown", ()),
        (" Unknown ", ()),
        ('["Unknown"]', ()),
        (["Unknown"], ()),
        ("", ()),
        ("InitialAccess, Unknown", ("InitialAccess",)),
        ("CredentialAccess", ("CredentialAccess",)),
    ],
)
def test_tactics_placeholders_are_dropped(tactics: object, expected: tuple[str, ...]) -> None:
    assert Alert.from_sentinel({**UNMAPPED_ALERT, "Tactics": tactics}).tactics == expected


def test_alerts_entity_becomes_an_alert_reference() -> None:
    entities = from_sentinel_entities(json.dumps(INCIDENT_ENTITIES))
    assert not any(isinstance(e, UnknownEntity) for e in entities)
    ref = entities[0]
    assert isinstance(ref, AlertReference)
    assert ref.system_alert_id == "1f3f3a5c-7d4e-4b8a-9b44-0b6f2b2d9e01"
    assert ref.alert_display_name == "Multiple failed logons"
    assert ref.severity is Severity.MEDIUM
    assert ref.provider_alert_id == "7d2b0a6e-1111-4c2a-8f00-5e6d7c8b9a01"
    assert ref.compromised_entity == "web01"
    assert ref.start_time == datetime(2024, 5, 1, 9, 55, tzinfo=UTC)
    assert ref.end_time == datetime(2024, 5, 1, 10, 5, tzinfo=UTC)
    assert ref.additional_data == {"FriendlyName": "Multiple failed logons"}
    assert ref.label == "Multiple failed logons"
    assert ref.query_params() == {"system_alert_id": "1f3f3a5c-7d4e-4b8a-9b44-0b6f2b2d9e01"}
    assert [type(e) for e in entities] == [AlertReference, Host, Account]


def test_alert_reference_round_trips_and_compares_by_id() -> None:
    ref = entity_from_dict(INCIDENT_ENTITIES[0])
    assert isinstance(ref, AlertReference)
    again = entity_from_dict(ref.to_dict())
    assert again == ref
    assert again.severity is Severity.MEDIUM
    renamed = entity_from_dict({**INCIDENT_ENTITIES[0], "AlertDisplayName": "Renamed"})
    assert renamed == ref
    other = entity_from_dict({**INCIDENT_ENTITIES[0], "SystemAlertId": "another"})
    assert other != ref


@pytest.mark.parametrize("type_name", ["alerts", "alert", "SecurityAlert"])
def test_alert_type_spellings(type_name: str) -> None:
    [ref] = from_sentinel_entities([{"Type": type_name, "SystemAlertId": "a1"}])
    assert isinstance(ref, AlertReference)


def test_alert_listing_its_incident_alerts() -> None:
    row = {**UNMAPPED_ALERT, "Entities": json.dumps(INCIDENT_ENTITIES)}
    alert = Alert.from_sentinel(row)
    [ref] = alert.entities_of(AlertReference)
    assert ref.system_alert_id == alert.system_alert_id
    assert alert.primary_host is not None
    assert alert.primary_host.host_name == "web01"


def test_alert_times_keep_their_100_ns_tick() -> None:
    import pickle

    import pandas as pd

    from asisdk.entities import PreciseTime

    row = {
        **UNMAPPED_ALERT,
        "TimeGenerated": "2024-05-01T10:06:03.3338239Z",
        "StartTime": "2024-05-01T09:55:00.1000001Z",
    }
    alert = Alert.from_sentinel(row)
    assert isinstance(alert.time_generated, PreciseTime)
    written = alert.to_dict()
    assert written["TimeGenerated"] == "2024-05-01T10:06:03.3338239Z"
    assert written["StartTime"] == "2024-05-01T09:55:00.1000001Z"
    assert written["EndTime"] == "2024-05-01T10:05:00Z"  # no tick, no extra digit
    assert Alert.from_sentinel(written).to_dict()["TimeGenerated"] == written["TimeGenerated"]
    assert pickle.loads(pickle.dumps(alert)).to_dict() == written
    # A Log Analytics frame holds nanoseconds: the tick survives the conversion too
    stamp = pd.Timestamp("2024-05-01T10:06:03.3338239Z")
    assert Alert.from_sentinel({**row, "TimeGenerated": stamp}).time_generated == (
        alert.time_generated
    )
    assert alert.time_generated.nanoseconds == stamp.value
    assert alert.time_generated == datetime(2024, 5, 1, 10, 6, 3, 333823, tzinfo=UTC)
