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


def test_unreadable_files_are_query_errors_that_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    (tmp_path / "broken.jsonl").write_text('{"a": 1}\n{"a": \n', encoding="utf-8")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    source = LocalDataSource(
        {
            "tables": {
                "SecurityEvent": {"file": "broken.parquet"},
                "Syslog": {"file": "broken.jsonl"},
                "Heartbeat": {"file": "deep.json"},
            }
        },
        root=tmp_path,
    )
    window = {"start": T0, "end": T0}
    for query, file, kind, params in [
        ("WindowsSecurity.list_host_logons", "broken.parquet", "parquet", {"host_name": "x"}),
        ("LinuxSyslog.list_all_syslog_for_host", "broken.jsonl", "jsonl", {"host_name": "x"}),
        ("Heartbeat.list_silent_hosts", "deep.json", "json", {}),
    ]:
        with pytest.raises(QueryError, match=rf"cannot read .*{file} as {kind}"):
            source.filter(query, {**window, **params})


def test_latin1_and_utf16_csvs_are_read_and_said_so(tmp_path: Path) -> None:
    frame = pd.DataFrame(ROWS)
    frame.loc[0, "Account"] = "jos\u00e9"
    frame.to_csv(tmp_path / "latin1.csv", index=False, encoding="latin-1")
    frame.to_csv(tmp_path / "utf16.csv", index=False, encoding="utf-16")
    for file, note in [("latin1.csv", "read as latin-1"), ("utf16.csv", None)]:
        source = LocalDataSource(mapping(file), root=tmp_path)
        result = source.filter("WindowsSecurity.list_host_logons", {"account_name": "jos\u00e9"})
        assert result.to_frame()["Account"].tolist() == ["jos\u00e9"]
        assert (note in result.hints[0]) if note else not any("latin" in h for h in result.hints)


def test_a_link_swapped_after_mapping_cannot_leave_the_root(tmp_path: Path) -> None:
    inside = tmp_path / "case"
    inside.mkdir()
    outside = tmp_path / "secret.csv"
    pd.DataFrame(ROWS).to_csv(outside, index=False)
    pd.DataFrame(ROWS).to_csv(inside / "real.csv", index=False)
    (inside / "events.csv").symlink_to(inside / "real.csv")
    source = LocalDataSource(mapping("events.csv"), root=inside)
    (inside / "real.csv").unlink()
    (inside / "real.csv").symlink_to(outside)  # swapped after the mapping was checked
    with pytest.raises(QueryError, match="outside the mapping root"):
        source.filter("WindowsSecurity.list_host_logons", {})


def test_values_of_mixed_types_are_reported_not_raised(tmp_path: Path) -> None:
    rows = [
        {"TimeGenerated": "2024-05-01T00:00:00Z", "Computer": "a", "EventID": {"x": 1}},
        {"TimeGenerated": "2024-05-01T00:00:00Z", "Computer": "b", "EventID": [4624]},
        {"TimeGenerated": "2024-05-01T00:00:00Z", "Computer": "c", "EventID": 4624},
    ]
    (tmp_path / "mixed.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    source = LocalDataSource({"tables": {"SecurityEvent": {"file": "mixed.jsonl"}}}, root=tmp_path)
    result = source.filter(
        "WindowsSecurity.list_host_logons",
        {"host_name": "c", "start": T0, "end": T0 + dt.timedelta(days=1)},
    )
    assert result.to_frame()["Computer"].tolist() == ["c"]
