"""``asisdk query`` and ``asisdk triage --query``: the local source, and Log Analytics via respx."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
import respx

from asisdk.cli import EXIT_OK, EXIT_USAGE, main
from asisdk.data import sample_events_frame

WS = "0b1a7c6e-0000-4000-8000-000000000000"
URL = f"https://api.loganalytics.io/v1/workspaces/{WS}/query"


def test_list_shows_the_local_queries(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--list"]) == EXIT_OK
    names = capsys.readouterr().out.split()
    assert "WindowsSecurity.list_host_processes" in names


def test_local_query_prints_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["query", "WindowsSecurity.list_host_logons", "--param", "host_name=MORDORDC"])
    captured = capsys.readouterr()
    assert code == EXIT_OK
    rows = pd.read_csv(io.StringIO(captured.out))
    sample = sample_events_frame()
    expected = sample[(sample["EventID"] == 4624) & sample["Hostname"].str.startswith("MORDORDC")]
    assert len(rows) == len(expected) > 0
    assert f"{len(expected)} rows from query WindowsSecurity.list_host_logons" in captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["WindowsSecurity.list_host_logons", "--param", "host_name"], "write it as NAME=VALUE"),
        (["WindowsSecurity.list_host_logons", "--param", "hots=x"], "hots"),
        (["Nope.nothing"], "no query named 'Nope.nothing'"),
        (
            ["WindowsSecurity.list_host_logons", "--param", "host_name=x", "--workspace", WS],
            "ASISDK_LOGANALYTICS_TOKEN",
        ),
        ([], "name a query"),
    ],
)
def test_query_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["query", *argv]) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_triage_a_local_query(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(
        [
            "triage",
            "--query",
            "WindowsSecurity.list_host_processes",
            "--param",
            "host_name=WORKSTATION5",
            "--out",
            str(tmp_path),
            "--json",
            "--workers",
            "1",
        ]
    )
    summary = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK
    sample = sample_events_frame()
    expected = sample[
        sample["EventID"].isin([4688, 1]) & sample["Hostname"].str.startswith("WORKSTATION5")
    ]
    assert summary["events"] == len(expected)
    assert summary["decoded_payloads"] > 0


def test_triage_a_log_analytics_query(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    respx_mock: respx.MockRouter,
) -> None:
    monkeypatch.setenv("ASISDK_LOGANALYTICS_TOKEN", "token-from-az-cli")
    sample = sample_events_frame()
    processes = sample[sample["EventID"] == 4688].head(40)
    body = {
        "tables": [
            {
                "name": "PrimaryResult",
                "columns": [
                    {"name": "TimeGenerated", "type": "datetime"},
                    {"name": "Computer", "type": "string"},
                    {"name": "CommandLine", "type": "string"},
                ],
                "rows": [
                    [t.isoformat(), host, cmd]
                    for t, host, cmd in processes[
                        ["TimeCreated", "Hostname", "CommandLine"]
                    ].itertuples(index=False, name=None)
                ],
            }
        ]
    }
    route = respx_mock.post(URL).respond(200, json=body)
    code = main(
        [
            "triage",
            "--query",
            "WindowsSecurity.list_host_processes",
            "--workspace",
            WS,
            "--param",
            "host_name=WORKSTATION5",
            "--since",
            "7d",
            "--out",
            str(tmp_path),
            "--json",
            "--workers",
            "1",
            "--no-geo",
        ]
    )
    summary = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK
    assert summary["events"] == 40
    assert summary["columns"]["time"] == "TimeGenerated"
    assert summary["decoded_payloads"] > 0
    sent = json.loads(route.calls.last.request.content)
    assert '"WORKSTATION5"' in sent["query"]
    assert route.calls.last.request.headers["authorization"] == "Bearer token-from-az-cli"
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert f"Log Analytics workspace {WS}" in report


def test_list_groups_queries_by_family_with_descriptions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from asisdk.queries import QueryLibrary

    library = QueryLibrary.default()
    assert main(["query", "--list", "--workspace", WS]) == EXIT_OK
    out = capsys.readouterr().out
    blocks = out.strip().split("\n\n")
    assert [block.splitlines()[0] for block in blocks] == library.families()
    listed = 0
    for block in blocks:
        family, *rows = block.splitlines()
        for row in rows:
            name, description = row.split(maxsplit=1)
            assert name.startswith(f"{family}.")
            template = library.get(name)
            also = f" (also {', '.join(template.aliases)})" if template.aliases else ""
            assert description == template.description.strip().splitlines()[0] + also
            listed += 1
    assert listed == len(library.names())
