"""LocalDataSource: formats, filters, unapplied parameters, refusals."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from asisdk.errors import ConfigurationError, QueryError
from asisdk.local import LocalDataSource

T0 = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
ROWS = [
    {
        "TimeGenerated": "2024-05-01T00:00:00Z",
        "Computer": "web1.contoso.com",
        "EventID": 4624,
        "Account": "alice",
    },
    {
        "TimeGenerated": "2024-05-01T01:00:00Z",
        "Computer": "WEB1",
        "EventID": 4625,
        "Account": "bob",
    },
    {
        "TimeGenerated": "2024-05-01T02:00:00Z",
        "Computer": "db1.contoso.com",
        "EventID": 4624,
        "Account": "alice",
    },
    {
        "TimeGenerated": "2024-05-02T00:00:00Z",
        "Computer": "web1.contoso.com",
        "EventID": 4624,
        "Account": "carol",
    },
]


def write(folder: Path, fmt: str) -> str:
    frame = pd.DataFrame(ROWS)
    if fmt == "csv":
        frame.to_csv(folder / "events.csv", index=False)
        return "events.csv"
    if fmt == "jsonl":
        (folder / "events.jsonl").write_text("\n".join(json.dumps(r) for r in ROWS))
        return "events.jsonl"
    if fmt == "json":
        (folder / "events.json").write_text(json.dumps(ROWS))
        return "events.json"
    frame["TimeGenerated"] = pd.to_datetime(frame["TimeGenerated"], utc=True)
    frame.to_parquet(folder / "events.parquet")
    return "events.parquet"


def mapping(file: str) -> dict[str, object]:
    return {
        "queries": {
            "WindowsSecurity.list_host_logons": {
                "file": file,
                "where": {"EventID": [4624]},
                "columns": {
                    "host_name": {"column": "Computer", "match": "host"},
                    "account_name": "Account",
                },
            }
        }
    }


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "parquet"])
async def test_formats_time_range_and_filters(tmp_path: Path, fmt: str) -> None:
    source = LocalDataSource(mapping(write(tmp_path, fmt)), root=tmp_path)
    result = await source.run_named(
        "WindowsSecurity.list_host_logons",
        {
            "start": T0,
            "end": T0 + dt.timedelta(hours=23),
            "host_name": "web1",
            "account_name": "ALICE",
            "process_name": "cmd.exe",
        },
    )
    frame = result.to_frame()
    assert frame["Computer"].tolist() == ["web1.contoso.com"]
    assert str(frame["TimeGenerated"].dtype) == "datetime64[ns, UTC]"
    assert result.unapplied_parameters == ("process_name",)
    assert "process_name" in result.hints[0]


async def test_mapping_file_in_a_folder(tmp_path: Path) -> None:
    file = write(tmp_path, "csv")
    (tmp_path / "asisdk-local.yaml").write_text(json.dumps(mapping(file)))  # JSON is YAML
    source = LocalDataSource(tmp_path)
    assert source.supports("WindowsSecurity.list_host_logons")
    result = source.filter("WindowsSecurity.list_host_logons", {"host_name": "WEB1.contoso.com"})
    # FQDN asked: the short-name row "WEB1" matches too; the 4625 row is excluded by "where"
    assert result.row_count == 2


def test_pickle_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="pickle"):
        LocalDataSource({"queries": {"A.b": {"file": "x.pkl"}}}, root=tmp_path)
    with pytest.raises(ConfigurationError, match="pickle"):
        LocalDataSource({"queries": {"A.b": {"file": "x.dat", "format": "pickle"}}}, root=tmp_path)


def test_paths_must_stay_under_the_root(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="outside"):
        LocalDataSource({"queries": {"A.b": {"file": "../../etc/passwd.csv"}}}, root=tmp_path)


def test_bad_mappings(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="queries"):
        LocalDataSource({"nope": 1}, root=tmp_path)
    with pytest.raises(ConfigurationError, match="unknown keys"):
        LocalDataSource({"queries": {"A.b": {"file": "a.csv", "colums": {}}}}, root=tmp_path)
    with pytest.raises(ConfigurationError, match="no local data mapping"):
        LocalDataSource(tmp_path)
    source = LocalDataSource({"queries": {"A.b": {"file": "missing.csv"}}}, root=tmp_path)
    with pytest.raises(QueryError, match="does not exist"):
        source.filter("A.b", {})
    with pytest.raises(QueryError, match=r"no local data for A\.c"):
        source.filter("A.c", {})


async def test_sample_source_serves_alerts() -> None:
    source = LocalDataSource.sample()
    result = await source.run_named(
        "SecurityAlert.list_alerts",
        {
            "start": dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
            "end": dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            "severity": "high",
        },
    )
    assert result.to_frame()["AlertSeverity"].tolist() == ["High", "High"]
    related = source.filter(
        "SecurityAlert.list_related_alerts",
        {"host_name": "WORKSTATION5.theshire.local", "account_name": "pgustavo"},
    )
    # the short-name alert ("WORKSTATION5") matches the FQDN as well
    assert related.row_count == 2
    assert related.unapplied_parameters == ("account_name",)
