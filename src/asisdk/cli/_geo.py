"""``asisdk geo``: update the local database, look addresses up, show what is in use.

Registered by :func:`add_geo_command` on the ``asisdk`` command's sub-parsers. Every failure,
a missing licence key included, exits 1 (:func:`~asisdk.cli._common.failures_exit_1`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

import attrs

from asisdk._defaults import ASN_EDITION_OF, EDITION_DBIP, EDITION_GEOLITE2
from asisdk.cli._common import EXIT_OK, add_json_option, failures_exit_1, lookup_row
from asisdk.entities import GeoLocation
from asisdk.geo import GeoDatabaseUpdater, GeoIpDatabase

__all__ = ["add_geo_command"]


def add_geo_command(commands: Any) -> None:
    """Register ``asisdk geo {update,lookup,info}`` on an argparse sub-parser collection."""
    geo: argparse.ArgumentParser = commands.add_parser(
        "geo", help="local GeoIP database: update, lookup, info"
    )
    actions = geo.add_subparsers(dest="geo_command", metavar="ACTION", required=True)

    update = actions.add_parser(
        "update",
        help="download a current City (or, with --asn, ASN) database and install it atomically",
        description="Download DB-IP City Lite (no key) or MaxMind GeoLite2-City (needs "
        "ASISDK_GEOIP_ACCOUNT_ID and ASISDK_GEOIP_LICENSE_KEY); with --asn, the same "
        "provider's ASN database, which lookups then use for the network's AS number and "
        "organisation. On any failure the database in place is kept and the command exits 1.",
    )
    update.add_argument(
        "--edition",
        choices=(EDITION_DBIP, EDITION_GEOLITE2),
        default=EDITION_DBIP,
    )
    update.add_argument(
        "--asn",
        action="store_true",
        help="install the edition's ASN database (dbip-asn-lite or GeoLite2-ASN) instead",
    )
    update.add_argument("--data-dir", help="install here instead of the user data directory")
    update.add_argument("--force", action="store_true", help="download even if fresh")
    update.add_argument("--base-url", help="download root (mirrors, tests)")
    update.set_defaults(handler=_run_update)

    lookup = actions.add_parser("lookup", help="locate IP addresses in the local database")
    lookup.add_argument("addresses", nargs="+", metavar="IP")
    lookup.add_argument("--db", help="database file (default: the configured one)")
    lookup.add_argument(
        "--asn-db", help="ASN database layered on it (default: an installed one, if any)"
    )
    lookup.add_argument("--data-dir", help="where downloaded databases are looked for")
    add_json_option(lookup, "print JSON lines")
    lookup.set_defaults(handler=_run_lookup)

    info = actions.add_parser("info", help="show which database is used, its age and licence")
    info.add_argument("--db", help="database file (default: the configured one)")
    info.add_argument("--data-dir", help="where downloaded databases are looked for")
    info.set_defaults(handler=_run_info)


def _run_update(args: argparse.Namespace) -> int:
    async def update() -> int:
        edition = ASN_EDITION_OF[args.edition] if args.asn else args.edition
        async with GeoDatabaseUpdater(
            edition=edition, data_dir=args.data_dir, base_url=args.base_url
        ) as updater:
            result = await updater.update(force=args.force)
        verb = "installed" if result.updated else "kept (still fresh)"
        print(f"{result.edition} {verb}: {result.path} built {result.build_date:%Y-%m-%d}")
        return EXIT_OK

    with failures_exit_1():
        return asyncio.run(update())


def _run_lookup(args: argparse.Namespace) -> int:
    asn: bool | str = args.asn_db or True
    with failures_exit_1(), GeoIpDatabase(args.db, data_dir=args.data_dir, asn=asn) as geo:
        results = geo.lookup_many(args.addresses)
        attribution = geo.attribution
    for result in results:
        location = result.location
        if args.json:
            row = lookup_row(result)
            if location is not None:
                row.update(_location_fields(location))
            print(json.dumps(row, ensure_ascii=False))
        else:
            where = location.label if location is not None else (result.error or "-")
            if location is not None and location.asn is not None:
                where += f"  AS{location.asn}"
                if location.organization:
                    where += f" {location.organization}"
            print(f"{result.query:<40} {result.status.value:<10} {where}")
    if not args.json:
        print(f"\n{attribution}")
    return EXIT_OK


def _location_fields(location: GeoLocation) -> dict[str, object]:
    fields = {f.name: getattr(location, f.name) for f in attrs.fields(type(location))}
    extras = fields.pop("additional_data", None) or {}
    return {**fields, **{k: v for k, v in dict(extras).items() if k not in fields}}


def _run_info(args: argparse.Namespace) -> int:
    with failures_exit_1(), GeoIpDatabase(args.db, data_dir=args.data_dir, stale_after=None) as geo:
        print(f"database: {geo.path}")
        print(f"source:   {geo.source.value}")
        print(f"type:     {geo.database_type}")
        for path, database_type in geo.layers:
            print(f"layered:  {path} ({database_type})")
        if not geo.layers and geo.kind not in ("asn", "isp", "enterprise"):
            print("asn:      none (run `asisdk geo update --asn` for AS numbers)")
        print(f"built:    {geo.build_date:%Y-%m-%d} ({geo.age.days} days ago)")
        print(f"licence:  {geo.attribution}")
    return EXIT_OK
