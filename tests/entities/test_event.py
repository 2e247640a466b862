"""Event.from_row on the real Windows events in ../shared/data/events."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from asisdk.entities import Account, ElevationToken, Event, HostLogonSession, IpAddress, Process


@pytest.fixture(scope="module")
def processes(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "events" / "msticpy" / "processes_on_host.csv", index_col=0)


@pytest.fixture(scope="module")
def logons(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "events" / "msticpy" / "host_logons.csv", index_col=0)


@pytest.fixture(scope="module")
def otrf(shared_data: Path) -> pd.DataFrame:
    path = shared_data / "events" / "otrf" / "otrf_process_logon_events.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_security_4688_gives_process_with_parent_image_account_and_host(
    processes: pd.DataFrame,
) -> None:
    events = Event.from_rows(processes)
    assert len(events) == len(processes)
    first = events[0]
    assert first.event_id == 4688
    assert first.host is not None
    assert first.host.host_name == "MSTICAlertsWin1"
    process = first.process
    assert process is not None
    assert process.process_id == "0x1610"
    assert process.process_name == "ASMHost.exe"
    assert process.command_line is not None
    assert "GetInventory" in process.command_line
    assert process.elevation_token is ElevationToken.DEFAULT
    parent = process.parent_process
    assert parent is not None
    assert parent.process_id == "0x888"
    assert parent.process_name == "MonitoringHost.exe"
    account = process.account
    assert account is not None
    assert (account.name, account.nt_domain, account.sid, account.logon_id) == (
        "MSTICAlertsWin1$",
        "WORKGROUP",
        "S-1-5-18",
        "0x3e7",
    )
    assert process.host == first.host
    assert first.time_generated is not None
    assert first.time_generated.year == 2019
    assert all(e.process is not None for e in events)


def test_encoded_powershell_row_is_found(processes: pd.DataFrame) -> None:
    events = Event.from_rows(processes)
    encoded = [
        e for e in events if "-enc" in ((e.process.command_line if e.process else "") or "").lower()
    ]
    assert encoded, "the msticpy sample holds one -enc PowerShell line"
    assert encoded[0].process is not None
    assert (encoded[0].process.process_name or "").lower() == "powershell.exe"


def test_4624_gives_target_and_subject_accounts_session_and_address(logons: pd.DataFrame) -> None:
    events = Event.from_rows(logons)
    first = events[0]
    assert first.event_id == 4624
    assert first.target_account is not None
    assert (first.target_account.name, first.target_account.nt_domain) == (
        "MSTICAdmin",
        "MSTICAlertsWin1",
    )
    assert first.target_account.sid == "S-1-5-21-996632719-2361334927-4038480536-500"
    assert first.subject_account is not None
    assert first.subject_account.name == "MSTICAlertsWin1$"
    assert first.logon_session is not None
    assert first.logon_session.session_id == "0xfaac27"
    assert first.logon_type == 4
    assert first.ip_address is None  # "-" is not an address
    remote = events[2]
    assert remote.ip_address == IpAddress(address="fe80::38dc:e4a9:61bd:b458")
    assert remote.logon_type == 3
    assert remote.query_params()["account_name"] == "adm1nistrator"
    assert remote.query_params()["ip_address"] == "fe80::38dc:e4a9:61bd:b458"


def test_every_real_otrf_event_parses(otrf: pd.DataFrame) -> None:
    events = Event.from_rows(otrf)
    assert len(events) == 642
    assert all(e.host is not None for e in events)
    assert all(e.time_generated is not None for e in events)
    process_events = [e for e in events if e.event_id in (1, 4688)]
    assert len(process_events) == 551
    assert all(e.process is not None for e in process_events)
    logon_events = [e for e in events if e.event_id in (4624, 4625)]
    assert len(logon_events) == 39
    assert all(e.target_account is not None for e in logon_events)
    assert sum(1 for e in events if e.event_id == 4625) == 2


def test_sysmon_event_gives_parent_command_line_and_account(otrf: pd.DataFrame) -> None:
    events = Event.from_rows(otrf)
    launcher = next(
        e
        for e in events
        if e.event_id == 1 and e.process and "-enc" in (e.process.command_line or "")
    )
    process = launcher.process
    assert process is not None
    assert process.process_name == "powershell.exe"
    assert process.process_id == "2316"
    assert process.parent_process is not None
    assert process.parent_process.process_id == "2440"
    assert "launcher.vbs" in (process.parent_process.command_line or "")
    assert process.account == Account(name="pgustavo", nt_domain="THESHIRE")
    assert process.account is not None
    assert process.account.logon_id == "0x2d5a4b"
    params = launcher.query_params()
    assert params["host_name"] == "WORKSTATION5.theshire.local"
    assert params["logon_session_id"] == "0x2d5a4b"


def test_entities_are_listed_once_each(otrf: pd.DataFrame) -> None:
    event = Event.from_rows(otrf.iloc[:40])[4]
    kinds = [type(e).__name__ for e in event.entities]
    assert kinds.count("Host") == 1
    assert "Process" in kinds
    assert "File" in kinds
    assert all(isinstance(e, HostLogonSession) for e in event.entities_of(HostLogonSession))
    assert event.entities_of(Process)[0] is event.process


def test_bad_rows_are_clear() -> None:
    from asisdk.errors import EntityError

    with pytest.raises(EntityError):
        Event.from_row(42)
    empty = Event.from_row({"EventID": "not a number", "TimeGenerated": "garbage"})
    assert empty.event_id is None
    assert empty.time_generated is None
    assert empty.entities == ()
