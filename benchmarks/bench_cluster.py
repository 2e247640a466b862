"""Speed and memory of ``cluster_events`` and ``group_patterns``, side by side with msticpy.

Input: process-creation events built from the real Windows events in ``../shared/data/events``
(msticpy's 4688 fixture and the OTRF Empire Sysmon/4688 rows), resampled to 100,000 and
1,000,000 rows with the variable parts varied per row: GUIDs, user names in profile paths,
and an admin command run on thousands of servers (``install-update.exe -hostname <fqdn>
-tmp:C:\\Users\\<user>\\AppData\\Local\\Temp\\<guid>\\rollback``).

Each measurement runs in a fresh process (spawned) that imports the libraries and builds its
input, then times one call (a process pool started by the call is part of its time). Memory:
the process's RSS with the input loaded, its peak RSS during the call (sampled every 5 ms),
the difference, and the peak total RSS of the executor's worker processes (0: all inline).
msticpy (``add_process_features`` + ``dbcluster_events``
on the same features and settings) runs at 100,000 rows in the same run.

Run: ``python benchmarks/bench_cluster.py`` (``--sizes 100000`` to skip the million rows).
Needs msticpy for the comparison (``bench_cluster.requirements.txt``); without it the
msticpy rows say "not installed".
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

EVENTS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "events"
FEATURES = ["pathLogScore", "commandlineLogLen", "commandlineTokensFull", "isSystemSession"]
GUID_RE = r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}"
USER_RE = r"(?i)(?<=\\users\\)[^\\\"' ]+"


def real_events() -> pd.DataFrame:
    host = pd.read_csv(EVENTS / "msticpy" / "processes_on_host.csv")
    host = host[["NewProcessName", "CommandLine", "SubjectLogonId"]]
    otrf = pd.read_csv(EVENTS / "otrf" / "otrf_process_logon_events.csv")
    otrf = otrf[otrf["CommandLine"].notna()]
    otrf = otrf.rename(columns={"Image": "NewProcessName", "LogonId": "SubjectLogonId"})
    otrf = otrf[["NewProcessName", "CommandLine", "SubjectLogonId"]]
    return pd.concat([host, otrf], ignore_index=True).fillna("").astype(str)


def build(rows: int, seed: int = 7) -> pd.DataFrame:
    """Resample the real events to ``rows`` rows with hosts, GUIDs, users, temp paths varied."""
    rng = np.random.default_rng(seed)
    base = real_events()
    frame = base.iloc[rng.integers(0, len(base), rows)].reset_index(drop=True)
    guids = [
        f"{a:08x}-{b:04x}-4{c:03x}-a{d:03x}-{e:012x}"
        for a, b, c, d, e in zip(
            *(rng.integers(0, 2**k, 50_000) for k in (32, 16, 12, 12, 48)), strict=True
        )
    ]
    users = [f"user{n:05d}" for n in range(2_000)]
    hosts = [f"srv{n:05d}.{site}.contoso.com" for n, site in enumerate(["emea", "amer"] * 10_000)]
    pick_guid = rng.integers(0, len(guids), rows)
    pick_user = rng.integers(0, len(users), rows)
    admin = rng.random(rows) < 0.25
    commands = frame["CommandLine"].to_numpy(dtype=object)
    it_guid, it_user = iter(pick_guid.tolist()), iter(pick_user.tolist())
    varied = (
        pd.Series(commands)
        .str.replace(GUID_RE, lambda _m: guids[next(it_guid) % len(guids)], regex=True)
        .str.replace(USER_RE, lambda _m: users[next(it_user) % len(users)], regex=True)
        .to_numpy(dtype=object)
    )
    n_admin = int(admin.sum())
    host_ix = rng.integers(0, len(hosts), n_admin)
    varied[admin] = [
        f"install-update.exe -hostname {hosts[h]} "
        f"-tmp:C:\\Users\\{users[u]}\\AppData\\Local\\Temp\\{guids[g]}\\rollback"
        for h, u, g in zip(host_ix, pick_user[admin], pick_guid[admin], strict=True)
    ]
    frame["CommandLine"] = varied
    frame.loc[admin, "NewProcessName"] = r"C:\Program Files\Contoso\install-update.exe"
    frame.loc[admin, "SubjectLogonId"] = "0x3e7"
    start = pd.Timestamp("2024-05-01")
    frame["TimeGenerated"] = start + pd.to_timedelta(np.sort(rng.integers(0, 86_400, rows)), "s")
    return frame


def _rss_mb() -> float:
    with Path("/proc/self/statm").open() as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _descendants_rss_mb() -> float:
    """Total RSS of this process's descendants (executor workers, their forkserver)."""
    parents: dict[int, int] = {}
    rss: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            statm = (entry / "statm").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[pid] = int(statm.split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    family, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - family
        family |= frontier
    return sum(rss[pid] for pid in family)


class PeakSampler:
    """Samples the RSS of this process (every 5 ms) and its workers (every 50 ms)."""

    def __init__(self) -> None:
        self.peak = _rss_mb()
        self.workers = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        ticks = 0
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss_mb())
            ticks += 1
            if ticks % 10 == 0:
                self.workers = max(self.workers, _descendants_rss_mb())

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())


def _call(task: str, frame: pd.DataFrame) -> str:
    if task == "asisdk cluster_events":
        from asisdk.cluster import cluster_events

        result = cluster_events(frame)
        return (
            f"{result.n_clusters} clusters, {result.n_unclustered} unclustered, "
            f"{len(result.matrix)} distinct vectors"
        )
    if task == "asisdk group_patterns":
        from asisdk.cluster import group_patterns

        return f"{group_patterns(frame['CommandLine']).n_groups} patterns"
    from msticpy.analysis.eventcluster import add_process_features, dbcluster_events

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        features = add_process_features(input_frame=frame)
        clustered, _model, _matrix = dbcluster_events(
            data=features,
            cluster_columns=FEATURES,
            time_column="TimeGenerated",
            max_cluster_distance=0.01,
            min_cluster_samples=2,
        )
    return f"{len(clustered)} summary rows"


def _measure(task: str, rows: int, out: Any) -> None:
    # Imports happen before the clock starts, for every contender.
    import sklearn.cluster  # noqa: F401

    import asisdk.cluster  # noqa: F401
    from asisdk.executors import shutdown_default_executor

    if task.startswith("msticpy"):
        try:
            import msticpy.analysis.eventcluster  # noqa: F401
        except Exception as exc:  # msticpy raises its own error when the ml extra is missing
            out.put((task, rows, None, None, None, None, f"not installed ({type(exc).__name__})"))
            return
    frame = build(rows)
    gc.collect()
    baseline = _rss_mb()
    with PeakSampler() as sampler:
        start = time.perf_counter()
        detail = _call(task, frame)
        elapsed = time.perf_counter() - start
    shutdown_default_executor()
    out.put((task, rows, elapsed, baseline, sampler.peak, sampler.workers, detail))


def run(task: str, rows: int) -> tuple[Any, ...]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_measure, args=(task, rows, queue))
    process.start()
    result = queue.get()
    process.join()
    return tuple(result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--peer-rows", type=int, default=100_000, help="0 skips msticpy")
    args = parser.parse_args()
    sample = build(min(args.sizes))
    print(
        f"input: {len(sample):,} rows, {sample['CommandLine'].nunique():,} distinct command "
        f"lines; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'task':28s} {'rows':>10s} {'seconds':>8s} {'input MB':>9s} {'peak MB':>8s} "
        f"{'+MB':>6s} {'worker MB':>9s}  detail"
    )
    timings: dict[tuple[str, int], float] = {}
    tasks = [(t, n) for n in args.sizes for t in ("asisdk cluster_events", "asisdk group_patterns")]
    if args.peer_rows:
        tasks.insert(1, ("msticpy features+dbcluster", args.peer_rows))
    for task, rows in tasks:
        name, n, seconds, baseline, peak, worker, detail = run(task, rows)
        if seconds is None:
            dashes = " ".join(f"{'-':>{w}s}" for w in (8, 9, 8, 6, 9))
            print(f"{name:28s} {n:>10,} {dashes}  {detail}")
            continue
        timings[(name, n)] = seconds
        print(
            f"{name:28s} {n:>10,} {seconds:>8.2f} {baseline:>9.0f} {peak:>8.0f} "
            f"{peak - baseline:>6.0f} {worker:>9.0f}  {detail}"
        )
    ours = timings.get(("asisdk cluster_events", args.peer_rows))
    theirs = timings.get(("msticpy features+dbcluster", args.peer_rows))
    if ours and theirs:
        print(f"speed-up over msticpy at {args.peer_rows:,} rows: {theirs / ours:.1f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
