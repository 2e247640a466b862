"""Sigma over real Windows events: asisdk's compiled engine vs the Zircolite approach.

Every Windows rule of the core SigmaHQ set (``../shared/data/sigma/rules/windows``, about
2,400) over 100,000 real events on one core, side by side in the same run with the approach
Zircolite takes: each rule rendered to SQL by pySigma's SQLite backend
(``pysigma-backend-sqlite``) and run over an in-memory SQLite table of the same events
(``tests/sigma_engine/_sqlite.py``). The two match sets must be identical.

The events are every real Windows event in ``../shared/data`` (the 203 regression captures,
the labelled EVTX conversions, the five OTRF Empire data sets, the msticpy 4688 and 4624
exports: about 15,900), read with ``asisdk.pipeline.load_events`` and **repeated** to reach
the target count (the output says how many times). Column names lose their spaces and
case-only duplicates are merged (``comparable_frame``) so SQLite can hold them; both
engines get that same frame.

Run::

    python benchmarks/bench_sigma.py                  # 100,000 events, both engines
    python benchmarks/bench_sigma.py --million        # also 1,000,000 on 2 worker processes

Targets: the engine under 30 s on one core, at least 5x faster than SQLite, same matches.
Times are CPU seconds of this process (``time.process_time``; pyarrow limited to one
thread), so a machine shared with other work does not inflate them; wall times are printed
beside them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402
from tests.sigma_engine._sqlite import SqliteRules, build_table, comparable_frame  # noqa: E402

from asisdk.pipeline import load_events  # noqa: E402
from asisdk.sigma import SigmaRules  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
RULES = DATA / "sigma" / "rules" / "windows"
TARGET_SECONDS = 30.0
TARGET_RATIO = 5.0


def event_files() -> list[Path]:
    return [
        *sorted((DATA / "sigma" / "regression_data").rglob("*.evtx")),
        *sorted((DATA / "evtx" / "data").glob("*.jsonl.gz")),
        *sorted((DATA / "events" / "otrf").glob("*.zip")),
        DATA / "events" / "msticpy" / "processes_on_host.csv",
        DATA / "events" / "msticpy" / "host_logons.csv",
    ]


def corpus(count: int, real: pd.DataFrame) -> pd.DataFrame:
    copies = -(-count // len(real))
    return pd.concat([real] * copies, ignore_index=True).iloc[:count].reset_index(drop=True)


def _against_sqlite(rules: SigmaRules, frame: pd.DataFrame, matches: Any, engine: float) -> bool:
    start = time.perf_counter()
    sqlite = SqliteRules(rules, frame.columns)
    convert = time.perf_counter() - start
    cpu = time.process_time()
    connection = build_table(frame)
    table = time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    found, _ = sqlite.run(connection)
    queries_wall, queries = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"SQLite (Zircolite approach): {queries:.2f} s CPU ({queries_wall:.2f} s wall) of "
        f"queries for {len(sqlite.queries)} "
        f"rules (+ {convert:.1f} s pySigma conversion, {table:.1f} s CPU table build; "
        f"{len(sqlite.unsupported)} rules the SQLite backend cannot render, e.g. keywords)"
    )
    compared = {(int(i), r) for i, r in matches.pairs() if r in sqlite.queries}
    same = compared == found
    ratio = queries / engine
    print(
        f"matches on the {len(sqlite.queries)} common rules: engine {len(compared):,}, "
        f"SQLite {len(found):,}, identical: {same}"
    )
    print(
        f"ratio: engine is {ratio:.1f}x faster than SQLite queries alone "
        f"({(queries + table) / engine:.1f}x counting the table build)"
    )
    print(
        f"targets: < {TARGET_SECONDS:.0f} s: {'met' if engine < TARGET_SECONDS else 'MISSED'}; "
        f">= {TARGET_RATIO:.0f}x: {'met' if ratio >= TARGET_RATIO else 'MISSED'}"
    )
    if not same:
        print(f"  only engine: {sorted(compared - found)[:10]}")
        print(f"  only SQLite: {sorted(found - compared)[:10]}")

    return same


def _copy_of(real: pd.DataFrame, number: int, size: int) -> pd.DataFrame:
    piece = real.iloc[:size].copy()
    piece.index = piece.index + number * len(real)
    return piece


def _million(rules: SigmaRules, real: pd.DataFrame) -> bool:
    """1,000,000 events as Dask partitions (each a copy of the real events, built on the
    worker, so no process holds them all) on a 2-worker local cluster."""
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    total = 1_000_000
    full, rest = divmod(total, len(real))
    sizes = [len(real)] * full + ([rest] if rest else [])

    expected = full * len(rules.match(real)) + (len(rules.match(real.iloc[:rest])) if rest else 0)
    start = time.perf_counter()
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as client,
    ):
        shared = client.scatter(real, broadcast=True)
        frames = [dask.delayed(_copy_of)(shared, i, n) for i, n in enumerate(sizes)]
        lazy_events = dd.from_delayed(frames, meta=real.iloc[:0])
        found = len(rules.match_frame(lazy_events))
    seconds = time.perf_counter() - start
    print(
        f"1,000,000 events on 2 Dask workers: {seconds:.1f} s wall ({found:,} matches; "
        f"expected {expected:,}: {'same' if found == expected else 'DIFFERENT'})"
    )
    return found == expected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--million", action="store_true", help="also 1,000,000 on 2 workers")
    parser.add_argument(
        "--no-sqlite", action="store_true", help="skip the SQLite side (no ratio, no parity)"
    )
    args = parser.parse_args()
    pa.set_cpu_count(1)  # one core: no pyarrow thread pool
    pa.set_io_thread_count(1)

    start = time.perf_counter()
    rules = SigmaRules.from_paths(RULES)
    print(
        f"rules: {len(rules)} Windows rules parsed and compiled in "
        f"{time.perf_counter() - start:.1f} s ({len(rules.errors)} skipped)"
    )
    start = time.perf_counter()
    real = comparable_frame(load_events(event_files()).frame)
    print(f"events: {len(real):,} real events read in {time.perf_counter() - start:.1f} s")
    frame = corpus(args.events, real)
    print(
        f"corpus: {len(frame):,} events = the real events repeated "
        f"{len(frame) / len(real):.2f} times"
    )

    start, cpu = time.perf_counter(), time.process_time()
    matches = rules.match(frame)
    engine_wall, engine = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"asisdk engine: {engine:.2f} s CPU ({engine_wall:.2f} s wall) for {len(rules)} rules "
        f"x {len(frame):,} events "
        f"({len(matches):,} matches) on one core"
    )

    same = True
    if not args.no_sqlite:
        same = _against_sqlite(rules, frame, matches, engine)

    if args.million:
        same = _million(rules, real) and same
    return 0 if same else 1


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
