"""The local KQL evaluator: KQL semantics on frames, and every library query on local tables."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from asisdk.errors import QueryError
from asisdk.local import LocalDataSource
from asisdk.local._kql_eval import UnsupportedQuery, evaluate, query_tables
from asisdk.loganalytics import QueryStatus
from asisdk.queries import QueryLibrary

LA_TABLES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "la-tables"
T0 = pd.Timestamp("2024-05-01T00:00:00Z")

EVENTS = pd.DataFrame(
    {
        "TimeGenerated": pd.to_datetime(
            [
                "2024-05-01T00:00:00Z",
                "2024-05-01T01:00:00Z",
                "2024-05-01T02:00:00Z",
                "2024-05-02T00:00:00Z",
            ],
            utc=True,
        ),
        "Computer": ["web1.contoso.com", "WEB1", "db1.contoso.com", "web1.contoso.com"],
        "EventID": ["4624", "4625", "4624", "4688"],
        "Account": ["CONTOSO\\alice", "CONTOSO\\bob", "CONTOSO\\Alice", "CONTOSO\\carol"],
        "CommandLine": [None, None, None, "powershell.exe -enc SQBFAFgA -nop"],
        "Extra": ['{"user": {"upn": "a@x.com"}}', "{}", '{"user": {"upn": "b@x.com"}}', None],
        "Ids": ['["1", "2"]', "[]", '["3"]', None],
    }
)


def run(query: str, frame: pd.DataFrame = EVENTS) -> Any:
    return evaluate(query, {"SecurityEvent": lambda: frame})


def computers(query: str) -> list[str]:
    return run(query).frame["Computer"].tolist()  # type: ignore[no-any-return]


def test_equality_is_case_sensitive_and_tilde_is_not() -> None:
    assert computers('SecurityEvent | where Computer == "WEB1"') == ["WEB1"]
    assert computers('SecurityEvent | where Computer == "web1"') == []
    assert computers('SecurityEvent | where Computer =~ "web1"') == ["WEB1"]
    assert len(computers('SecurityEvent | where Computer !~ "web1"')) == 3


def test_numbers_compare_as_numbers() -> None:
    assert computers("SecurityEvent | where EventID == 4625") == ["WEB1"]
    assert len(computers("SecurityEvent | where EventID in (4624, 4688)")) == 3
    assert computers("SecurityEvent | where EventID > 4625") == ["web1.contoso.com"]


def test_has_matches_whole_terms_without_case() -> None:
    assert len(computers('SecurityEvent | where Account has "alice"')) == 2
    assert computers('SecurityEvent | where Account has "ali"') == []
    assert computers('SecurityEvent | where Account contains "ali"') == [
        "web1.contoso.com",
        "db1.contoso.com",
    ]
    assert computers('SecurityEvent | where Account has_cs "Alice"') == ["db1.contoso.com"]
    assert len(computers('SecurityEvent | where CommandLine has_any ("-enc", "-nop")')) == 1
    assert len(computers('SecurityEvent | where Account !has "alice"')) == 2


def test_in_and_in_tilde() -> None:
    assert computers('SecurityEvent | where Computer in ("web1")') == []
    assert computers('SecurityEvent | where Computer in~ ("web1")') == ["WEB1"]
    assert len(computers('SecurityEvent | where Computer !in ("WEB1")')) == 3


def test_time_ranges_arithmetic_and_optional_parameters() -> None:
    query = (
        "SecurityEvent | where TimeGenerated between (datetime(2024-05-01T00:30:00.0000000Z) "
        ".. datetime(2024-05-02T00:00:00.0000000Z) - timespan(0.01:00:00.0000000))"
    )
    assert computers(query) == ["WEB1", "db1.contoso.com"]
    # The library's optional-filter idiom: an empty parameter keeps every row
    assert len(computers('SecurityEvent | where isempty("") or Computer =~ ""')) == 4
    assert computers('SecurityEvent | where isempty("db1") or Computer startswith "db1"') == [
        "db1.contoso.com"
    ]
    host = '"web1"'
    query = f'SecurityEvent | where Computer =~ {host} or Computer startswith strcat({host}, ".")'
    assert computers(query) == ["web1.contoso.com", "WEB1", "web1.contoso.com"]
    assert len(computers("SecurityEvent | where TimeGenerated > ago(1d)")) == 0


def test_dynamic_members_summarize_and_mv_expand() -> None:
    answer = run(
        "SecurityEvent | extend Upn = tostring(Extra.user.upn) | where isnotempty(Upn) "
        "| project Computer, Upn"
    )
    assert answer.frame.to_dict("records") == [
        {"Computer": "web1.contoso.com", "Upn": "a@x.com"},
        {"Computer": "db1.contoso.com", "Upn": "b@x.com"},
    ]
    summary = run(
        "SecurityEvent | summarize Events = count(), Accounts = dcount(Account), "
        "Ids = make_set(EventID), FirstSeen = min(TimeGenerated) by Computer | sort by Events desc"
    ).frame
    first = summary.iloc[0]
    assert (first["Computer"], first["Events"], first["Accounts"]) == ("web1.contoso.com", 2, 2)
    assert first["Ids"] == ["4624", "4688"]
    assert first["FirstSeen"] == T0
    latest = run("SecurityEvent | summarize arg_max(TimeGenerated, *) by Computer").frame
    assert latest.set_index("Computer").loc["web1.contoso.com", "EventID"] == "4688"
    assert run("SecurityEvent | where EventID == 1 | summarize count()").frame[
        "count_"
    ].tolist() == [0]
    expanded = run("SecurityEvent | mv-expand Id = Ids to typeof(string) | project Id").frame
    assert expanded["Id"].dropna().tolist() == ["1", "2", "3"]


def test_let_views_and_joins() -> None:
    procs = pd.DataFrame(
        {
            "TimeGenerated": pd.to_datetime(["2024-05-01T00:00:00Z"] * 3, utc=True),
            "NewProcessId": ["0x10", "0x20", "0x30"],
            "ProcessId": ["0x1", "0x10", "0x20"],
            "NewProcessName": ["explorer.exe", "cmd.exe", "whoami.exe"],
        }
    )
    query = (
        "let procs = SecurityEvent | where TimeGenerated > datetime(2020-01-01);\n"
        'procs | where NewProcessId =~ "0x30" | take 1 | project ParentId = ProcessId\n'
        "| join kind=inner (procs) on $left.ParentId == $right.NewProcessId\n"
        "| project NewProcessName"
    )
    answer = evaluate(query, {"SecurityEvent": lambda: procs})
    assert answer.frame["NewProcessName"].tolist() == ["cmd.exe"]
    assert answer.complete
    anti = evaluate(
        "SecurityEvent | join kind=leftanti (SecurityEvent | project NewProcessId) "
        "on $left.ProcessId == $right.NewProcessId | project NewProcessName",
        {"SecurityEvent": lambda: procs},
    )
    assert anti.frame["NewProcessName"].tolist() == ["explorer.exe"]
    assert query_tables(query) == ("SecurityEvent",)


def test_what_cannot_be_evaluated_is_reported_not_dropped() -> None:
    # An unknown function in one conjunct: that conjunct is skipped (more rows, never fewer)
    answer = run('SecurityEvent | where EventID == 4624 and hash_sha1(Account) == "x"')
    assert answer.frame["Computer"].tolist() == ["web1.contoso.com", "db1.contoso.com"]
    assert not answer.complete
    assert "hash_sha1" in answer.unapplied[0]
    # An operator it cannot evaluate ends local evaluation and names the rest of the query
    answer = run("SecurityEvent | where EventID == 4624 | evaluate bag_unpack(Extra) | take 1")
    assert len(answer.frame) == 2
    assert answer.unapplied[0].startswith("evaluate bag_unpack(Extra) | take 1")
    # A table column the file lacks reads as empty, and says so
    answer = run('SecurityEvent | where Account =~ "x" or TargetAccount =~ "CONTOSO\\\\bob"')
    assert answer.frame.empty
    assert "TargetAccount" in answer.unapplied[0]
    with pytest.raises(UnsupportedQuery, match="no local data"):
        evaluate("Syslog | take 1", {"SecurityEvent": lambda: EVENTS})


@given(st.text(alphabet="abcAB _-.", max_size=12), st.text(alphabet="abAB", min_size=1, max_size=3))
def test_has_agrees_with_a_term_reference(value: str, term: str) -> None:
    frame = pd.DataFrame({"Computer": [value]})
    got = not run(f'SecurityEvent | where Computer has "{term}"', frame).frame.empty
    terms = "".join(c if c.isalnum() or c == "_" else " " for c in value.lower()).split()
    # KQL's has: the term is a whole term of the value
    assert got == (term.lower() in terms)


# -- the library on local tables ---------------------------------------------------------------


def _schemas() -> dict[str, dict[str, str]]:
    if not LA_TABLES.is_dir():
        pytest.skip("../shared/reference/la-tables is not available")
    return {f.stem: json.loads(f.read_text())["columns"] for f in LA_TABLES.glob("*.json")}


def _value(kind: str, rng: random.Random, row: int) -> object:
    if kind in ("int", "long"):
        return rng.choice([0, 1, 3, 4624, 4688, 10])
    if kind in ("real", "double", "decimal"):
        return rng.random() * 100
    if kind == "bool":
        return rng.choice([True, False])
    if kind == "datetime":
        return (T0 + pd.Timedelta(minutes=17 * row)).isoformat()
    if kind == "dynamic":
        return rng.choice(['["a", "b"]', '{"k": "v", "user": {"upn": "a@x.com"}}', "[]"])
    if kind == "timespan":
        return "00:01:00"
    return rng.choice(["sample", "host1.contoso.com", "10.0.0.1", "", "4624", "powershell.exe"])


def _source(tmp_path: Path, rows: int) -> LocalDataSource:
    rng = random.Random(7)
    tables: dict[str, object] = {}
    for name, columns in _schemas().items():
        records = [{c: _value(t, rng, i) for c, t in columns.items()} for i in range(rows)]
        path = tmp_path / f"{name}.jsonl"
        path.write_text("\n".join(json.dumps(r) for r in records) + ("\n" if records else ""))
        if not records:
            path.write_text(json.dumps(dict.fromkeys(columns)) + "\n")
        tables[name] = {"file": path.name}
    return LocalDataSource({"tables": tables}, root=tmp_path)


def test_every_library_query_runs_on_local_tables(tmp_path: Path) -> None:
    source = _source(tmp_path, rows=40)
    coverage = source.coverage()
    assert len(coverage) == len(QueryLibrary.default())
    not_served = [c.name for c in coverage if not c.served]
    assert not_served == []
    incomplete = {c.name for c in coverage if not c.complete}
    # Every stage of every query is evaluated (the files hold every column of their table),
    # except the series decompositions: make-series and series_decompose* run only on
    # Log Analytics, and the local answer says so.
    assert incomplete == {
        "MultiDataSource.summarize_timeseries_baseline",
        "MultiDataSource.list_timeseries_anomalies",
    }
    for item in coverage:
        if item.name in incomplete:
            assert "make-series" in item.unapplied[0]


def test_served_queries_answer_like_the_hand_mapping() -> None:
    sample = LocalDataSource.sample()
    params: dict[str, object] = {
        "start": dt.datetime(2020, 9, 1, tzinfo=dt.UTC),
        "end": dt.datetime(2020, 9, 30, tzinfo=dt.UTC),
        "host_name": "MORDORDC",
    }
    by_hand = sample.filter("WindowsSecurity.list_host_logons", params)
    table = sample.tables["SecurityEvent"]
    tables_only = LocalDataSource(
        {
            "tables": {
                "SecurityEvent": {
                    "file": table.file.name,
                    "where": {"Channel": ["Security"]},
                    "columns": dict(table.columns),
                }
            }
        },
        root=table.file.parent,
    )
    evaluated = tables_only.filter("WindowsSecurity.list_host_logons", params)
    assert evaluated.row_count == by_hand.row_count == 19
    assert set(evaluated.to_frame()["TargetLogonId"]) == set(by_hand.to_frame()["LogonId"])


async def test_sample_answers_queries_nobody_mapped_by_hand() -> None:
    sample = LocalDataSource.sample()
    assert len(sample.served_queries()) > 40
    result = await sample.run_named(
        "WindowsSecurity.list_processes_by_command_line",
        {
            "start": dt.datetime(2020, 9, 1, tzinfo=dt.UTC),
            "end": dt.datetime(2020, 9, 30, tzinfo=dt.UTC),
            "command_line": "powershell",
        },
    )
    assert result.row_count > 0
    assert result.status in (QueryStatus.SUCCESS, QueryStatus.PARTIAL)
    with pytest.raises(QueryError, match="map its table"):
        sample.filter("LinuxSyslog.list_all_syslog_for_host", {"host_name": "x"})


async def test_any_table_time_series_and_aliases_run_locally() -> None:
    from asisdk.queries import QueryProvider

    qp = QueryProvider(LocalDataSource.sample())
    result = await qp.MultiDataSource.get_timeseries_data(
        table="SecurityEvent",
        group_column="Computer",
        start=dt.datetime(2020, 9, 1, tzinfo=dt.UTC),
        end=dt.datetime(2020, 9, 30, tzinfo=dt.UTC),
    )
    frame = result.to_frame()
    assert result.status == QueryStatus.SUCCESS
    # every Security-channel row of the sample in the range, counted straight from the file
    from asisdk.data import sample_path

    raw = pd.read_csv(sample_path("sample_events.csv"), dtype=str)
    times = pd.to_datetime(raw["TimeCreated"], utc=True, format="ISO8601")
    security = raw["Channel"].str.lower() == "security"
    expected = int((security & (times >= "2020-09-01") & (times <= "2020-09-30")).sum())
    assert expected > 50
    assert frame["Count"].sum() == expected
    assert set(frame["Group"]) >= {"MORDORDC.theshire.local", "WORKSTATION5.theshire.local"}
    anomalies = await qp.MultiDataSource.list_timeseries_anomalies(
        table="SecurityEvent",
        start=dt.datetime(2020, 9, 1, tzinfo=dt.UTC),
        end=dt.datetime(2020, 9, 30, tzinfo=dt.UTC),
    )
    assert anomalies.status == QueryStatus.PARTIAL
    assert any("make-series" in hint for hint in anomalies.hints)


async def test_flow_queries_find_external_flows_through_vmip_and_public_ips(
    tmp_path: Path,
) -> None:
    """Traffic Analytics leaves SrcIP_s/DestIP_s blank on external flows (issue 20)."""
    rows = [
        {  # inbound from the internet: the VM is in VMIP_s, the remote side in PublicIPs_s
            "TimeGenerated": "2024-05-01T10:00:00Z",
            "SubType_s": "FlowLog",
            "FlowType_s": "ExternalPublic",
            "FlowDirection_s": "I",
            "VM_s": "rg1/web01",
            "VMIP_s": "10.1.0.4",
            "SrcIP_s": "",
            "DestIP_s": "",
            "PublicIPs_s": "52.160.10.20|3|0|0|0|0 198.51.100.7|1|0|0|0|0",
            "DestPort_d": 443,
            "L4Protocol_s": "T",
            "FlowStatus_s": "A",
            "AllowedInFlows_d": 4,
            "AllowedOutFlows_d": 0,
            "DeniedInFlows_d": 0,
            "DeniedOutFlows_d": 0,
        },
        {  # intra-VNet: both sides in SrcIP_s / DestIP_s
            "TimeGenerated": "2024-05-01T11:00:00Z",
            "SubType_s": "FlowLog",
            "FlowType_s": "IntraVNet",
            "FlowDirection_s": "O",
            "VM_s": "rg1/web01",
            "VMIP_s": "10.1.0.4",
            "SrcIP_s": "10.1.0.4",
            "DestIP_s": "10.1.0.9",
            "PublicIPs_s": "",
            "DestPort_d": 1433,
        },
        {  # a topology record names the address too, but is not a flow
            "TimeGenerated": "2024-05-01T12:00:00Z",
            "SubType_s": "Topology",
            "VM_s": "rg1/web01",
            "VMIP_s": "10.1.0.4",
            "PublicIPs_s": "52.160.10.20",
        },
    ]
    (tmp_path / "flows.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    source = LocalDataSource(
        {"tables": {"AzureNetworkAnalytics_CL": {"file": "flows.jsonl"}}}, root=tmp_path
    )
    window = {
        "start": dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
        "end": dt.datetime(2024, 5, 2, tzinfo=dt.UTC),
    }
    by_ip = source.filter(
        "Network.list_connections_for_ip", {**window, "ip_address": ["52.160.10.20"]}
    )
    frame = by_ip.to_frame()
    assert frame[["SourceIP", "DestinationIP", "FlowType"]].to_dict("records") == [
        {"SourceIP": "52.160.10.20", "DestinationIP": "10.1.0.4", "FlowType": "ExternalPublic"}
    ]
    assert frame["Flows"].tolist() == [4]
    # 52.160.10.2 is a prefix of the address, not the address
    partial = source.filter(
        "Network.list_connections_for_ip", {**window, "ip_address": ["52.160.10.2"]}
    )
    assert partial.row_count == 0
    by_host = source.filter("Network.list_connections_for_host", {**window, "host_name": "web01"})
    assert by_host.to_frame()["DestinationIP"].tolist() == ["10.1.0.4", "10.1.0.9"]
    assert by_host.hints[0] == "not evaluated locally: CommonSecurityLog: no local data"
    assert any("VM1_s: not in the local data" in hint for hint in by_host.hints)


def test_indicators_by_observable_keep_only_active_latest_versions_of_both_tables(
    tmp_path: Path,
) -> None:
    stix = [  # one indicator whose latest version was deactivated, one still active
        {"TimeGenerated": "2024-05-01T00:00:00Z", "Id": "a", "IsActive": True,
         "ObservableKey": "ipv4-addr:value", "ObservableValue": "203.0.113.9", "Confidence": 80},
        {"TimeGenerated": "2024-05-02T00:00:00Z", "Id": "a", "IsActive": False,
         "ObservableKey": "ipv4-addr:value", "ObservableValue": "203.0.113.9", "Confidence": 80},
        {"TimeGenerated": "2024-05-01T00:00:00Z", "Id": "b", "IsActive": True, "IsDeleted": False,
         "ObservableKey": "domain-name:value", "ObservableValue": "evil.example",
         "Confidence": 60, "Data": {"description": "C2 domain"}},
    ]  # fmt: skip
    legacy = [
        {"TimeGenerated": "2024-05-01T00:00:00Z", "IndicatorId": "x", "Active": True,
         "NetworkIP": "203.0.113.9", "ConfidenceScore": 50, "IndicatorProvider": "feed"},
    ]  # fmt: skip
    (tmp_path / "stix.jsonl").write_text("\n".join(json.dumps(r) for r in stix) + "\n")
    (tmp_path / "legacy.jsonl").write_text("\n".join(json.dumps(r) for r in legacy) + "\n")
    source = LocalDataSource(
        {
            "tables": {
                "ThreatIntelIndicators": {"file": "stix.jsonl"},
                "ThreatIntelligenceIndicator": {"file": "legacy.jsonl"},
            }
        },
        root=tmp_path,
    )
    result = source.filter(
        "ThreatIntelligence.list_indicators_by_observable",
        {
            "start": dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            "end": dt.datetime(2024, 6, 1, tzinfo=dt.UTC),
            "observables": ["203.0.113.9", "evil.example"],
        },
    )
    found = result.to_frame()[["SourceTable", "IndicatorId", "Observable"]]
    assert sorted(map(tuple, found.to_numpy().tolist())) == [
        ("ThreatIntelIndicators", "b", "evil.example"),
        ("ThreatIntelligenceIndicator", "x", "203.0.113.9"),
    ]
    assert result.to_frame().set_index("IndicatorId").loc["b", "Description"] == "C2 domain"
