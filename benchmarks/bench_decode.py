"""Benchmark asisdk.decode.unpack_frame against msticpy's base64unpack.unpack_df.

Input: the real process command lines in ``../shared/data/events`` (OTRF CommandLine,
msticpy processes_on_host CommandLine, msticpy mde_proc_cs1 CreatedProcessCommandLine),
replicated to ``--rows`` rows (default 100,000). Both libraries get the same frame in the
same run; the ratio is printed per round, measured back to back.

"Every row counted" times both libraries on the distinct lines only, so that asisdk's reuse
of a repeated cell's result does not count: each row costs a full decode on both sides
(medians of 5 runs; asisdk's process-wide memos of noise spans and blocks are emptied
before each run, so it starts cold). Agreement: ``unpack_frame``'s rows equal those of
:func:`asisdk.decode.unpack` called on each cell.

Run:  python benchmarks/bench_decode.py [--rows 100000] [--rounds 1] [--workers N]
(``nox -s bench -- decode`` installs msticpy from bench_decode.requirements.txt.)
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import resource
import statistics
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from asisdk.decode import _unpack, unpack, unpack_frame
from asisdk.executors import InlineExecutor, cpu_count

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "events"
SOURCES = (
    ("otrf/otrf_process_logon_events.csv", "CommandLine"),
    ("msticpy/processes_on_host.csv", "CommandLine"),
    ("msticpy/mde_proc_cs1.csv", "CreatedProcessCommandLine"),
)


def load_frame(rows: int) -> pd.DataFrame:
    """The real command lines, replicated (in order) to ``rows`` rows."""
    lines: list[str] = []
    for name, column in SOURCES:
        frame = pd.read_csv(DATA / name, usecols=[column])
        lines.extend(value for value in frame[column].tolist() if isinstance(value, str))
    repeated = (lines * (rows // len(lines) + 1))[:rows]
    return pd.DataFrame({"CommandLine": repeated})


def timed(func: Callable[[], pd.DataFrame]) -> tuple[float, float, pd.DataFrame]:
    """Wall-clock seconds, CPU seconds of this process, and the result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pooled_run(frame: pd.DataFrame, workers: int) -> tuple[float, float, pd.DataFrame]:
    """Wall seconds and worker CPU seconds of unpack_frame on a fresh, warmed process pool."""
    before = children_cpu()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # Start the workers before timing: the rate measured is throughput, not start-up.
        list(pool.map(abs, range(workers * 4)))
        start = time.perf_counter()
        result = unpack_frame(frame, "CommandLine", executor=pool)
        wall = time.perf_counter() - start
    # The workers have exited, so their CPU time is now counted as this process's children's.
    return wall, children_cpu() - before, result


def msticpy_unpack(frame: pd.DataFrame) -> pd.DataFrame:
    from msticpy.transform.base64unpack import unpack_df

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return unpack_df(data=frame, column="CommandLine")


def inline_cold(frame: pd.DataFrame) -> tuple[float, float, pd.DataFrame]:
    """unpack_frame on one worker, its memo of noise spans emptied first (a cold start)."""
    _unpack._NOISE_SPANS.clear()
    _unpack._NOISE_BLOCKS.clear()
    return timed(lambda: unpack_frame(frame, "CommandLine", executor=InlineExecutor()))


def check_agreement(frame: pd.DataFrame, result: pd.DataFrame) -> None:
    """unpack_frame's layer rows are unpack()'s layers of each cell, in order."""
    expected: list[tuple[object, ...]] = []
    for label, cell in zip(frame.index, frame["CommandLine"].tolist(), strict=True):
        found = unpack(cell)
        expected.extend((label, layer.index, layer.encoding, layer.data) for layer in found.layers)
    layers = result[result["encoding"].notna()]  # not the rows of a cell's limit error
    columns = ("src_index", "index", "encoding", "decoded_bytes")
    got = list(zip(*(layers[c] for c in columns), strict=True))
    assert got == expected, "unpack_frame disagrees with unpack() per cell"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workers", type=int, default=cpu_count())
    parser.add_argument("--skip-msticpy", action="store_true")
    args = parser.parse_args()

    frame = load_frame(args.rows)
    distinct = frame["CommandLine"].nunique()
    print(
        f"input: {len(frame):,} rows ({distinct:,} distinct real command lines), "
        f"mean {frame['CommandLine'].str.len().mean():.0f} chars"
    )
    print(
        f"python {platform.python_version()}, pandas {pd.__version__}, "
        f"{cpu_count()} usable cores, load average {os.getloadavg()[0]:.2f} at start"
    )

    for round_number in range(1, args.rounds + 1):
        inline_s, inline_cpu, ours = inline_cold(frame)
        pooled_s, pooled_cpu, pooled = pooled_run(frame, args.workers)
        assert len(pooled) == len(ours)
        rows = len(frame)
        print(f"\nround {round_number}")
        print(
            f"  asisdk unpack_frame, 1 worker (InlineExecutor): {rows / inline_s:10,.0f} rows/s"
            f"  ({inline_s:6.2f} s wall, {inline_cpu:6.2f} s CPU; {len(ours):,} layer rows "
            f"from {ours['src_index'].nunique():,} source rows)"
        )
        print(
            f"  asisdk unpack_frame, {args.workers} workers (process pool): "
            f"{rows / pooled_s:10,.0f} rows/s  ({pooled_s:6.2f} s wall, {pooled_cpu:6.2f} s CPU "
            f"in workers)"
        )
        print(
            f"  scaling: x{inline_s / pooled_s:.2f} wall-clock on {args.workers} workers; "
            f"CPU per row pooled / inline = {pooled_cpu / inline_cpu:.2f} "
            "(1.00 = no parallel overhead: wall scaling is then bounded by free cores only)"
        )
        if args.skip_msticpy:
            continue
        msticpy_s, msticpy_cpu, theirs = timed(lambda: msticpy_unpack(frame))
        print(
            f"  msticpy unpack_df (single process):            {rows / msticpy_s:10,.0f} rows/s"
            f"  ({msticpy_s:6.2f} s wall, {msticpy_cpu:6.2f} s CPU; {len(theirs):,} rows "
            f"from {theirs['src_index'].nunique():,} source rows)"
        )
        print(
            f"  ratio 1 worker vs msticpy: x{msticpy_s / inline_s:.1f} wall, "
            f"x{msticpy_cpu / inline_cpu:.1f} CPU"
        )
        print(f"  ratio {args.workers} workers vs msticpy: x{msticpy_s / pooled_s:.1f} wall")
        unique = pd.DataFrame({"CommandLine": frame["CommandLine"].drop_duplicates().tolist()})
        # A small input times in a fraction of a second: the median of 5 runs each side,
        # taken in turn (ours, theirs, ours...) so that a slow stretch of a shared machine
        # falls on both sides alike.
        ours_runs, theirs_runs = [], []
        for _ in range(5):
            ours_runs.append(inline_cold(unique))
            theirs_runs.append(timed(functools.partial(msticpy_unpack, unique)))
        check_agreement(unique, ours_runs[0][2])
        every_s = statistics.median(run[0] for run in ours_runs)
        every_cpu = statistics.median(run[1] for run in ours_runs)
        their_s = statistics.median(run[0] for run in theirs_runs)
        their_cpu = statistics.median(run[1] for run in theirs_runs)
        print(
            f"  every row counted ({len(unique):,} distinct rows, no reuse): asisdk "
            f"{len(unique) / every_s:,.0f} rows/s, msticpy {len(unique) / their_s:,.0f} rows/s; "
            f"ratio x{their_s / every_s:.1f} wall, x{their_cpu / every_cpu:.1f} CPU "
            "(agreement with unpack() per cell: ok)"
        )
    print(f"\nload average {os.getloadavg()[0]:.2f} at end (other processes share these cores)")


if __name__ == "__main__":
    main()
