"""``asisdk sigma``: run Sigma rules over event files (``scan``) and list rules (``list``).

The group's sub-parsers are returned by :func:`add_sigma_command` so other modules can add
actions to it (``kql``, ``update``). Every match is shown with its rule's author, as the
rules' licence (DRL 1.1) asks.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Final

from asisdk.cli._common import (
    EXIT_OK,
    add_json_option,
    failures_exit_1,
    failures_exit_2,
    help_handler,
)

__all__ = ["SIGMA_HELP", "add_sigma_command"]

SIGMA_HELP: Final = "Sigma detection rules: scan event files, list, kql, update the rule pack"

#: Events shown under each rule in the text output (``--max-events``).
_DEFAULT_MAX_EVENTS: Final = 5

_LEVEL_CHOICES: Final = ("informational", "low", "medium", "high", "critical")


def add_sigma_command(commands: Any) -> Any:
    """Register ``asisdk sigma`` and return its sub-parsers (to add more actions to)."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "sigma",
        help=SIGMA_HELP,
        description="Run Sigma detection rules (SigmaHQ's format) over local event files, "
        "compiled to column operations. Matches are shown with each rule's author (the "
        "Detection Rule License asks for it).",
    )
    actions = parser.add_subparsers(dest="sigma_action", metavar="ACTION")
    parser.set_defaults(handler=help_handler(parser))

    scan = actions.add_parser(
        "scan",
        help="match rules over event files (EVTX, JSON, CSV, Parquet, archives)",
        description="Read event files with asisdk's loader and print the matches grouped by "
        "rule, most severe first, with level, ATT&CK technique and author.",
    )
    scan.add_argument("files", nargs="+", metavar="FILE", help="event files")
    _add_rule_options(scan)
    add_json_option(scan, "print JSON (one object per rule)")
    scan.add_argument(
        "--max-events",
        type=int,
        default=_DEFAULT_MAX_EVENTS,
        metavar="N",
        help=f"events shown under each rule in text output (default {_DEFAULT_MAX_EVENTS})",
    )
    scan.set_defaults(handler=run_scan)

    listing = actions.add_parser("list", help="list the rules (id, level, status, title, author)")
    _add_rule_options(listing)
    add_json_option(listing, "print JSON (one object per rule)")
    listing.set_defaults(handler=run_list)
    return actions


def _add_rule_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules",
        action="append",
        metavar="PATH",
        help="rule file or directory (repeatable; default: the bundled rule pack)",
    )
    parser.add_argument(
        "--level",
        choices=_LEVEL_CHOICES,
        help="only rules of this level or a more severe one",
    )


def _load_rules(args: argparse.Namespace) -> Any:
    """The rules ``--rules``/``--level`` name; any failure to read them exits 2."""
    from asisdk.sigma import SigmaRules

    with failures_exit_2():
        rules = SigmaRules.from_paths(*args.rules) if args.rules else SigmaRules.bundled()
    for problem in rules.errors:
        print(f"rule skipped: {problem.file}: {problem.reason}", file=sys.stderr)
    if args.level:
        rules = rules.filter(min_level=args.level)
    return rules


def run_list(args: argparse.Namespace) -> int:
    """``asisdk sigma list``."""
    rules = _load_rules(args)
    if args.json:
        print(json.dumps([_rule_json(r) for r in rules], indent=2, ensure_ascii=False))
        return EXIT_OK
    for rule in rules:
        level = rule.level or "-"
        print(
            f"{rule.id}  {level:<13} {rule.status or '-':<12} {rule.title}  ({rule.author or '-'})"
        )
    print(f"{len(rules)} rules, {len(rules.errors)} skipped", file=sys.stderr)
    return EXIT_OK


def _rule_json(rule: Any) -> dict[str, Any]:
    source = rule.logsource
    return {
        "id": rule.id,
        "title": rule.title,
        "level": rule.level,
        "status": rule.status,
        "author": rule.author,
        "techniques": list(rule.techniques),
        "tactics": list(rule.tactics),
        "references": list(rule.references),
        "logsource": None
        if source is None
        else {"product": source.product, "category": source.category, "service": source.service},
        "path": rule.path,
    }


def run_scan(args: argparse.Namespace) -> int:
    """``asisdk sigma scan``."""
    from asisdk.pipeline import load_events

    rules = _load_rules(args)
    with failures_exit_2():
        loaded = load_events(args.files)
    for problem in loaded.problems[:20]:
        print(f"input problem: {problem}", file=sys.stderr)
    with failures_exit_1():
        matches = rules.match(loaded.frame)
    groups = _groups(matches.frame)
    if args.json:
        print(json.dumps(groups, indent=2, ensure_ascii=False, default=str))
        return EXIT_OK
    events = matches.frame["event_index"].nunique()
    print(
        f"{len(groups)} rules matched {events} events "
        f"({len(rules)} rules over {len(loaded.frame)} events)"
    )
    for group in groups:
        techniques = ", ".join(group["techniques"]) or "-"
        print()
        print(f"[{group['level'] or '-'}] {group['title']}")
        print(
            f"    rule {group['rule_id']}  technique {techniques}  author {group['author'] or '-'}"
        )
        print(f"    {group['count']} events:")
        for event in group["events"][: max(args.max_events, 0)]:
            print(f"      {event['asi_file']}:{event['asi_row']}")
        hidden = group["count"] - max(args.max_events, 0)
        if hidden > 0:
            print(f"      ... and {hidden} more")
    return EXIT_OK


def _groups(frame: Any) -> list[dict[str, Any]]:
    from asisdk.sigma import LEVELS

    out: list[dict[str, Any]] = []
    for rule_id, rows in frame.groupby("rule_id", sort=False):
        first = rows.iloc[0]
        out.append(
            {
                "rule_id": str(rule_id),
                "title": first["rule_title"],
                "level": first["level"],
                "status": first["status"],
                "techniques": list(first["techniques"]),
                "tactics": list(first["tactics"]),
                "author": first["author"],
                "references": list(first["references"]),
                "count": int(rows["event_index"].nunique()),
                "events": [
                    {
                        "asi_file": r["asi_file"],
                        "asi_row": None if r["asi_row"] is None else int(r["asi_row"]),
                        "event_index": r["event_index"],
                    }
                    for _, r in rows.iterrows()
                ],
            }
        )
    rank = {level: i for i, level in enumerate(LEVELS)}
    out.sort(key=lambda g: (-rank.get(g["level"], -1), -g["count"], g["title"]))
    return out
