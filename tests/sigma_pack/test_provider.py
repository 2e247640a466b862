"""qp.sigma.run: a Sigma rule on Log Analytics (respx) and on the local sample events."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import respx

from _support.extras import needs_kusto
from asisdk._http import RetryPolicy
from asisdk.data import sample_path
from asisdk.entities import TimeSpan
from asisdk.errors import InvalidArgumentError, QueryError
from asisdk.local import LocalDataSource
from asisdk.loganalytics import LogAnalyticsClient, QueryStatus, StaticTokenCredential
from asisdk.queries import QueryProvider
from asisdk.queries._sigma import SIGMA_COLUMNS, sqlite_matcher
from asisdk.sigma._kql import SigmaKqlError, rule_to_kql
from asisdk.sigma._pack import rule_by_id

WS = "0b1a7c6e-0000-4000-8000-000000000000"
URL = f"https://api.loganalytics.io/v1/workspaces/{WS}/query"
ANSWER = {
    "tables": [
        {
            "name": "PrimaryResult",
            "columns": [
                {"name": "DeviceName", "type": "string"},
                {"name": "ProcessCommandLine", "type": "string"},
            ],
            "rows": [["ws5", "powershell.exe -enc SQBFAFgA"]],
        }
    ]
}
SPAN = TimeSpan(start="2020-09-04T00:00:00Z", end="2020-09-05T00:00:00Z")
RULE = "proc_creation_win_powershell_encode"


def la() -> LogAnalyticsClient:
    return LogAnalyticsClient(
        WS, credential=StaticTokenCredential("t"), retry=RetryPolicy(instant=True)
    )


def local_events() -> LocalDataSource:
    mapping = {
        "queries": {"Sigma.events": {"file": "sample_events.csv", "time_column": "TimeCreated"}}
    }
    return LocalDataSource(mapping, root=sample_path("sample_events.csv").parent)


@needs_kusto
@respx.mock
async def test_log_analytics_gets_the_rules_kql_and_the_time_range() -> None:
    route = respx.post(URL).respond(200, json=ANSWER)
    async with la() as client:
        qp = QueryProvider(client)
        result = await qp.sigma.run(RULE, SPAN)
    body = json.loads(route.calls[0].request.content)
    assert body["query"] == rule_to_kql(rule_by_id(RULE)).query == result.query
    assert body["query"].startswith("DeviceProcessEvents\n| where ")
    assert body["timespan"] == "2020-09-04T00:00:00.0000000Z/2020-09-05T00:00:00.0000000Z"
    assert result.source == "loganalytics"
    assert result.status is QueryStatus.SUCCESS
    frame = result.to_frame()
    assert list(frame.columns) == ["DeviceName", "ProcessCommandLine", *SIGMA_COLUMNS]
    assert frame["sigma_author"].tolist() == ["frack113"]
    assert frame["sigma_level"].tolist() == [rule_by_id(RULE).level.name.lower()]


@needs_kusto
@respx.mock
async def test_a_rule_without_kql_is_refused_before_any_request() -> None:
    route = respx.post(URL).respond(200, json=ANSWER)
    async with la() as client:
        with pytest.raises(SigmaKqlError) as caught:
            await QueryProvider(client).sigma.run("lnx_auditd_binary_padding", SPAN)
    assert caught.value.reason == "no_table"
    assert route.call_count == 0


def expected_encoded_powershell(frame: pd.DataFrame) -> pd.DataFrame:
    """An independent reading of the rule over the sample: Sysmon 1, pandas string tests."""
    image = frame["Image"].fillna("").str.lower()
    command = frame["CommandLine"].fillna("").str.lower()
    parent = frame["ParentImage"].fillna("").str.lower()
    selected = (
        (frame["EventID"] == "1")
        & (image.str.endswith("\\powershell.exe") | image.str.endswith("\\pwsh.exe"))
        & command.str.contains(r" -e | -en | -enc | -enco| -ec ", regex=True)
    )
    filtered = (
        command.str.contains(" -encoding ", regex=False)
        | parent.str.contains(
            "c:\\packages\\plugins\\microsoft.guestconfiguration.configurationforwindows\\",
            regex=False,
        )
        | parent.str.contains("\\gc_worker.exe", regex=False)
    )
    return frame[selected & ~filtered]


async def test_the_local_source_runs_the_rule_over_its_events() -> None:
    qp = QueryProvider(local_events())
    result = await qp.sigma.run(RULE, SPAN)
    events = pd.read_csv(
        sample_path("sample_events.csv"), dtype=str, keep_default_na=False, na_values=[""]
    )
    expected_all = expected_encoded_powershell(events)
    times = pd.to_datetime(expected_all["TimeCreated"], utc=True, format="ISO8601")
    expected = expected_all[(times >= SPAN.start) & (times <= SPAN.end)]
    assert len(expected_all) > len(expected) > 0
    assert result.source == "local"
    assert "EventID=1" in result.query  # the Sysmon pipeline: process_creation is event 1
    frame = result.to_frame()
    assert sorted(frame["CommandLine"]) == sorted(expected["CommandLine"])
    assert set(frame["sigma_author"]) == {"frack113"}
    assert set(frame["sigma_rule_id"]) == {str(rule_by_id(RULE).id)}
    everything = await qp.sigma.run(RULE)
    assert sorted(everything.to_frame()["CommandLine"]) == sorted(expected_all["CommandLine"])
    outside = await qp.sigma.run(RULE, ("2021-01-01T00:00:00Z", "2021-01-02T00:00:00Z"))
    assert outside.row_count == 0


async def test_fields_the_events_lack_are_null_not_errors() -> None:
    qp = QueryProvider(local_events())
    result = await qp.sigma.run("registry_set_disable_defender_firewall", SPAN)
    assert result.row_count == 0
    assert result.status is QueryStatus.SUCCESS


async def test_an_injected_matcher_and_an_engine_rule_object() -> None:
    from asisdk.queries._sigma import SigmaQueries

    seen: list[tuple[str, int]] = []

    def matcher(rule, frame: pd.DataFrame) -> pd.DataFrame:  # type: ignore[no-untyped-def]
        seen.append((rule.title, len(frame)))
        return frame.head(2)

    class EngineRule:
        sigma_rule = rule_by_id(RULE)

    runner = SigmaQueries(QueryProvider(local_events()), matcher=matcher)
    result = await runner.run(EngineRule())
    assert result.row_count == 2
    assert seen == [("Suspicious Execution of Powershell with Base64", 642)]
    with pytest.raises(InvalidArgumentError):
        await runner.run(42, SPAN)


async def test_rules_by_path_and_yaml(tmp_path: Path) -> None:
    qp = QueryProvider(local_events())
    text = next(
        r.text
        for r in __import__("asisdk.sigma._pack", fromlist=["x"]).iter_rule_texts()
        if r.name.endswith(f"/{RULE}.yml")
    )
    path = tmp_path / "rule.yml"
    path.write_text(text, encoding="utf-8")
    by_path = await qp.sigma.run(path, SPAN)
    by_text = await qp.sigma.run(text, SPAN)
    by_id = await qp.sigma.run(str(rule_by_id(RULE).id), SPAN)
    assert by_path.row_count == by_text.row_count == by_id.row_count > 0


@needs_kusto
async def test_a_local_source_without_sigma_events_says_what_to_add() -> None:
    qp = QueryProvider(LocalDataSource.sample())
    with pytest.raises(QueryError, match=r"Sigma\.events"):
        await qp.sigma.run(RULE, SPAN)
    assert qp.sigma.kql(RULE).table == "DeviceProcessEvents"
    assert "sigma" in dir(qp)


def test_sqlite_matcher_on_a_frame() -> None:
    events = pd.read_csv(sample_path("sample_events.csv"), dtype=str)
    matched = sqlite_matcher(rule_by_id(RULE), events)
    assert matched.index.tolist() == expected_encoded_powershell(events).index.tolist()
