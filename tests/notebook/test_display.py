"""Alert and event cards show what an analyst needs, escaped, and display in IPython."""

from __future__ import annotations

import html

import attrs
import pytest

from asisdk.data import sample_alerts, sample_events
from asisdk.entities import Alert, Host, Process
from asisdk.notebook import (
    display_alert,
    display_event,
    entity_table_html,
    format_alert,
    format_event,
)


@pytest.fixture(scope="module")
def alert() -> Alert:
    return sample_alerts()[0]


def test_alert_card_shows_header_severity_window_ids_and_entities(alert: Alert) -> None:
    card = format_alert(alert)
    assert "Suspicious PowerShell encoded command launched by a script host" in card
    assert "background:#c62828'>High<" in card  # the severity badge, in the High colour
    assert "2020-09-04T20:09:55.953000Z &ndash; 2020-09-04T20:09:57.060000Z" in card
    assert "WORKSTATION5.theshire.local" in card
    assert alert.system_alert_id is not None
    assert alert.system_alert_id in card
    assert "Entities (9)" in card
    for entity in alert.entities:
        assert html.escape(entity.label) in card
    assert "EncodedCommand" in card  # extended properties
    assert "powershell.exe (2316)" in card


def test_alert_card_without_entities(alert: Alert) -> None:
    card = format_alert(alert, show_entities=False)
    assert "Entities (" not in card
    assert "de96a6e69944" not in card  # the file hash is an entity only


def test_severity_colours_differ(alert: Alert) -> None:
    low = next(a for a in sample_alerts() if a.severity and a.severity.value == "Low")
    assert "background:#f9a825'>Low<" in format_alert(low)
    unknown = attrs.evolve(alert, severity=None)
    assert "unknown severity" in format_alert(unknown)


def test_hostile_text_is_escaped(alert: Alert) -> None:
    evil = attrs.evolve(
        alert,
        display_name="<script>alert(1)</script>",
        description="<img src=x onerror=alert(2)>",
        entities=(Host(host_name="<b>bold</b>"),),
    )
    card = format_alert(evil)
    assert "<script>" not in card
    assert "<img" not in card
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in card
    assert "&lt;b&gt;bold&lt;/b&gt;" in card


def test_very_long_values_are_cut(alert: Alert) -> None:
    long = attrs.evolve(alert, description="A" * 5000)
    card = format_alert(long)
    assert "A" * 1000 + "... (4000 more characters)" in card


def test_process_event_card_shows_command_line_parent_and_account() -> None:
    created = next(e for e in sample_events() if e.event_id == 1)
    card = format_event(created)
    assert "Event 1 Sysmon: process created" in card
    assert "launcher.vbs" in card
    assert r"C:\Windows\explorer.exe" in card
    assert "THESHIRE\\pgustavo" in card
    assert "WORKSTATION5.theshire.local" in card


def test_logon_event_card_shows_target_logon_type_and_address() -> None:
    logon = next(e for e in sample_events() if e.event_id == 4624 and e.ip_address is not None)
    card = format_event(logon)
    assert "An account was successfully logged on" in card
    assert "<th>Logon type</th><td>3</td>" in card
    assert "<th>Source address</th><td>::1</td>" in card
    assert "MORDORDC$" in card


def test_entity_table_lists_fields_and_nested_entities() -> None:
    process = Process(process_id="42", command_line="cmd /c dir", host=Host(host_name="web1"))
    table = entity_table_html([process, Host(host_name="web1")])
    assert "<td>Process</td>" in table
    assert "<b>command_line</b>: cmd /c dir" in table
    assert "<b>host</b>: Host: web1" in table
    assert entity_table_html([]) == "<div><i>no entities</i></div>"


def test_display_helpers_send_html_to_the_notebook(shell: object, alert: Alert) -> None:
    from IPython.utils.capture import capture_output

    event = next(e for e in sample_events() if e.event_id == 1)
    with capture_output() as captured:
        display_alert(alert, show_entities=False)
        display_event(event)
    shown = [output.data["text/html"] for output in captured.outputs]
    assert shown == [format_alert(alert, show_entities=False), format_event(event)]
