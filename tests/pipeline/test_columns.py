"""Column roles: detected from real files' names, or named and checked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from asisdk.errors import InvalidInputError
from asisdk.pipeline import detect_columns, load_events
from asisdk.pipeline._columns import EVENT_TEXT_COLUMN, with_event_text


def test_detects_defender_columns_in_a_real_file(shared_data: Path) -> None:
    frame = pd.read_csv(shared_data / "events" / "msticpy" / "mde_proc_cs1.csv", nrows=50)
    columns = detect_columns(frame)
    assert columns.text[0] == "CreatedProcessCommandLine"
    assert columns.time == "CreatedProcessCreationTime"
    assert columns.host == "ComputerDnsName"


def test_detects_sentinel_logon_columns(shared_data: Path) -> None:
    frame = pd.read_csv(shared_data / "events" / "msticpy" / "host_logons.csv")
    with pytest.raises(InvalidInputError, match="no command line or message column"):
        detect_columns(frame)
    columns = detect_columns(frame, text_columns=["account"])
    assert columns.text == ("Account",)  # matched case-insensitively
    assert columns.time == "TimeGenerated"
    assert columns.ip == ("IpAddress",)
    assert columns.host == "Computer"


def test_unknown_named_column_lists_the_real_ones() -> None:
    frame = pd.DataFrame({"CommandLine": ["x"], "TimeGenerated": ["2024-01-01"]})
    with pytest.raises(InvalidInputError, match=r"--column 'Cmd'.*'CommandLine'"):
        detect_columns(frame, text_columns=["Cmd"])
    with pytest.raises(InvalidInputError, match="--time-column 'When'"):
        detect_columns(frame, time_column="When")


def test_empty_candidate_columns_are_not_chosen() -> None:
    frame = pd.DataFrame({"CommandLine": ["", None], "Message": ["disk full", "fan"]})
    assert detect_columns(frame).text == ("Message",)


def test_windows_events_without_text_get_their_fields_as_text(shared_data: Path) -> None:
    raw = shared_data / "evtx" / "raw" / "Command_and_Control__DE_RDP_Tunneling_4624.evtx"
    frame = load_events([raw]).frame
    with pytest.raises(InvalidInputError, match="no command line or message column"):
        detect_columns(frame)

    with_text = with_event_text(frame)

    assert detect_columns(with_text).text == (EVENT_TEXT_COLUMN,)
    assert EVENT_TEXT_COLUMN not in frame.columns  # the caller's frame is left alone
    logon = with_text[with_text["EventID"] == 4624].iloc[0]
    text = logon[EVENT_TEXT_COLUMN]
    assert text.startswith("EventID=4624; Channel=Security; ")
    fields = dict(part.split("=", 1) for part in text.split("; "))
    assert fields["TargetUserName"] == logon["TargetUserName"]
    assert fields["LogonType"] == str(logon["LogonType"])
    assert "Computer" not in fields
    assert "EventRecordID" not in fields
    assert "asi_row" not in fields
    names = list(fields)[2:]
    assert names == sorted(names, key=str.casefold)
    reordered = with_event_text(frame[list(reversed(frame.columns))])
    assert reordered[EVENT_TEXT_COLUMN].tolist() == with_text[EVENT_TEXT_COLUMN].tolist()


def test_event_text_skips_missing_fields_and_keeps_whole_numbers_whole() -> None:
    frame = pd.DataFrame(
        {
            "Provider_Name": ["Microsoft-Windows-Security-Auditing"] * 2,
            "EventID": [4771, 4771],
            "Status": [24.0, None],  # an int field missing in one event is read as float
            "TargetUserName": ["alice", ""],
        }
    )

    texts = with_event_text(frame)[EVENT_TEXT_COLUMN].tolist()

    assert texts == ["EventID=4771; Status=24; TargetUserName=alice", "EventID=4771"]


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"EventID": [1], "Channel": ["Sysmon"], "CommandLine": ["whoami"]}),
        pd.DataFrame({"TargetUserName": ["bob"], "IpAddress": ["10.0.0.5"]}),  # not Windows
    ],
)
def test_event_text_is_only_added_when_no_text_column_exists(frame: pd.DataFrame) -> None:
    assert with_event_text(frame) is frame
