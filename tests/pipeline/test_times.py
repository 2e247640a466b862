"""Event times: epoch units by magnitude, FILETIME, ISO offsets, 100 ns, local time."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from asisdk.cli import main
from asisdk.cli._common import EXIT_OK, EXIT_USAGE
from asisdk.errors import InvalidInputError
from asisdk.pipeline import load_events
from asisdk.schema import is_local_time_column, parse_time_values

WHEN = pd.Timestamp("2024-05-01T10:00:00.1234567Z")
EPOCH_S = 1714557600


def _parsed(values: list[object]) -> list[pd.Timestamp]:
    return parse_time_values(pd.Series(values, dtype=object)).times.tolist()


def test_epoch_numbers_by_magnitude() -> None:
    expected = pd.Timestamp(EPOCH_S, unit="s", tz="UTC")
    numbers = pd.Series([EPOCH_S, EPOCH_S * 1000, EPOCH_S * 10**6, EPOCH_S * 10**9])
    assert parse_time_values(numbers).times.tolist() == [expected] * 4


def test_zeek_float_seconds_are_not_1970() -> None:
    times = parse_time_values(pd.Series([1714557600.123456])).times
    assert times.iloc[0] == pd.Timestamp("2024-05-01T10:00:00.123456Z")


def test_numeric_text_keeps_100_ns() -> None:
    assert _parsed(["1714557600.1234567", str(EPOCH_S * 10**9 + 123456700)]) == [WHEN, WHEN]


def test_windows_filetime() -> None:
    # 100 ns ticks since 1601-01-01 (the EVTX and Defender raw form).
    ticks = (EPOCH_S + 11_644_473_600) * 10**7 + 1234567
    assert _parsed([ticks, str(ticks)]) == [WHEN, WHEN]


def test_iso_with_offsets_and_seven_digits() -> None:
    assert _parsed(
        [
            "2024-05-01T10:00:00.1234567Z",
            "2024-05-01T12:00:00.1234567+02:00",
            "2024-05-01 10:00:00.1234567",
        ]
    ) == [WHEN, WHEN, WHEN]


def test_bad_values_are_listed_per_row_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    rows = [
        {"ts": "2024-05-01T10:00:00Z", "CommandLine": "a"},
        {"ts": "yesterday-ish", "CommandLine": "b"},
        {"ts": 1714557600.5, "CommandLine": "c"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    loaded = load_events([path], time_column="ts")
    assert len(loaded.frame) == 3
    assert loaded.frame["ts"].isna().tolist() == [False, True, False]
    (problem,) = loaded.problems
    assert (problem.row, problem.column, problem.skipped) == (2, "ts", False)
    assert "'yesterday-ish' is not a time" in problem.message


def test_local_time_needs_a_timezone() -> None:
    assert is_local_time_column("TimeGenerated [Local Time]")
    assert not is_local_time_column("TimeGenerated [UTC]")
    values = pd.Series(["5/1/2024, 12:00:00.123 PM", "1/15/2024, 9:30:00.000 AM"])
    values.name = "TimeGenerated [Local Time]"
    with pytest.raises(InvalidInputError, match="--timezone"):
        parse_time_values(values, local=True)
    times = parse_time_values(values, local=True, timezone="Europe/Berlin").times
    # Summer time (UTC+2) in May, winter time (UTC+1) in January.
    assert times.tolist() == [
        pd.Timestamp("2024-05-01T10:00:00.123Z"),
        pd.Timestamp("2024-01-15T08:30:00Z"),
    ]


def test_unknown_timezone_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="IANA"):
        parse_time_values(pd.Series(["2024-05-01 10:00"]), timezone="Mars/Olympus")


def _sentinel_export(tmp_path: Path) -> Path:
    # The Sentinel portal's CSV export names its time column by the viewer's time zone.
    path = tmp_path / "export.csv"
    path.write_text(
        "TimeGenerated [Local Time],Computer,CommandLine\n"
        '"5/1/2024, 12:00:00.000 PM",ws1,whoami /all\n'
        '"5/1/2024, 12:05:00.000 PM",ws1,net user\n',
        encoding="utf-8",
    )
    return path


def test_triage_refuses_local_time_without_timezone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["triage", str(_sentinel_export(tmp_path)), "--out", str(tmp_path / "out")])
    assert code == EXIT_USAGE
    assert "--timezone" in capsys.readouterr().err


def test_triage_converts_local_time_with_timezone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(
        [
            "triage",
            str(_sentinel_export(tmp_path)),
            "--out",
            str(out),
            "--timezone",
            "Europe/Berlin",
            "--json",
        ]
    )
    summary = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK
    assert summary["columns"]["time"] == "TimeGenerated [Local Time]"
    assert summary["columns"]["time_local"] is True
    events = pd.read_parquet(out / "events.parquet")
    assert events["TimeGenerated [Local Time]"].tolist() == [
        pd.Timestamp("2024-05-01T10:00:00Z"),
        pd.Timestamp("2024-05-01T10:05:00Z"),
    ]
