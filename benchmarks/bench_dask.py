"""Benchmark asisdk on Dask: unpack and extract over 1,000,000 rows, 1 and 2 workers vs pandas.

Input: the real process command lines in ``../shared/data/events`` (OTRF CommandLine,
msticpy processes_on_host CommandLine, msticpy mde_proc_cs1 CreatedProcessCommandLine),
replicated in order to ``--rows`` rows (default 1,000,000).

Measured in one run, back to back, on the same frame:

* ``pandas``: :func:`asisdk.decode.unpack_frame` / :func:`asisdk.ioc.extract_frame` inline
  (one process, the single-machine baseline);
* ``executor``: the same pandas functions with ``executor=client.get_executor()`` of a
  ``distributed.LocalCluster`` with 1, then 2 worker processes (one thread each); the frame
  starts and ends in this process, so pickling chunks in and results out is part of the cost;
* ``dask df``: :func:`asisdk.dask.unpack_frame` / :func:`asisdk.dask.extract_frame` over a
  Dask DataFrame whose partitions are already on the workers (``persist``), as they would be
  after ``read_parquet`` on a real cluster; the result is computed back to this process.

Every result is checked equal to the pandas one. Throughput is rows per second of wall
time; the scaling ratio is (2-worker throughput) / (1-worker throughput). Cluster start-up
is reported but not counted. The machine's load average is printed before and after: on a
shared machine other processes take cores, and the 2-worker figures suffer most.

Run:  python benchmarks/bench_dask.py [--rows 1000000] [--partitions-per-worker 4]
(``nox -s bench -- dask`` installs dask[distributed] from bench_dask.requirements.txt.)
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import dask
import dask.dataframe as dd
import pandas as pd
from distributed import Client, LocalCluster, wait
from pandas.testing import assert_frame_equal

import asisdk.dask as adask
from asisdk.decode import unpack_frame
from asisdk.executors import InlineExecutor, cpu_count
from asisdk.ioc import extract_frame

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "events"
SOURCES = (
    ("otrf/otrf_process_logon_events.csv", "CommandLine"),
    ("msticpy/processes_on_host.csv", "CommandLine"),
    ("msticpy/mde_proc_cs1.csv", "CreatedProcessCommandLine"),
)
COLUMN = "CommandLine"


def command_lines(rows: int) -> pd.DataFrame:
    """The real command lines, repeated in order until there are ``rows`` of them."""
    lines: list[str] = []
    for name, column in SOURCES:
        values = pd.read_csv(DATA / name, usecols=[column])[column].tolist()
        lines.extend(v for v in values if isinstance(v, str))
    repeated = (lines * (rows // len(lines) + 1))[:rows]
    return pd.DataFrame({COLUMN: repeated})


def timed(func: Callable[[], pd.DataFrame]) -> tuple[float, pd.DataFrame]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert_frame_equal(got.reset_index(drop=True), expected)


def run_cluster(
    frame: pd.DataFrame,
    workers: int,
    partitions_per_worker: int,
    baseline: dict[str, pd.DataFrame],
) -> dict[tuple[str, str], float]:
    """Seconds per (path, transform) on a fresh LocalCluster of ``workers`` processes."""
    seconds: dict[tuple[str, str], float] = {}
    start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers,
            processes=True,
            threads_per_worker=1,
            dashboard_address=":0",
            host="127.0.0.1",
        ) as cluster,
        Client(cluster) as client,
    ):
        print(f"  cluster of {workers} worker(s) up in {time.perf_counter() - start:.1f} s")
        executor = client.get_executor()
        chunk = -(-len(frame) // (workers * partitions_per_worker))
        warm = frame.iloc[:2000]
        unpack_frame(warm, COLUMN, executor=executor, chunk_size=1000)  # imports on workers
        extract_frame(warm, COLUMN, executor=executor, chunk_size=1000)

        took, out = timed(lambda: unpack_frame(frame, COLUMN, executor=executor, chunk_size=chunk))
        same(out, baseline["unpack"])
        seconds["executor", "unpack"] = took
        took, out = timed(lambda: extract_frame(frame, COLUMN, executor=executor, chunk_size=chunk))
        same(out, baseline["extract"])
        seconds["executor", "extract"] = took

        ddf = dd.from_pandas(frame, npartitions=workers * partitions_per_worker).persist()
        wait(ddf)
        with dask.config.set(scheduler=client):
            took, out = timed(lambda: adask.unpack_frame(ddf, COLUMN).compute())
            same(out, baseline["unpack"])
            seconds["dask df", "unpack"] = took
            took, out = timed(lambda: adask.extract_frame(ddf, COLUMN).compute())
            same(out, baseline["extract"])
            seconds["dask df", "extract"] = took
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--partitions-per-worker", type=int, default=4)
    args = parser.parse_args()
    # The executor path embeds each chunk in its task (the data starts in this process), and
    # distributed warns about every task over 10 MiB: expected here, measured, not an error.
    warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)

    print(
        f"asisdk on Dask {dask.__version__}, pandas {pd.__version__}, Python "
        f"{platform.python_version()}, {cpu_count()} usable CPU(s), load average "
        f"{os.getloadavg()[0]:.2f} at start"
    )
    frame = command_lines(args.rows)
    print(f"{len(frame):,} rows, {frame[COLUMN].nunique():,} distinct command lines")

    baseline: dict[str, pd.DataFrame] = {}
    pandas_seconds: dict[str, float] = {}
    inline = InlineExecutor()
    pandas_seconds["unpack"], baseline["unpack"] = timed(
        lambda: unpack_frame(frame, COLUMN, executor=inline)
    )
    pandas_seconds["extract"], baseline["extract"] = timed(
        lambda: extract_frame(frame, COLUMN, executor=inline)
    )
    print(
        f"  pandas: unpack {len(baseline['unpack']):,} layers, "
        f"extract {len(baseline['extract']):,} indicators"
    )
    by_workers = {n: run_cluster(frame, n, args.partitions_per_worker, baseline) for n in (1, 2)}

    rows = len(frame)
    print()
    print(
        f"{'transform':<9} {'path':<9} {'workers':>7} {'seconds':>8} {'rows/s':>10} "
        f"{'vs pandas':>9} {'2w / 1w':>8}"
    )
    for transform in ("unpack", "extract"):
        base = pandas_seconds[transform]
        print(
            f"{transform:<9} {'pandas':<9} {'-':>7} {base:8.2f} {rows / base:10,.0f} "
            f"{1.0:9.2f} {'':>8}"
        )
        for path in ("executor", "dask df"):
            for n in (1, 2):
                took = by_workers[n][path, transform]
                scaling = ""
                if n == 2:
                    scaling = f"{by_workers[1][path, transform] / took:8.2f}"
                print(
                    f"{transform:<9} {path:<9} {n:>7} {took:8.2f} {rows / took:10,.0f} "
                    f"{base / took:9.2f} {scaling:>8}"
                )
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end (2 cores shared with others)")


if __name__ == "__main__":
    main()
