"""Defender and ECS events match SigmaHQ's Windows rules through the normalised schema."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from asisdk.pipeline import load_events
from asisdk.sigma import SigmaRules
from asisdk.sigma._engine import match_events
from asisdk.sigma._normalised import sysmon_view

WHOAMI = """
title: Whoami
id: 1b5e2a5e-0000-4000-8000-000000000001
author: Example Author
level: medium
logsource: {product: windows, category: process_creation}
detection:
    selection: {Image|endswith: '\\\\whoami.exe', CommandLine|contains: '/all'}
    condition: selection
"""
DNS = """
title: DNS to a bad domain
id: 1b5e2a5e-0000-4000-8000-000000000002
author: Example Author
level: high
logsource: {product: windows, category: dns_query}
detection:
    selection: {QueryName|endswith: '.evil.example'}
    condition: selection
"""


@pytest.fixture(scope="module")
def bundled() -> SigmaRules:
    return SigmaRules.bundled()


def test_a_real_defender_process_export_matches_the_bundled_rules(
    shared_data: Path, bundled: SigmaRules
) -> None:
    events = load_events([shared_data / "events" / "msticpy" / "mde_proc_cs1.csv"]).frame
    assert "Channel" not in events.columns  # a Defender export, not an event log
    assert match_events(bundled, events, time_column=None).frame.empty  # natively: nothing
    matches = bundled.match(events).frame
    assert len(matches) > 50
    # every match points at a real row of the export, with its file and row and an author
    assert set(matches["event_index"]) <= set(events.index)
    assert matches["author"].notna().all()
    discovery = matches[matches["rule_title"] == "Local Accounts Discovery"]
    assert not discovery.empty
    lines = events.loc[discovery["event_index"], "CreatedProcessCommandLine"].str.lower()
    # the rule's selections: whoami, or cmd listing a user profile ("dir" and "\\Users\\")
    listing = lines.str.contains("dir ", regex=False) & lines.str.contains("\\users\\", regex=False)
    assert (lines.str.contains("whoami", regex=False) | listing).all()


def test_ecs_process_and_dns_events_match(tmp_path: Path) -> None:
    records = [
        {
            "@timestamp": "2024-05-01T10:00:00Z",
            "host": {"name": "ws1"},
            "event": {"category": ["process"], "type": ["start"]},
            "process": {
                "executable": "C:\\Windows\\System32\\whoami.exe",
                "command_line": "whoami /all",
                "parent": {"executable": "C:\\Windows\\System32\\cmd.exe"},
            },
        },
        {
            "@timestamp": "2024-05-01T10:00:01Z",
            "host": {"name": "ws1"},
            "event": {"category": ["network"], "action": "lookup_requested"},
            "dns": {"question": {"name": "c2.evil.example"}},
            "process": {"executable": "C:\\Users\\a\\beacon.exe"},
        },
    ]
    path = tmp_path / "winlogbeat.ndjson"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    events = load_events([path]).frame
    rules = SigmaRules.from_yaml(WHOAMI, DNS)
    matches = rules.match(events).frame
    assert sorted(matches["rule_title"]) == ["DNS to a bad domain", "Whoami"]
    view = sysmon_view(events)
    assert view is not None
    assert view["EventID"].tolist() == [1, 22]


def test_event_log_rows_are_left_to_the_engine() -> None:
    sysmon = pd.DataFrame(
        {
            "Channel": ["Microsoft-Windows-Sysmon/Operational"],
            "EventID": [1],
            "Image": ["C:\\Windows\\System32\\whoami.exe"],
            "CommandLine": ["whoami /all"],
        }
    )
    assert sysmon_view(sysmon) is None
    assert len(SigmaRules.from_yaml(WHOAMI).match(sysmon).frame) == 1  # once, not twice
