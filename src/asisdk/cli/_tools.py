"""The small sub-commands over the library: ``decode``, ``ioc``, ``vt``, ``geo``, ``ipstack``,
``query``.

The service commands (``vt``, ``ipstack``) call the clients through the blocking door
:mod:`asisdk.sync`; ``geo update`` and ``query`` run one ``asyncio.run`` per command.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Final

from asisdk._geo_frame import LOCATION_COLUMNS
from asisdk.cli._common import (
    EXIT_OK,
    UsageError,
    add_json_option,
    add_query_options,
    blocking_ipstack_client,
    blocking_virustotal_client,
    lookup_row,
)
from asisdk.errors import AsiError

__all__ = ["add_tool_commands"]

#: Location fields printed by ``asisdk ipstack --json``: the frame's first seven, and ``asn``.
_IPSTACK_FIELDS: Final = (*LOCATION_COLUMNS[:7], "asn")
#: Most characters read from stdin or a file by ``decode`` / ``ioc``.
_MAX_INPUT_CHARS: Final = 16 * 1024 * 1024


def add_tool_commands(commands: Any) -> None:
    """Register ``decode``, ``ioc``, ``vt``, ``geo``, ``ipstack`` and ``query``."""
    decode = commands.add_parser(
        "decode", help="decode base64 / hex / char codes / archives in a text, recursively"
    )
    decode.add_argument("text", metavar="TEXT|-", help="the text, or - to read stdin")
    add_json_option(decode, "print the layers as JSON")
    decode.set_defaults(handler=_run_decode)

    ioc = commands.add_parser("ioc", help="extract indicators (IPs, URLs, domains, hashes ...)")
    ioc.add_argument("source", metavar="TEXT|FILE|-", help="a text, a file, or - for stdin")
    ioc.add_argument("--types", help="comma-separated types (default: all)")
    add_json_option(ioc, "print {type: [values]} as JSON")
    ioc.set_defaults(handler=_run_ioc)

    vt = commands.add_parser("vt", help="look observables up on VirusTotal (needs a key)")
    vt.add_argument("observables", nargs="+", metavar="OBSERVABLE")
    add_json_option(vt, "print the reports as JSON")
    vt.set_defaults(handler=_run_vt)

    from asisdk.cli._geo import add_geo_command

    add_geo_command(commands)

    ipstack = commands.add_parser(
        "ipstack", help="locate IP addresses with the IPStack API (needs a key)"
    )
    ipstack.add_argument("addresses", nargs="+", metavar="IP")
    ipstack.add_argument("--bulk", action="store_true", help="50 addresses per request")
    add_json_option(ipstack, "print JSON lines")
    ipstack.set_defaults(handler=_run_ipstack)

    query = commands.add_parser(
        "query",
        help="run a named query (local data by default, --workspace for Log Analytics)",
        description="Run a query of the query library and print its rows as CSV (or JSON "
        "lines). Without --workspace it runs on the local data source (the bundled sample "
        "unless ASISDK_LOCAL_DATA_PATH names a mapping); time ranges default to --since, else "
        "all local data or the last day of the workspace.",
    )
    query.add_argument("name", metavar="NAME", nargs="?")
    add_query_options(query)
    query.add_argument("--list", action="store_true", help="list the queries and exit")
    add_json_option(query, "print JSON lines instead of CSV")
    query.set_defaults(handler=_run_query)


def _read_text(value: str, *, files: bool) -> str:
    if value == "-":
        return sys.stdin.read(_MAX_INPUT_CHARS)
    if files and len(value) < 4096 and Path(value).is_file():
        with Path(value).open(encoding="utf-8", errors="replace") as stream:
            return stream.read(_MAX_INPUT_CHARS)
    return value


def _run_decode(args: argparse.Namespace) -> int:
    from asisdk.decode import unpack

    result = unpack(_read_text(args.text, files=False))
    if args.json:
        layers = [
            {
                "layer": layer.index,
                "parent": layer.parent,
                "encoding": layer.encoding,
                "file_type": layer.file_type,
                "bytes": len(layer.data),
                "sha256": layer.sha256,
                "text": layer.text,
                "error": layer.error,
            }
            for layer in result.layers
        ]
        print(json.dumps({"text": result.text, "layers": layers, "error": result.error}, indent=2))
        return EXIT_OK
    print(result.text)
    if not result.layers:
        print("(nothing encoded found)", file=sys.stderr)
    for layer in result.layers:
        print(
            f"layer {layer.index:<6} {layer.encoding:<9} {layer.file_type:<8} "
            f"{len(layer.data):>8} bytes  sha256 {layer.sha256}"
            + (f"  stopped: {layer.error}" if layer.error else ""),
            file=sys.stderr,
        )
    return EXIT_OK


def _run_ioc(args: argparse.Namespace) -> int:
    from asisdk.ioc import IocExtractor

    types = [t.strip() for t in args.types.split(",")] if args.types else None
    try:
        found = IocExtractor().extract(_read_text(args.source, files=True), types=types)
    except (ValueError, AsiError) as exc:  # an unknown --types name
        raise UsageError(str(exc)) from exc
    if args.json:
        print(json.dumps({k: sorted(v) for k, v in found.items()}, indent=2))
        return EXIT_OK
    for kind in sorted(found):
        for value in sorted(found[kind]):
            print(f"{kind}\t{value}")
    return EXIT_OK


def _run_vt(args: argparse.Namespace) -> int:
    with blocking_virustotal_client() as client:
        reports = client.lookup_many(args.observables)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "observable": r.observable,
                        "kind": r.kind,
                        "status": r.status,
                        "malicious": r.malicious,
                        "suspicious": r.suspicious,
                        "harmless": r.harmless,
                        "reputation": r.reputation,
                        "permalink": r.permalink,
                        "error": r.error,
                    }
                    for r in reports
                ],
                indent=2,
                default=str,
            )
        )
    else:
        for r in reports:
            verdict = (
                f"{r.malicious} malicious, {r.suspicious} suspicious"
                if r.malicious is not None
                else (r.error or "")
            )
            print(f"{r.observable}\t{r.status}\t{verdict}")
    return EXIT_OK


def _run_ipstack(args: argparse.Namespace) -> int:
    with blocking_ipstack_client(bulk=args.bulk) as client:
        results = client.lookup_many(args.addresses)
    for result in results:
        location = result.location
        if args.json:
            row = lookup_row(result)
            if location is not None:
                row.update((name, getattr(location, name)) for name in _IPSTACK_FIELDS)
            print(json.dumps(row, ensure_ascii=False, default=str))
        else:
            where = location.label if location is not None else (result.error or "-")
            print(f"{result.query:<40} {result.status.value:<15} {where}")
    return EXIT_OK


def _run_query(args: argparse.Namespace) -> int:
    from asisdk.cli._query import format_query_list, query_args_events

    if args.list:
        print(format_query_list(args.workspace))
        return EXIT_OK
    if not args.name:
        raise UsageError("name a query (asisdk query --list shows them)")
    found = query_args_events(args.name, args)
    if args.json:
        print(found.frame.to_json(orient="records", lines=True, date_format="iso"), end="")
    else:
        found.frame.to_csv(sys.stdout, index=False)
    print(f"{len(found.frame):,} rows from {found.source}", file=sys.stderr)
    if found.note:
        print(f"asisdk query: warning: {found.note}", file=sys.stderr)
    return EXIT_OK
