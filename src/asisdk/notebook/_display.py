"""Rich HTML views of alerts, events and entities, and the ``display_*`` helpers."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from datetime import datetime

from asisdk.entities import Alert, Entity, Event, Severity
from asisdk.notebook._defaults import MAX_CELL_CHARS
from asisdk.notebook._lazy import require

__all__ = [
    "display_alert",
    "display_event",
    "display_html",
    "entity_table_html",
    "format_alert",
    "format_event",
]

#: Badge colour per alert severity.
_SEVERITY_COLOURS: dict[Severity, str] = {
    Severity.HIGH: "#c62828",
    Severity.MEDIUM: "#ef6c00",
    Severity.LOW: "#f9a825",
    Severity.INFORMATIONAL: "#1565c0",
}
_NO_SEVERITY = "#616161"

_EVENT_NAMES = {
    1: "Sysmon: process created",
    4624: "An account was successfully logged on",
    4625: "An account failed to log on",
    4634: "An account was logged off",
    4647: "User initiated logoff",
    4648: "A logon was attempted using explicit credentials",
    4672: "Special privileges assigned to new logon",
    4688: "A new process has been created",
}

_STYLE = (
    "<style>.asisdk-card{font-family:sans-serif;border:1px solid #ddd;border-radius:4px;"
    "padding:8px;margin:4px 0}.asisdk-card table{border-collapse:collapse;margin-top:4px}"
    ".asisdk-card th,.asisdk-card td{text-align:left;vertical-align:top;padding:2px 8px;"
    "border-bottom:1px solid #eee}.asisdk-badge{color:white;padding:1px 6px;border-radius:3px}"
    ".asisdk-mono{font-family:monospace;white-space:pre-wrap;word-break:break-all}</style>"
)


def _text(value: object, *, limit: int = MAX_CELL_CHARS) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = value.isoformat().replace("+00:00", "Z")
    elif isinstance(value, Entity):
        text = f"{type(value).__name__}: {value.label}"
    elif isinstance(value, Mapping | list):
        text = json.dumps(value, default=str, ensure_ascii=False)
    elif hasattr(value, "value") and not isinstance(value, int | float | str):
        text = str(getattr(value, "value", value))
    else:
        text = str(value)
    if len(text) > limit:
        text = text[:limit] + f"... ({len(text) - limit} more characters)"
    return html.escape(text)


def _details(entity: Entity) -> str:
    parts = []
    for name, value in entity.present_fields():
        if name == "additional_data" or isinstance(value, tuple):
            continue
        parts.append(f"<b>{html.escape(name)}</b>: {_text(value, limit=300)}")
    return "; ".join(parts)


def entity_table_html(entities: Iterable[Entity]) -> str:
    """An HTML table of entities: type, label and the fields that are set.

    Examples:
        >>> from asisdk.entities import Host
        >>> "web1" in entity_table_html([Host(host_name="web1")])
        True
    """
    rows = "".join(
        f"<tr><td>{html.escape(type(e).__name__)}</td><td>{html.escape(e.label)}</td>"
        f"<td>{_details(e)}</td></tr>"
        for e in entities
    )
    if not rows:
        return "<div><i>no entities</i></div>"
    return f"<table><tr><th>Type</th><th>Entity</th><th>Details</th></tr>{rows}</table>"


def format_alert(alert: Alert, *, show_entities: bool = True) -> str:
    """An HTML card for an alert: name, severity badge, time window, ids, tactics, entities.

    Args:
        alert: the alert.
        show_entities: include the table of the alert's entities.

    Examples:
        >>> from asisdk.data import sample_alerts
        >>> card = format_alert(sample_alerts()[0])
        >>> "High" in card and "Entities" in card
        True
    """
    colour = _SEVERITY_COLOURS.get(alert.severity, _NO_SEVERITY) if alert.severity else _NO_SEVERITY
    severity = alert.severity.value if alert.severity else "unknown severity"
    start, end = alert.time_window
    facts = {
        "Time window": f"{_text(start)} &ndash; {_text(end)}",
        "Compromised entity": _text(alert.compromised_entity),
        "Product": _text(alert.product_name or alert.provider_name),
        "Alert type": _text(alert.alert_type),
        "Status": _text(alert.status),
        "Tactics": _text(", ".join(alert.tactics)),
        "Techniques": _text(", ".join(alert.techniques)),
        "Alert id": _text(alert.system_alert_id),
    }
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts.items() if v)
    extended = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{_text(v)}</td></tr>"
        for k, v in alert.extended_properties.items()
    )
    parts = [
        _STYLE,
        "<div class='asisdk-card asisdk-alert'>",
        f"<h3 style='margin:0 0 4px 0'>{html.escape(alert.display_name or 'Alert')} "
        f"<span class='asisdk-badge' style='background:{colour}'>{html.escape(severity)}</span>"
        "</h3>",
        f"<div>{_text(alert.description)}</div>",
        f"<table>{rows}</table>",
    ]
    if extended:
        parts.append(f"<details><summary>Extended properties</summary><table>{extended}</table>")
        parts.append("</details>")
    if show_entities:
        parts.append(f"<h4 style='margin:6px 0 0 0'>Entities ({len(alert.entities)})</h4>")
        parts.append(entity_table_html(alert.entities))
    parts.append("</div>")
    return "".join(parts)


def format_event(event: Event, *, show_entities: bool = True) -> str:
    """An HTML card for an event: id and meaning, time, host, process or logon details.

    Examples:
        >>> from asisdk.data import sample_events
        >>> created = next(e for e in sample_events() if e.event_id == 1)
        >>> "wscript.exe" in format_event(created).lower()
        True
    """
    name = _EVENT_NAMES.get(event.event_id or -1, "")
    facts: dict[str, str] = {
        "Time": _text(event.time_generated),
        "Host": _text(event.host.label if event.host else None),
    }
    process = event.process
    if process is not None:
        parent = process.parent_process
        facts |= {
            "Process": _text(process.image_file.full_path if process.image_file else None),
            "Process id": _text(process.process_id),
            "Command line": f"<span class='asisdk-mono'>{_text(process.command_line)}</span>",
            "Parent": _text(parent.image_file.full_path if parent and parent.image_file else None),
            "Parent id": _text(parent.process_id if parent else None),
            "Account": _text(process.account.label if process.account else None),
        }
    if event.target_account is not None:
        facts["Target account"] = _text(event.target_account.label)
        facts["Logon type"] = _text(event.logon_type)
    if event.subject_account is not None and process is None:
        facts["Subject account"] = _text(event.subject_account.label)
    if event.ip_address is not None:
        facts["Source address"] = _text(event.ip_address.address)
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in facts.items() if v)
    parts = [
        _STYLE,
        "<div class='asisdk-card asisdk-event'>",
        f"<h3 style='margin:0 0 4px 0'>Event {_text(event.event_id)} {html.escape(name)}</h3>",
        f"<table>{rows}</table>",
    ]
    if show_entities:
        parts.append(entity_table_html(event.entities))
    parts.append("</div>")
    return "".join(parts)


def display_html(markup: str) -> None:
    """Show an HTML string in the notebook output."""
    ipython_display = require("IPython.display")
    ipython_display.display(ipython_display.HTML(markup))


def display_alert(alert: Alert, *, show_entities: bool = True) -> None:
    """Show :func:`format_alert` of an alert in the notebook output.

    Args:
        alert: the alert.
        show_entities: include the table of the alert's entities.
    """
    display_html(format_alert(alert, show_entities=show_entities))


def display_event(event: Event, *, show_entities: bool = True) -> None:
    """Show :func:`format_event` of an event in the notebook output."""
    display_html(format_event(event, show_entities=show_entities))
