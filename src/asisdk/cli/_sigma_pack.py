"""``asisdk sigma kql`` and ``asisdk sigma update``: a rule as KQL, and a newer rule pack.

:func:`add_sigma_pack_commands` registers both on the ``asisdk sigma`` group's sub-parsers
(the group and its ``scan``/``list`` actions live in :mod:`asisdk.cli._sigma`);
:func:`build_sigma_pack_parser` builds a stand-alone parser with only these two.

``kql`` prints the KQL on stdout and the rule's title, id, level, author and pipeline on
stderr (``--json`` prints one JSON object instead); a rule that cannot be rendered exits 1
with the reason. ``update`` installs the latest SigmaHQ release package and exits 1, keeping
the pack in place, on any failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import Any

from asisdk.cli._common import (
    EXIT_OK,
    CommandFailedError,
    add_json_option,
    failures_exit_1,
    run_parser,
)

__all__ = ["add_sigma_pack_commands", "build_sigma_pack_parser", "main"]

_TARGETS = ("auto", "microsoft_xdr", "azure_monitor", "sentinel_asim")
_PACKAGES = ("core", "core+", "core++", "all_rules")


def add_sigma_pack_commands(actions: Any) -> None:
    """Register ``kql`` and ``update`` on the ``asisdk sigma`` group's sub-parsers action."""
    kql = actions.add_parser(
        "kql",
        help="print a rule as KQL for Sentinel / Defender XDR",
        description="Render a Sigma rule (an id or file name of the rule pack, or a path) as "
        "KQL with pysigma-backend-kusto. The KQL goes to stdout, the rule's author and "
        "pipeline to stderr.",
    )
    kql.add_argument("rule", metavar="RULE", help="rule id, pack file name, or .yml path")
    kql.add_argument(
        "--target",
        choices=_TARGETS,
        default="auto",
        help="pipeline: Defender XDR tables, Sentinel's Log Analytics tables, ASIM "
        "(auto: the first that renders)",
    )
    add_json_option(kql, "print one JSON object")
    kql.set_defaults(handler=_run_kql)

    update = actions.add_parser(
        "update",
        help="download SigmaHQ's latest release package and install it atomically",
        description="Download the latest SigmaHQ release package (GitHub release asset, "
        "checked against its published sha256), verify that its rules parse, and install it "
        "in the user data directory. On any failure the pack in place is kept and the "
        "command exits 1.",
    )
    update.add_argument(
        "--package", choices=_PACKAGES, default="core+", help="release package (default core+)"
    )
    update.add_argument("--url", help="fetch the zip from this URL instead (a mirror)")
    update.add_argument("--sha256", help="expected sha256 of the zip given with --url")
    update.add_argument("--data-dir", help="install here instead of the user data directory")
    update.add_argument(
        "--api-url", default=None, help="GitHub API root (GitHub Enterprise mirrors, tests)"
    )
    update.set_defaults(handler=_run_update)


def build_sigma_pack_parser() -> argparse.ArgumentParser:
    """A parser with only ``kql`` and ``update`` (tests, and before the ``sigma`` group)."""
    parser = argparse.ArgumentParser(prog="asisdk sigma", description="Sigma rule pack tools.")
    add_sigma_pack_commands(parser.add_subparsers(dest="sigma_command", metavar="ACTION"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the stand-alone parser; returns the exit code."""
    return run_parser(build_sigma_pack_parser(), sys.argv[1:] if argv is None else argv)


def _run_kql(args: argparse.Namespace) -> int:
    from pathlib import Path

    from asisdk.sigma import SigmaKqlError, rule_by_id, rule_to_kql

    with failures_exit_1():  # no rule with that id, a broken pack ...: exit 1 too
        try:
            source: Any = Path(args.rule) if Path(args.rule).is_file() else rule_by_id(args.rule)
            kql = rule_to_kql(source, target=args.target)
        except SigmaKqlError as error:
            if args.json:
                print(
                    json.dumps(
                        {
                            "rule_id": error.rule_id,
                            "title": error.title,
                            "rendered": False,
                            "reason": error.reason,
                            "detail": error.detail,
                        }
                    )
                )
            raise CommandFailedError(f"{error} [reason: {error.reason}]") from error
    if args.json:
        record = {
            "rule_id": kql.rule_id,
            "title": kql.title,
            "level": kql.level,
            "author": kql.author,
            "target": kql.target,
            "table": kql.table,
            "query": kql.query,
            "rendered": True,
            "licence": "DRL-1.1",
        }
        print(json.dumps(record, ensure_ascii=False))
        return EXIT_OK
    print(
        f"{kql.title} ({kql.rule_id}), level {kql.level}, by {kql.author}; "
        f"pipeline {kql.target} (rule licence DRL 1.1)",
        file=sys.stderr,
    )
    print(kql.query)
    return EXIT_OK


def _run_update(args: argparse.Namespace) -> int:
    from asisdk.sigma import SigmaPackUpdater

    async def update() -> int:
        async with SigmaPackUpdater(
            package=args.package,
            url=args.url,
            sha256=args.sha256,
            data_dir=args.data_dir,
            **({"api_url": args.api_url} if args.api_url else {}),
        ) as updater:
            result = await updater.update()
        manifest = result.manifest
        origin = result.release or result.source_url
        checked = "sha256 verified" if result.checksum_verified else "no published checksum"
        print(
            f"installed {manifest.rule_count} Sigma rules from {origin} ({checked}): {result.path}"
        )
        print(f"  levels {dict(manifest.levels)}; products {dict(manifest.products)}")
        if manifest.skipped:
            print(f"  {len(manifest.skipped)} rule files did not parse and were left out")
        if result.previous_rule_count is not None:
            print(f"  the pack in use before held {result.previous_rule_count} rules")
        return EXIT_OK

    with failures_exit_1():
        return asyncio.run(update())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
