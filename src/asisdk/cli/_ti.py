"""``asisdk ti lookup VALUE...``: one threat-intelligence lookup over many providers."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from asisdk.cli import _defaults
from asisdk.cli._common import EXIT_OK, CommandFailedError, add_json_option, help_handler
from asisdk.errors import ConfigurationError

if TYPE_CHECKING:
    from asisdk.ti import TiReports

__all__ = ["add_ti_command", "parse_providers"]

HELP: Final = "look observables up in threat-intelligence providers (OTX, AbuseIPDB, ...)"
#: Most values read from stdin by ``asisdk ti lookup -``.
_MAX_STDIN_VALUES: Final = 100_000


def add_ti_command(commands: Any) -> None:
    """Register ``asisdk ti`` (sub-command ``lookup``)."""
    ti: argparse.ArgumentParser = commands.add_parser(
        "ti",
        help=HELP,
        description="Ask VirusTotal, AlienVault OTX, AbuseIPDB, GreyNoise, abuse.ch (URLhaus, "
        "ThreatFox, MalwareBazaar), CIRCL hashlookup, Shodan InternetDB, the Tor exit list and "
        "MISP about IPs, domains, URLs and hashes. Keys: ASISDK_<PROVIDER>_API_KEY or "
        "[<provider>] api_key in the config file.",
    )
    actions = ti.add_subparsers(dest="ti_action", metavar="ACTION")
    lookup = actions.add_parser("lookup", help="look observables up (one per argument)")
    lookup.add_argument(
        "observables", nargs="+", metavar="VALUE", help="an IP, domain, URL or hash; - reads stdin"
    )
    lookup.add_argument(
        "--providers",
        metavar="NAMES",
        help="comma-separated providers, e.g. otx,abuseipdb,greynoise (default: every provider "
        "whose key is configured, and the keyless ones)",
    )
    add_json_option(lookup, "print the reports as JSON")
    lookup.add_argument(
        "--refresh", action="store_true", help="ask the providers again, ignoring the cache"
    )
    lookup.add_argument("--cache", metavar="PATH", help="the cache file (default: user cache)")
    lookup.add_argument("--no-cache", action="store_true", help="use no cache at all")
    lookup.set_defaults(handler=_run_lookup)
    ti.set_defaults(handler=help_handler(ti))


def parse_providers(text: str | None) -> list[str] | None:
    """``"otx, greynoise"`` -> ``["otx", "greynoise"]``; ``None`` for the default set.

    Examples:
        >>> parse_providers("otx, greynoise,,circl")
        ['otx', 'greynoise', 'circl']
    """
    if text is None:
        return None
    return [name.strip() for name in text.split(",") if name.strip()]


def default_cache_path() -> Path:
    """Where the CLI keeps the shared threat-intelligence cache."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("asisdk")) / _defaults.TI_CACHE_FILE


def _values(arguments: list[str]) -> list[str]:
    values: list[str] = []
    for argument in arguments:
        if argument == "-":
            values.extend(
                line.strip() for line in sys.stdin.readlines()[:_MAX_STDIN_VALUES] if line.strip()
            )
        else:
            values.append(argument)
    return values


def reports_as_json(reports: TiReports) -> list[dict[str, Any]]:
    """The reports as plain JSON values (what ``--json`` prints)."""
    return [
        {
            "observable": report.observable,
            "type": report.type,
            "value": report.value,
            "verdict": report.verdict.value,
            "severity": report.severity,
            "demote": report.demote,
            "flagged_by": list(report.flagged_by),
            "cleared_by": list(report.cleared_by),
            "results": [
                {
                    "provider": r.provider,
                    "status": r.status.value,
                    "verdict": r.verdict.value,
                    "severity": r.severity,
                    "reasons": list(r.reasons),
                    "permalink": r.permalink,
                    "error": r.error,
                    "cached": r.cached,
                }
                for r in report.results
            ],
        }
        for report in reports
    ]


def _print_text(reports: TiReports) -> None:
    for report in reports:
        print(
            f"{report.observable} ({report.type or 'unknown type'}): {report.verdict.value}, "
            f"severity {report.severity}" + ("  [demote: known good]" if report.demote else "")
        )
        for result in report.results:
            if result.status.value == "unsupported":
                continue
            cached = " (cached)" if result.cached else ""
            link = f"  {result.permalink}" if result.permalink else ""
            print(f"  {result.summary}{cached}{link}")


async def _lookup(args: argparse.Namespace, values: list[str]) -> TiReports:
    from asisdk.ti import ThreatIntel

    cache = None if args.no_cache else (args.cache or default_cache_path())
    async with ThreatIntel(parse_providers(args.providers), cache=cache) as ti:
        if not ti.providers:
            raise ConfigurationError("no provider is available; name some with --providers")
        return await ti.lookup_many(values, refresh=args.refresh)


def _run_lookup(args: argparse.Namespace) -> int:
    reports = asyncio.run(_lookup(args, _values(args.observables)))
    if args.json:
        print(json.dumps(reports_as_json(reports), indent=2))
    else:
        _print_text(reports)
    asked = [r for report in reports for r in report.results if r.status.value != "unsupported"]
    failed = [r for r in asked if r.status.value in ("error", "quota_exhausted")]
    if asked and len(failed) == len(asked):
        raise CommandFailedError("every lookup failed (see the errors above)")
    return EXIT_OK
