"""Nested JSON flattened to dotted names; JSON and Windows XML held as text expanded.

The records are real: the SigmaHQ regression events (the ``evtx`` crate's JSON layout, beside
the ``.evtx`` they came from) and OTRF events, reshaped into the documented Winlogbeat and
Log Analytics ``Event`` layouts where a test needs those.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
import pytest

from asisdk.cli import EXIT_OK, main
from asisdk.pipeline import load_events, load_frame
from asisdk.pipeline._nested import (
    MAX_FLATTEN_COLUMNS,
    MAX_FLATTEN_DEPTH,
    expand_xml_text,
    flatten_record,
)


def _regression_pairs(shared_data: Path) -> list[tuple[Path, Path]]:
    root = shared_data / "sigma" / "regression_data"
    pairs = [(j, j.with_suffix(".evtx")) for j in sorted(root.rglob("*.json"))]
    return [(j, e) for j, e in pairs if e.exists()]


def _comparable(value: Any) -> str:
    """A value as both sources agree on it: the JSON export drops trailing blanks and keeps
    100 ns where the crate gives microseconds; JSON numbers versus text are not compared."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return str(value.floor("us"))
    return str(value).rstrip()


def test_evtx_json_layout_gives_the_same_columns_and_values_as_the_evtx(
    shared_data: Path,
) -> None:
    pairs = _regression_pairs(shared_data)
    assert len(pairs) >= 200
    events = 0
    for json_file, evtx_file in pairs:
        from_json = load_events([json_file])
        from_evtx = load_events([evtx_file]).frame
        assert from_json.problem_count == 0, (json_file, from_json.problems[:2])
        frame = from_json.frame
        assert len(frame) == len(from_evtx), json_file
        columns = [c for c in from_evtx.columns if c != "asi_file"]
        assert set(columns) <= set(frame.columns), (json_file, set(columns) - set(frame.columns))
        for column in columns:
            got = [_comparable(v) for v in frame[column]]
            want = [_comparable(v) for v in from_evtx[column]]
            if got != want:  # one file differs from its .evtx by letter case only
                assert [g.casefold() for g in got] == [w.casefold() for w in want], (
                    json_file,
                    column,
                )
        events += len(frame)
    assert events >= len(pairs)


def _real_sysmon_event(shared_data: Path) -> dict[str, Any]:
    frame = load_events(
        [shared_data / "events" / "otrf" / "empire_launcher_vbs_2020-09-04160940.json"]
    ).frame
    row = frame[(frame["EventID"] == 1) & frame["CommandLine"].notna()].iloc[0]
    return {k: v for k, v in row.items() if not str(k).startswith("asi_") and pd.notna(v)}


def _winlogbeat(event: dict[str, Any]) -> dict[str, Any]:
    """A Winlogbeat 7 document (winlog.* fields, event_data nested) of one real event."""
    data_keys = ("CommandLine", "Image", "ParentImage", "ProcessGuid", "User", "Hashes")
    return {
        "@timestamp": str(event["EventTime"]),
        "host": {"name": event["Hostname"]},
        "event": {"code": int(event["EventID"]), "provider": event["SourceName"]},
        "winlog": {
            "channel": event["Channel"],
            "event_id": int(event["EventID"]),
            "event_data": {k: str(event[k]) for k in data_keys if k in event},
        },
    }


def test_winlogbeat_documents_flatten_and_triage_with_a_dotted_column(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = _real_sysmon_event(shared_data)
    path = tmp_path / "winlogbeat.ndjson"
    path.write_text(json.dumps(_winlogbeat(event)) + "\n" + json.dumps(_winlogbeat(event)) + "\n")

    frame = load_events([path]).frame

    assert frame["winlog.event_data.CommandLine"].tolist() == [event["CommandLine"]] * 2
    assert frame["winlog.event_id"].tolist() == [1, 1]
    assert frame["host.name"].tolist() == [event["Hostname"]] * 2
    code = main(
        [
            "triage",
            str(path),
            "--column",
            "winlog.event_data.CommandLine",
            "--out",
            str(tmp_path / "out"),
            "--workers",
            "1",
            "--no-geo",
        ]
    )
    assert code == EXIT_OK, capsys.readouterr().err


def _event_data_xml(fields: dict[str, Any]) -> str:
    """The ``EventData`` column of a Log Analytics ``Event`` row (its documented form)."""
    data = "".join(f'<Data Name="{k}">{v}</Data>' for k, v in fields.items())
    return (
        '<DataItem type="System.XPathNavigator" time="2020-09-04T16:09:38.0000000Z" '
        'sourceHealthServiceId="00000000-0000-0000-0000-000000000000">'
        f'<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">{data}'
        "</EventData></DataItem>"
    )


def test_log_analytics_event_rows_expand_eventdata_xml_and_additional_fields(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    event = _real_sysmon_event(shared_data)
    fields = {k: event[k] for k in ("Image", "CommandLine", "ParentImage") if k in event}

    rows = pd.DataFrame(
        {
            "TimeGenerated": [str(event["EventTime"])] * 3,
            "Computer": [event["Hostname"]] * 3,
            "EventLog": ["Microsoft-Windows-Sysmon/Operational"] * 3,
            "EventID": [1] * 3,
            "RenderedDescription": [""] * 3,
            "EventData": [_event_data_xml({k: escape(str(v)) for k, v in fields.items()})] * 3,
            "AdditionalFields": [json.dumps({"Account": {"Name": "bob"}, "Count": 2})] * 3,
        }
    )
    path = tmp_path / "event_table.csv"
    rows.to_csv(path, index=False)

    frame = load_events([path]).frame

    assert frame["EventData.CommandLine"].tolist() == [event["CommandLine"]] * 3
    assert frame["EventData.Image"].tolist() == [event["Image"]] * 3
    assert frame["AdditionalFields.Account.Name"].tolist() == ["bob"] * 3
    assert "EventData" in frame.columns  # the original is kept beside
    code = main(
        [
            "triage",
            str(path),
            "--column",
            "EventData.CommandLine",
            "--out",
            str(tmp_path / "out"),
            "--workers",
            "1",
            "--no-geo",
        ]
    )
    assert code == EXIT_OK, capsys.readouterr().err


def test_depth_and_width_limits_are_reported_on_the_row(tmp_path: Path) -> None:
    deep: dict[str, Any] = {"leaf": "x"}
    for _ in range(MAX_FLATTEN_DEPTH + 5):
        deep = {"k": deep}
    wide = {"w": {f"f{i}": i for i in range(MAX_FLATTEN_COLUMNS + 10)}}
    path = tmp_path / "limits.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ({"a": {"b": 1}}, {"d": deep}, wide)) + "\n")

    loaded = load_events([path])

    assert len(loaded.frame) == 3
    assert loaded.frame["a.b"].iloc[0] == 1
    prefix = "d" + ".k" * (MAX_FLATTEN_DEPTH - 1)
    assert json.loads(loaded.frame[prefix].iloc[1])["k"]["k"]
    assert json.loads(loaded.frame["w"].iloc[2])["f0"] == 0
    assert [(p.row, p.skipped) for p in loaded.problems] == [(2, False), (3, False)]
    assert "deeper than" in loaded.problems[0].message
    assert "flattened one level" in loaded.problems[1].message


def test_text_that_only_looks_like_markup_is_left_alone() -> None:
    row, notes = flatten_record(
        {"CommandLine": "<script>alert(1)</script>", "Message": "{not json}", "n": "{}"}
    )
    assert row == {"CommandLine": "<script>alert(1)</script>", "Message": "{not json}", "n": "{}"}
    assert notes == []
    assert expand_xml_text('<!DOCTYPE x [<!ENTITY a "b">]><E><Data Name="a">&a;</Data></E>') is None


def test_triage_runs_on_the_regression_json_in_the_evtx_layout(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [j for j, _ in _regression_pairs(shared_data)][:40]
    records = sum(len(load_events([f]).frame) for f in files)

    code = main(
        ["triage", *map(str, files), "--out", str(tmp_path / "out"), "--workers", "1", "--no-geo"]
    )

    assert code == EXIT_OK, capsys.readouterr().err
    events = pd.read_parquet(tmp_path / "out" / "events.parquet")
    assert len(events) == records >= 40
    assert {"EventID", "Channel", "Computer"} <= set(events.columns)


def test_a_query_result_frame_expands_eventdata_xml_too(shared_data: Path) -> None:
    event = _real_sysmon_event(shared_data)
    frame = pd.DataFrame(
        {
            "TimeGenerated": [str(event["EventTime"])],
            "EventData": [_event_data_xml({"CommandLine": escape(event["CommandLine"])})],
            "EventID": [1],
        }
    )

    loaded = load_frame(frame, source="query")

    assert loaded.frame["EventData.CommandLine"].tolist() == [event["CommandLine"]]
    assert loaded.frame["EventData"].tolist() == frame["EventData"].tolist()


def test_parquet_text_columns_are_expanded(tmp_path: Path) -> None:
    path = tmp_path / "alerts.parquet"
    pd.DataFrame(
        {"AdditionalFields": [json.dumps({"Account": {"Name": "bob"}}), "", None]}
    ).to_parquet(path)

    frame = load_events([path]).frame

    assert frame["AdditionalFields.Account.Name"].tolist()[0] == "bob"
    assert frame["AdditionalFields.Account.Name"].isna().tolist()[1:] == [True, True]
