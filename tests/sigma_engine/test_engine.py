"""The compiled engine, construct by construct, over real event values."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from asisdk.errors import AsiError, MissingFileError
from asisdk.sigma import MATCH_COLUMNS, SUMMARY_COLUMNS, SigmaRules

from ._data import SIGMA

SYSMON = "Microsoft-Windows-Sysmon/Operational"

# Real Sysmon 1 / Security 4688 values (from the regression captures and the OTRF data sets).
EVENTS = pd.DataFrame(
    [
        {
            "Channel": SYSMON,
            "EventID": 1,
            "Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
            "CommandLine": "powershell.exe -noP -sta -w 1 -enc SQBmACgAJABQAFMAVgBlAHIA",
            "ParentImage": "C:\\Windows\\System32\\wscript.exe",
            "User": "THESHIRE\\pgustavo",
            "SourceIp": "10.0.2.15",
            "LogonId": "0x3e7",
            "TimeCreated": pd.Timestamp("2020-09-04T20:09:40Z"),
        },
        {
            "Channel": SYSMON,
            "EventID": 1,
            "Image": "C:\\Windows\\System32\\findstr.exe",
            "CommandLine": 'findstr /S /I /C:"Everyone" *.txt',
            "ParentImage": "C:\\Windows\\System32\\cmd.exe",
            "User": "NT AUTHORITY\\SYSTEM",
            "SourceIp": "192.168.1.20",
            "LogonId": 999,
            "TimeCreated": pd.Timestamp("2020-09-04T20:09:50Z"),
        },
        {
            "Channel": "Security",
            "EventID": 4688,
            "NewProcessName": "C:\\Windows\\System32\\whoami.exe",
            "CommandLine": "whoami /all",
            "ParentProcessName": "C:\\Windows\\System32\\cmd.exe",
            "SubjectUserName": "pgustavo",
            "TimeCreated": pd.Timestamp("2020-09-04T20:10:00Z"),
        },
        {
            "Channel": "Security",
            "EventID": 4624,
            "TargetUserName": "pgustavo",
            "LogonType": 3,
            "IpAddress": "172.18.39.5",
            "TimeCreated": pd.Timestamp("2020-09-04T20:10:05Z"),
        },
    ]
)


def _rule(detection: dict[str, Any], logsource: dict[str, str] | None = None, **extra: Any) -> str:
    rule = {
        "title": extra.pop("title", "test rule"),
        "id": extra.pop("id", "6f2c5f0e-0000-4000-8000-000000000001"),
        "author": "Test Author",
        "level": "high",
        "status": "test",
        "tags": ["attack.execution", "attack.t1059.001"],
        "logsource": logsource or {"product": "windows", "category": "process_creation"},
        "detection": detection,
        **extra,
    }
    return json.dumps(rule)


def _hits(detection: dict[str, Any], logsource: dict[str, str] | None = None) -> list[int]:
    rules = SigmaRules.from_yaml(_rule(detection, logsource))
    assert not rules.errors, rules.errors
    return sorted(rules.match(EVENTS).frame["event_index"])


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ({"Image|endswith": "\\POWERSHELL.EXE"}, [0]),  # case-insensitive by default
        ({"Image|endswith|cased": "\\POWERSHELL.EXE"}, []),
        ({"Image|endswith|cased": "\\powershell.exe"}, [0]),
        ({"CommandLine|contains": "-enc"}, [0]),
        ({"CommandLine|contains|all": ["/S", "/I", "Everyone"]}, [1]),
        ({"CommandLine|contains|all": ["/S", "missing"]}, []),
        ({"CommandLine|startswith": "FINDSTR"}, [1]),
        ({"CommandLine": 'findstr /S /I /C:"Everyone" *.txt'}, [1]),
        ({"CommandLine": "powershell.exe -noP*-enc *"}, [0]),  # wildcards inside
        ({"CommandLine": "whoami /al?"}, [2]),  # single-character wildcard
        ({"CommandLine": 'findstr /S /I /C:"Everyone" \\*.txt'}, [1]),  # escaped wildcard
        ({"CommandLine|windash|contains": "/noP"}, [0]),  # -noP matches /noP
        ({"CommandLine|re": "-w [0-9] -enc"}, [0]),
        ({"CommandLine|re": "-W [0-9]"}, []),  # re is case-sensitive
        ({"CommandLine|re|i": "-W [0-9]"}, [0]),
        ({"CommandLine|re": "(?<!x)findstr"}, [1]),  # look-behind: Python re, guarded
        ({"SourceIp|cidr": "10.0.0.0/8"}, [0]),
        ({"SourceIp|cidr": ["10.0.0.0/8", "192.168.0.0/16"]}, [0, 1]),
        ({"LogonId": 999}, [1]),
        ({"LogonId|gt": 998}, [1]),
        ({"LogonId|lte": 999}, [1]),  # "0x3e7" is not a number
        ({"LogonId": "0X3E7"}, [0]),
        ({"SourceIp|exists": False}, [2]),
        ({"SourceIp": None}, [2]),
        ({"User|fieldref": "User"}, [0, 1]),
        ({"Image": ["*\\findstr.exe", "*\\whoami.exe"]}, [1, 2]),  # 4688 via NewProcessName
        ({"ParentImage|endswith": "\\cmd.exe"}, [1, 2]),  # ParentProcessName in 4688
    ],
)
def test_modifiers(selection: dict[str, Any], expected: list[int]) -> None:
    assert _hits({"selection": selection, "condition": "selection"}) == expected


def test_base64offset_finds_utf16_powershell() -> None:
    # "IEX" encoded as UTF-16LE then base64 at its three offsets.
    frame = pd.DataFrame(
        {
            "Channel": [SYSMON],
            "EventID": [1],
            "CommandLine": ["powershell -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA"],
        }
    )
    text = _rule(
        {
            "selection": {"CommandLine|wide|base64offset|contains": "IEX ("},
            "condition": "selection",
        }
    )
    assert len(SigmaRules.from_yaml(text).match(frame)) == 1


def test_keywords_and_conditions() -> None:
    security = {"product": "windows", "service": "security"}
    assert _hits({"keywords": ["pgustavo"], "condition": "keywords"}, security) == [2, 3]
    assert _hits(
        {
            "sel_a": {"EventID": 4624},
            "sel_b": {"LogonType": 3},
            "filter": {"IpAddress|startswith": "127."},
            "condition": "all of sel_* and not filter",
        },
        security,
    ) == [3]
    assert _hits(
        {
            "sel_1": {"Image|endswith": "\\findstr.exe"},
            "sel_2": {"Image|endswith": "\\whoami.exe"},
            "condition": "1 of sel_* and not (sel_1 and sel_2)",
        }
    ) == [1, 2]


def test_log_sources_select_channels_and_event_ids() -> None:
    # A Security rule never sees Sysmon events and a Linux rule no Windows events.
    assert _hits({"s": {"CommandLine|contains": "e"}, "condition": "s"}, {"product": "linux"}) == []
    assert (
        _hits(
            {"s": {"EventID": 1}, "condition": "s"}, {"product": "windows", "service": "security"}
        )
        == []
    )


def test_match_frame_columns_and_summary() -> None:
    rules = SigmaRules.from_yaml(
        _rule({"s": {"Image|endswith": ["\\findstr.exe", "\\whoami.exe"]}, "condition": "s"}),
        _rule(
            {"s": {"CommandLine|contains": "-enc"}, "condition": "s"},
            id="6f2c5f0e-0000-4000-8000-000000000002",
            title="encoded",
            level="critical",
        ),
    )
    matches = rules.match(EVENTS)
    assert tuple(matches.frame.columns) == MATCH_COLUMNS
    row = matches.frame.iloc[0].to_dict()
    assert row["author"] == "Test Author"
    assert row["techniques"] == ["T1059.001"]
    assert row["tactics"] == ["execution"]
    summary = matches.summary()
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert summary["rule_title"].tolist() == ["encoded", "test rule"]  # critical first
    assert summary["events"].tolist() == [1, 2]


def test_empty_matches_keep_their_columns() -> None:
    rules = SigmaRules.from_yaml(_rule({"s": {"Image": "nothing"}, "condition": "s"}))
    matches = rules.match(EVENTS)
    assert len(matches) == 0
    assert tuple(matches.frame.columns) == MATCH_COLUMNS
    assert tuple(matches.summary().columns) == SUMMARY_COLUMNS


def test_bad_rules_are_reported_not_fatal(tmp_path: Any) -> None:
    good = tmp_path / "good.yml"
    good.write_text(_rule({"s": {"Image|endswith": "\\whoami.exe"}, "condition": "s"}))
    broken = tmp_path / "broken.yml"
    broken.write_text("title: x\ndetection: [unclosed\n")
    catastrophic = tmp_path / "redos.yml"
    catastrophic.write_text(
        _rule(
            {"s": {"CommandLine|re": "(?=x)(a+)+$"}, "condition": "s"},
            id="6f2c5f0e-0000-4000-8000-000000000003",
        )
    )
    rules = SigmaRules.from_paths(tmp_path)
    assert [r.title for r in rules] == ["test rule"]
    reasons = {p.file.rsplit("/", 1)[-1]: p.reason for p in rules.errors}
    assert set(reasons) == {"broken.yml", "redos.yml"}
    assert "exponential" in reasons["redos.yml"]
    assert len(rules.match(EVENTS)) == 1


def test_missing_path_is_an_asi_error(tmp_path: Any) -> None:
    with pytest.raises(MissingFileError) as caught:
        SigmaRules.from_paths(tmp_path / "nope")
    assert isinstance(caught.value, AsiError)
    assert isinstance(caught.value, FileNotFoundError)


def test_filter_by_metadata() -> None:
    rules = SigmaRules.from_paths(SIGMA / "rules" / "windows" / "process_creation")
    assert len(rules) > 1000
    high = rules.filter(level="high")
    assert len(high)
    assert all(r.level == "high" for r in high)
    assert all(r.level in ("high", "critical") for r in rules.filter(min_level="high"))
    stable = rules.filter(status=["stable"])
    assert all(r.status == "stable" for r in stable)
    t1059 = rules.filter(tag="T1059")
    assert len(t1059)
    assert all(any(t.startswith("T1059") for t in r.techniques) for r in t1059)
    assert len(rules.filter(tag="attack.t1059.001")) < len(t1059)
    assert len(rules.filter(category="process_creation", product="windows")) == len(rules)
    assert len(rules.filter(service="security")) == 0
    one = next(iter(rules))
    assert [r.id for r in rules.filter(ids=[one.id])] == [one.id]
    assert one.sigma_rule.title == one.title


def test_correlation_event_count() -> None:
    failed = _rule(
        {"s": {"EventID": 4625}, "condition": "s"},
        {"product": "windows", "service": "security"},
        id="6f2c5f0e-0000-4000-8000-000000000010",
        title="failed logon",
        name="failed_logon",
    )
    correlation = json.dumps(
        {
            "title": "brute force",
            "id": "6f2c5f0e-0000-4000-8000-000000000011",
            "author": "Test Author",
            "level": "high",
            "correlation": {
                "type": "event_count",
                "rules": ["failed_logon"],
                "group-by": ["TargetUserName"],
                "timespan": "1m",
                "condition": {"gte": 3},
            },
        }
    )
    distinct = (
        correlation.replace('"event_count"', '"value_count"')
        .replace('{"gte": 3}', '{"gte": 2, "field": "IpAddress"}')
        .replace("000000000011", "000000000012")
        .replace("brute force", "spray")
    )
    base = pd.Timestamp("2020-09-04T20:00:00Z")
    rows = [
        {
            "Channel": "Security",
            "EventID": 4625,
            "TargetUserName": "admin",
            "IpAddress": "10.0.0.5",
            "TimeCreated": base + pd.Timedelta(seconds=s),
        }
        for s in (0, 10, 20, 300)
    ] + [
        {
            "Channel": "Security",
            "EventID": 4625,
            "TargetUserName": "bob",
            "IpAddress": ip,
            "TimeCreated": base + pd.Timedelta(seconds=s),
        }
        for s, ip in ((0, "10.0.0.6"), (5, "10.0.0.7"))
    ]
    frame = pd.DataFrame(rows)
    rules = SigmaRules.from_yaml(failed, correlation, distinct)
    assert not rules.errors
    found = rules.match(frame).frame
    by_rule = found.groupby("rule_title")["event_index"].apply(sorted).to_dict()
    # The referenced rule is not generated by itself (generate: false is the default).
    assert by_rule == {"brute force": [0, 1, 2], "spray": [4, 5]}


def test_a_large_frame_is_matched_in_chunks_with_the_same_positions() -> None:
    from asisdk.data import sample_events_frame
    from asisdk.sigma._engine import rule_positions

    events = sample_events_frame()
    rules = [r for r in SigmaRules.bundled() if not r.is_correlation]
    whole = rule_positions(rules, events)
    chunked = rule_positions(rules, events, chunk_rows=97)
    assert list(chunked) == list(whole)
    assert any(len(p) for p in whole.values())
    for rule_id, positions in whole.items():
        assert chunked[rule_id].tolist() == positions.tolist(), rule_id
