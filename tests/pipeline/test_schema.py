"""The normalised schema on real Windows, Sysmon, Defender and Zeek events."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from asisdk.errors import InvalidInputError
from asisdk.pipeline import detect_columns, load_events
from asisdk.schema import CANONICAL_COLUMNS, FIELD_SOURCES, match_schema, normalise_events

from .test_zeek import DNS, HTTP, _conn, _write

SYSMON = "Microsoft-Windows-Sysmon/Operational"


def _la_columns(shared_data: Path, table: str) -> list[str]:
    document = json.loads(
        (shared_data.parent / "reference" / "la-tables" / f"{table}.json").read_text()
    )
    return list(document["columns"])


@pytest.fixture(scope="module")
def evtx_events(shared_data: Path) -> pd.DataFrame:
    raw = sorted((shared_data / "evtx" / "raw").glob("*.evtx"))
    return normalise_events(load_events(raw).frame)


def test_every_source_fills_a_canonical_column() -> None:
    names = {c.name for c in CANONICAL_COLUMNS}
    assert {s.canonical for s in FIELD_SOURCES} == names
    assert all(name.startswith("asi_") for name in names)


def test_originals_are_kept_unchanged(shared_data: Path) -> None:
    frame = load_events([shared_data / "events" / "otrf" / "empire_launcher_vbs.zip"]).frame
    normalised = normalise_events(frame)
    assert list(normalised.columns[: len(frame.columns)]) == list(frame.columns)
    pd.testing.assert_frame_equal(normalised[frame.columns], frame)
    assert [c.name for c in CANONICAL_COLUMNS] == list(normalised.columns[len(frame.columns) :])


def test_sysmon_process_creation(evtx_events: pd.DataFrame) -> None:
    created = evtx_events[(evtx_events["Channel"] == SYSMON) & (evtx_events["EventID"] == 1)]
    assert len(created) > 50
    assert (created["asi_command_line"] == created["CommandLine"]).all()
    assert (created["asi_parent_image"] == created["ParentImage"]).all()
    assert (created["asi_parent_process_guid"] == created["ParentProcessGuid"]).all()
    assert (created["asi_process_id"] == created["ProcessId"].astype("Int64")).all()
    sha256 = created["Hashes"].str.extract(r"SHA256=([0-9A-F]{64})", expand=False).str.lower()
    hashed = sha256.notna()
    assert hashed.sum() > 50
    assert (created.loc[hashed, "asi_sha256"] == sha256[hashed]).all()
    assert (created["asi_time"] == pd.to_datetime(created["TimeCreated"], utc=True)).all()


def test_sysmon_network_dns_registry_and_files(evtx_events: pd.DataFrame) -> None:
    sysmon = evtx_events[evtx_events["Channel"] == SYSMON]
    network = sysmon[sysmon["EventID"] == 3]
    assert len(network)
    assert (network["asi_dst_ip"] == network["DestinationIp"]).all()
    assert (network["asi_dst_port"] == network["DestinationPort"].astype("Int64")).all()
    registry = sysmon[sysmon["EventID"] == 13]
    assert len(registry)
    assert (registry["asi_registry_key"] == registry["TargetObject"]).all()
    files = sysmon[sysmon["EventID"] == 11]
    assert len(files)
    assert (files["asi_file_path"] == files["TargetFilename"]).all()
    loads = sysmon[sysmon["EventID"] == 7]
    assert len(loads)
    assert (loads["asi_file_path"] == loads["ImageLoaded"]).all()
    assert (loads["asi_process_image"] == loads["Image"]).all()


def test_security_4688_parent_pid_is_processid_in_hex(shared_data: Path) -> None:
    frame = pd.read_csv(shared_data / "events" / "msticpy" / "processes_on_host.csv")
    normalised = normalise_events(frame)
    assert (normalised["asi_process_id"] == frame["NewProcessId"].map(lambda v: int(v, 16))).all()
    parent = frame["ProcessId"].map(lambda v: int(v, 16))
    assert (normalised["asi_parent_process_id"] == parent).all()
    assert (normalised["asi_process_image"] == frame["NewProcessName"]).all()
    assert (normalised["asi_parent_image"] == frame["ParentProcessName"]).all()
    assert (normalised["asi_user"] == frame["SubjectUserName"]).all()
    assert (normalised["asi_logon_id"] == frame["SubjectLogonId"].str.lower()).all()


def test_security_logons_take_the_target_user(shared_data: Path) -> None:
    frame = pd.read_csv(shared_data / "events" / "msticpy" / "host_logons.csv")
    normalised = normalise_events(frame)
    assert (frame["EventID"] == 4624).all()
    assert (normalised["asi_user"] == frame["TargetUserName"]).all()
    assert (normalised["asi_logon_type"] == frame["LogonType"]).all()
    assert (normalised["asi_logon_id"] == frame["TargetLogonId"].str.lower()).all()
    with_ip = frame["IpAddress"].notna() & (frame["IpAddress"] != "-")
    assert (normalised.loc[with_ip, "asi_src_ip"] == frame.loc[with_ip, "IpAddress"]).all()
    assert normalised.loc[~with_ip, "asi_src_ip"].isna().all()  # "-" is no address


def test_otrf_powershell_script_blocks(shared_data: Path) -> None:
    frame = load_events([shared_data / "events" / "otrf" / "empire_launcher_vbs.zip"]).frame
    normalised = normalise_events(frame)
    blocks = normalised[normalised["EventID"] == 4104]
    assert len(blocks)
    assert (blocks["asi_script_block"] == blocks["ScriptBlockText"]).all()
    assert (normalised["asi_host"] == frame["Hostname"]).all()
    assert (normalised["asi_provider"] == frame["SourceName"]).all()
    dns = normalised[(normalised["Channel"] == SYSMON) & (normalised["EventID"] == 22)]
    assert len(dns)
    assert (dns["asi_dns_query"] == dns["QueryName"]).all()
    assert (dns["asi_dns_answers"] == dns["QueryResults"]).all()


def test_defender_raw_process_events(shared_data: Path) -> None:
    frame = pd.read_csv(shared_data / "events" / "msticpy" / "mde_proc_cs1.csv", nrows=200)
    normalised = normalise_events(frame)
    assert (normalised["asi_command_line"] == frame["CreatedProcessCommandLine"]).all()
    assert (normalised["asi_parent_command_line"] == frame["Process_CommandLine"]).all()
    assert (normalised["asi_host"] == frame["ComputerDnsName"]).all()
    assert (normalised["asi_sha256"] == frame["CreatedProcessFileSha256"].str.lower()).all()


def test_defender_initiating_process_is_the_parent_only_in_the_process_table(
    shared_data: Path,
) -> None:
    # One row per table, with the tables' real column lists from the Log Analytics schema.
    process = dict.fromkeys(_la_columns(shared_data, "DeviceProcessEvents"))
    process |= {
        "DeviceName": "ws1",
        "FolderPath": r"C:\Windows\System32\cmd.exe",
        "ProcessCommandLine": "cmd /c whoami",
        "ProcessId": 4242,
        "InitiatingProcessFolderPath": r"C:\Windows\explorer.exe",
        "InitiatingProcessCommandLine": "explorer.exe",
        "InitiatingProcessId": 1000,
    }
    network = dict.fromkeys(_la_columns(shared_data, "DeviceNetworkEvents"))
    network |= {
        "DeviceName": "ws1",
        "InitiatingProcessFolderPath": r"C:\Windows\System32\curl.exe",
        "InitiatingProcessCommandLine": "curl http://198.51.100.7/a",
        "InitiatingProcessId": 77,
        "InitiatingProcessParentId": 4242,
        "LocalIP": "10.0.0.5",
        "RemoteIP": "198.51.100.7",
        "RemotePort": 80,
        "RemoteUrl": "http://198.51.100.7/a",
    }
    normalised = normalise_events(pd.DataFrame([process, network]))
    first, second = normalised.iloc[0], normalised.iloc[1]
    assert first["asi_process_image"] == r"C:\Windows\System32\cmd.exe"
    assert first["asi_parent_image"] == r"C:\Windows\explorer.exe"
    assert first["asi_parent_process_id"] == 1000
    assert pd.isna(first["asi_file_path"])
    assert second["asi_process_image"] == r"C:\Windows\System32\curl.exe"
    assert second["asi_command_line"] == "curl http://198.51.100.7/a"
    assert second["asi_process_id"] == 77
    assert second["asi_parent_process_id"] == 4242
    assert (second["asi_src_ip"], second["asi_dst_ip"], second["asi_dst_port"]) == (
        "10.0.0.5",
        "198.51.100.7",
        80,
    )
    assert second["asi_url"] == "http://198.51.100.7/a"


def test_ecs_and_winlogbeat_names() -> None:
    frame = pd.DataFrame(
        {
            "@timestamp": ["2024-05-01T10:00:00.1234567Z"],
            "host.name": ["ws1"],
            "event.code": ["4688"],
            "winlog.channel": ["Security"],
            "winlog.event_data.NewProcessId": ["0x10"],
            "winlog.event_data.ProcessId": ["0x20"],
            "process.parent.executable": [r"C:\Windows\explorer.exe"],
            "process.command_line": ["whoami /all"],
        }
    )
    row = normalise_events(frame).iloc[0]
    assert row["asi_time"] == pd.Timestamp("2024-05-01T10:00:00.1234567Z")
    assert row["asi_host"] == "ws1"
    assert row["asi_event_id"] == 4688
    assert row["asi_process_id"] == 16
    assert row["asi_parent_process_id"] == 32
    assert row["asi_command_line"] == "whoami /all"
    assert detect_columns(frame).text == ("process.command_line",)
    assert detect_columns(frame).host == "host.name"


def test_zeek_conn_dns_http(tmp_path: Path) -> None:
    conn = normalise_events(load_events([_conn(tmp_path)]).frame)
    assert conn["asi_src_ip"].tolist() == ["10.0.0.5", "10.0.0.5"]
    assert conn["asi_dst_port"].tolist() == [80, 5353]
    assert conn["asi_protocol"].tolist() == ["tcp", "udp"]
    assert conn["asi_time"].iloc[0] == pd.Timestamp("2024-05-01T10:00:00.123456Z")
    dns = normalise_events(load_events([_write(tmp_path, "dns.log", DNS)]).frame)
    assert dns["asi_dns_query"].tolist() == ["evil.example"]
    http = normalise_events(load_events([_write(tmp_path, "http.log", HTTP)]).frame)
    assert http["asi_url"].tolist() == ["http://example.com/a.ps1"]
    assert http["asi_user_agent"].tolist() == ["curl/8.0"]
    assert http["asi_dst_host"].tolist() == ["example.com"]


def test_detection_uses_the_schema_and_canonical_columns(shared_data: Path) -> None:
    frame = pd.read_csv(shared_data / "events" / "msticpy" / "mde_proc_cs1.csv", nrows=50)
    columns = detect_columns(frame)
    assert columns.text[:2] == ("CreatedProcessCommandLine", "Process_CommandLine")
    normalised = normalise_events(frame)
    columns = detect_columns(normalised)
    assert columns.text == ("asi_command_line", "asi_parent_command_line")
    assert (columns.time, columns.host) == ("asi_time", "asi_host")


def test_match_schema_names_each_source() -> None:
    frame = pd.DataFrame({"EventData.CommandLine": ["a"], "commandline": ["b"]})
    assert match_schema(frame).columns_for("asi_command_line") == ("commandline",)


def test_unknown_canonical_column_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="not a canonical column"):
        normalise_events(pd.DataFrame({"a": [1]}), columns=["asi_nope"])
