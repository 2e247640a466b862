"""Benchmark: loading events, throughput and peak memory, against the obvious peers.

1. **JSON lines**: 300,531 real Sysmon events (built from the OTRF data, see
   ``_sysmon_events.py``; about 540 MB) read by ``asisdk.pipeline.load_events`` (chunked)
   and by ``pandas.read_json(lines=True)``, each in a fresh process so peak RSS is its own.
2. **EVTX**: every record of the real ``.evtx`` files in ``../shared/data/evtx/raw`` and
   ``../shared/data/sigma/regression_data``, read by ``load_events`` (the ``evtx`` Rust
   package, flattened to columns), by ``evtx`` alone (records as JSON, parsed) and by
   ``python-evtx`` (records as XML), events/s side by side.

Usage::

    python benchmarks/bench_load.py                  # both parts
    python benchmarks/bench_load.py --events 50000   # a smaller JSON lines file
    python benchmarks/bench_load.py --skip-jsonl     # EVTX only
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _sysmon_events import data_folder, make_sysmon_jsonl

EVENTS = 300_531


def _child(kind: str, path: str) -> dict[str, object]:
    """One load in this (fresh) process: seconds, rows and peak RSS."""
    started = time.perf_counter()
    if kind == "asisdk":
        from asisdk.pipeline import load_events

        rows = len(load_events([path]).frame)
    elif kind == "pandas":
        import pandas as pd

        rows = len(pd.read_json(path, lines=True))
    else:
        raise SystemExit(f"unknown loader {kind}")
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    return {"kind": kind, "rows": rows, "seconds": seconds, "cpu": cpu, "peak_rss_mb": peak}


def _run_child(kind: str, path: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def bench_jsonl(events: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-load-"))
    path = folder / "sysmon.jsonl"
    made = time.perf_counter()
    size = make_sysmon_jsonl(path, events) / 1e6
    print(
        f"JSON lines: {events:,} Sysmon events, {size:.0f} MB, made in "
        f"{time.perf_counter() - made:.1f}s; {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f}"
    )
    results = [_run_child(kind, path) for kind in ("asisdk", "pandas")]
    print(f"{'loader':<24}{'seconds':>10}{'CPU s':>8}{'events/s':>12}{'MB/s':>8}{'peak RSS':>12}")
    for r in results:
        seconds = float(str(r["seconds"]))
        print(
            f"{'load_events' if r['kind'] == 'asisdk' else 'pandas.read_json(lines)':<24}"
            f"{seconds:>9.1f}s{float(str(r['cpu'])):>7.1f}s"
            f"{int(str(r['rows'])) / seconds:>12,.0f}{size / seconds:>8.1f}"
            f"{float(str(r['peak_rss_mb'])):>9.0f} MB"
        )
    ours, peer = results
    print(
        f"asisdk / pandas: {float(str(peer['seconds'])) / float(str(ours['seconds'])):.2f}x "
        f"the speed, {float(str(ours['peak_rss_mb'])) / float(str(peer['peak_rss_mb'])):.2f}x "
        "the peak memory"
    )
    path.unlink()


def _evtx_files() -> list[Path]:
    data = data_folder()
    files = sorted((data / "evtx" / "raw").glob("*.evtx"))
    files += sorted((data / "sigma" / "regression_data").rglob("*.evtx"))
    return files


def bench_evtx() -> None:
    import evtx
    from Evtx.Evtx import Evtx

    from asisdk.pipeline import load_events
    from asisdk.pipeline._load import concat_frames

    files = _evtx_files()
    size = sum(f.stat().st_size for f in files) / 1e6
    timings: dict[str, tuple[int, float]] = {}

    started = time.perf_counter()
    rows = len(load_events(files).frame)
    timings["asisdk load_events (evtx, flattened)"] = (rows, time.perf_counter() - started)

    # A frame per file, joined: what load_events did before small files were pooled.
    started = time.perf_counter()
    rows = len(concat_frames([load_events([f]).frame for f in files]))
    timings["asisdk, one frame per file (before)"] = (rows, time.perf_counter() - started)

    started = time.perf_counter()
    count = 0
    for file in files:
        parser = evtx.PyEvtxParser(str(file))
        for record in parser.records_json():
            json.loads(record["data"])
            count += 1
    timings["evtx records_json + json.loads"] = (count, time.perf_counter() - started)

    started = time.perf_counter()
    count = 0
    for file in files:
        with Evtx(str(file)) as log:
            for record in log.records():
                record.xml()
                count += 1
    timings["python-evtx records().xml()"] = (count, time.perf_counter() - started)

    print(f"\nEVTX: {len(files)} real files, {size:.1f} MB")
    print(f"{'reader':<40}{'events':>9}{'seconds':>10}{'events/s':>12}")
    for name, (n, seconds) in timings.items():
        print(f"{name:<40}{n:>9,}{seconds:>9.2f}s{n / seconds:>12,.0f}")

    def rate(name: str) -> float:
        n, seconds = timings[name]
        return n / seconds

    ours = rate("asisdk load_events (evtx, flattened)")
    print(f"asisdk / python-evtx: {ours / rate('python-evtx records().xml()'):.1f}x events/s")
    print(f"asisdk / raw evtx: {ours / rate('evtx records_json + json.loads'):.2f}x events/s")
    print(f"pooled / one frame per file: {ours / rate('asisdk, one frame per file (before)'):.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--skip-jsonl", action="store_true")
    parser.add_argument("--skip-evtx", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child)))
        return
    if not args.skip_jsonl:
        bench_jsonl(args.events)
    if not args.skip_evtx:
        bench_evtx()


if __name__ == "__main__":
    main()
