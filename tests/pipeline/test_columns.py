"""Column roles: detected from real files' names, or named and checked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from asisdk.errors import InvalidInputError
from asisdk.pipeline import detect_columns


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
