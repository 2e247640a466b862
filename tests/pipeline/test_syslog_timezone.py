"""RFC 3164 syslog has no year and no zone: ``timezone`` / ``--timezone`` says which zone."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from asisdk.cli import main
from asisdk.cli._common import EXIT_OK, EXIT_USAGE
from asisdk.errors import InvalidInputError
from asisdk.pipeline import load_events

# Lines in the shape of loghub's OpenSSH log (a Linux auth.log): one in winter, one in summer,
# then an rsyslog RFC 3339 stamp without an offset and an RFC 5424 line (read as syslog).
AUTH_LOG = (
    "<38>Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186\n"
    "<38>Jul 10 06:55:46 LabSZ sshd[24201]: Failed password for root from 183.62.140.253 "
    "port 2222 ssh2\n"
    "2025-07-11T08:00:00 LabSZ cron[1]: (root) CMD (run-parts /etc/cron.hourly)\n"
    "<34>1 2025-07-11T08:00:00.5+02:00 LabSZ su - ID47 - 'su root' failed for lonvick\n"
)


def _auth_log(folder: Path) -> Path:
    path = folder / "auth.log"
    path.write_text(AUTH_LOG, encoding="utf-8")
    # The file's modification time gives the year of RFC 3164 stamps: 2025 here.
    stamp = dt.datetime(2025, 12, 31, 12, tzinfo=dt.UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def _times(path: Path, timezone: str | None) -> list[pd.Timestamp]:
    frame = load_events(
        [path], input_format="syslog", time_column="Timestamp", timezone=timezone
    ).frame
    return frame["Timestamp"].tolist()


def test_rfc3164_times_are_utc_by_default(tmp_path: Path) -> None:
    assert _times(_auth_log(tmp_path), None) == [
        pd.Timestamp("2025-12-10T06:55:46Z"),
        pd.Timestamp("2025-07-10T06:55:46Z"),
        pd.Timestamp("2025-07-11T08:00:00Z"),
        pd.Timestamp("2025-07-11T06:00:00.5Z"),
    ]


def test_rfc3164_times_in_the_given_zone_become_utc(tmp_path: Path) -> None:
    # Berlin is UTC+1 in December and UTC+2 (summer time) in July; RFC 5424 keeps its offset.
    assert _times(_auth_log(tmp_path), "Europe/Berlin") == [
        pd.Timestamp("2025-12-10T05:55:46Z"),
        pd.Timestamp("2025-07-10T04:55:46Z"),
        pd.Timestamp("2025-07-11T06:00:00Z"),
        pd.Timestamp("2025-07-11T06:00:00.5Z"),
    ]
    assert _times(_auth_log(tmp_path), "America/New_York")[:2] == [
        pd.Timestamp("2025-12-10T11:55:46Z"),
        pd.Timestamp("2025-07-10T10:55:46Z"),
    ]


def test_the_stamps_are_written_as_utc(tmp_path: Path) -> None:
    frame = load_events([_auth_log(tmp_path)], input_format="syslog", timezone="Asia/Tokyo").frame
    assert frame["Timestamp"].iloc[0] == "2025-12-09T21:55:46+00:00"


def test_year_is_taken_in_the_zone(tmp_path: Path) -> None:
    """Written at 23:30 UTC on 31 Dec, the file is already from the new year in Tokyo."""
    path = tmp_path / "messages"
    path.write_text("Jan  1 08:00:00 host1 kernel: booted\n", encoding="utf-8")
    stamp = dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC).timestamp()
    os.utime(path, (stamp, stamp))
    assert _times(path, "Asia/Tokyo") == [pd.Timestamp("2025-12-31T23:00:00Z")]
    assert _times(path, None) == [pd.Timestamp("2025-01-01T08:00:00Z")]


def test_invalid_zone_is_a_typed_error_with_advice(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"'CET\+1'.*such as Europe/Berlin") as raised:
        load_events([_auth_log(tmp_path)], timezone="CET+1")
    assert isinstance(raised.value, ValueError)


def test_triage_timezone_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _auth_log(tmp_path)
    code = main(["triage", str(path), "--out", str(tmp_path / "bad"), "--timezone", "Mars/Olympus"])
    assert code == EXIT_USAGE
    error = capsys.readouterr().err
    assert "Mars/Olympus" in error
    assert "Europe/Berlin" in error
    out = tmp_path / "out"
    argv = ["triage", str(path), "--out", str(out), "--timezone", "Europe/Berlin", "--json"]
    argv += ["--format", "syslog"]
    code = main([*argv, "--no-geo", "--no-sigma"])
    summary = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK, summary
    events = pd.read_parquet(out / "events.parquet")
    assert events["Timestamp"].tolist()[:2] == [
        pd.Timestamp("2025-12-10T05:55:46Z"),
        pd.Timestamp("2025-07-10T04:55:46Z"),
    ]
