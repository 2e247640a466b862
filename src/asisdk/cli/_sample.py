"""``asisdk sample``: show the bundled sample alerts and events as entities."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

from asisdk.data import ATTRIBUTION, sample_alerts, sample_events
from asisdk.entities import Alert, Entity, Event

__all__ = ["add_sample_command"]


def add_sample_command(commands: Any) -> None:
    """Register ``asisdk sample`` on an argparse sub-parser collection."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "sample",
        help="parse the bundled sample alerts and events and print their entities",
        description="Parse the bundled sample Sentinel alerts and the real OTRF Windows events "
        "into typed entities and print them.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON (Sentinel entity shape)")
    parser.set_defaults(handler=run_sample)


def _entity_line(entity: Entity) -> str:
    return f"    {type(entity).__name__:<17} {entity.label}"


def _alert_text(alert: Alert) -> list[str]:
    start, end = alert.time_window
    severity = alert.severity.value if alert.severity else "n/a"
    lines = [
        f"[{severity}] {alert.display_name}",
        f"  id {alert.system_alert_id}  {start:%Y-%m-%d %H:%M:%S} .. {end:%H:%M:%S} UTC"
        if start and end
        else f"  id {alert.system_alert_id}",
        f"  tactics: {', '.join(alert.tactics) or '-'}   techniques: "
        f"{', '.join(alert.techniques) or '-'}",
        f"  primary host: {alert.primary_host.label if alert.primary_host else '-'}   "
        f"account: {alert.primary_account.label if alert.primary_account else '-'}   "
        f"process: {alert.primary_process.label if alert.primary_process else '-'}",
        f"  entities ({len(alert.entities)}):",
    ]
    lines.extend(_entity_line(e) for e in alert.entities)
    params = {k: str(v) for k, v in alert.query_params().items()}
    lines.append(f"  query parameters: {json.dumps(params)}")
    return lines


def _events_text(events: list[Event]) -> list[str]:
    by_id = Counter(e.event_id for e in events)
    kinds = Counter(type(x).__name__ for e in events for x in e.entities)
    hosts = sorted({e.host.label for e in events if e.host is not None})
    lines = [
        f"{len(events)} real Windows events: "
        + ", ".join(f"{count} x event {eid}" for eid, count in sorted(by_id.items(), key=str)),
        "  entities: " + ", ".join(f"{n} {k}" for k, n in kinds.most_common()),
        f"  hosts: {', '.join(hosts)}",
    ]
    encoded = [
        e.process
        for e in events
        if e.process is not None and " -enc" in (e.process.command_line or "").lower()
    ]
    if encoded:
        lines.append(f"  processes with an encoded PowerShell command: {len(encoded)}")
        for process in encoded[:6]:
            host = process.host.label if process.host else "?"
            account = process.account.label if process.account else "?"
            parent = process.parent_process.label if process.parent_process else "?"
            lines.append(f"    {host}  {account}  {parent} -> {process.label}")
    lines.append(f"  {ATTRIBUTION}")
    return lines


def run_sample(args: argparse.Namespace) -> int:
    """Print the sample alerts' and events' entities."""
    alerts = sample_alerts()
    events = sample_events()
    if args.json:
        payload = {
            "alerts": [alert.to_dict() for alert in alerts],
            "events": len(events),
            "attribution": ATTRIBUTION,
        }
        print(json.dumps(payload, indent=2, default=str))
        return 0
    print(f"{len(alerts)} sample alerts\n")
    for alert in alerts:
        print("\n".join(_alert_text(alert)))
        print()
    print("\n".join(_events_text(events)))
    return 0
