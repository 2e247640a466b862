"""Benchmark: ``asisdk triage`` end to end: time and peak memory, each run in a fresh process.

Two inputs (``--source``):

* ``sysmon`` (default): 300,531 real Sysmon events in JSON lines (about 540 MB), built from
  the OTRF data in ``../shared/data`` (``_sysmon_events.py``): the issue's target is under
  60 s and under 1.5 GB peak RSS on 2 cores.
* ``sample``: 100,000 events made from the bundled sample as a CSV (below).

The sample events are the 642 real OTRF events of the bundled sample, replicated with variations so
that the work is not one cache hit repeated: every copy gets its own host names, process and
logon ids and a shifted time; numbers in command lines change; and every encoded PowerShell
payload is decoded, given a distinct trailing comment and re-encoded, so each copy's payload
really has to be decoded again.

Each configuration runs in a fresh Python process (peak memory is per process), through the
same library calls as the command line: load the CSV, decode, extract indicators, group
patterns, geolocate (embedded or configured GeoIP database; skipped when there is none) and
write every output file. No VirusTotal (the target excludes it).

Sigma is on, as ``asisdk triage`` runs by default (the bundled SigmaHQ pack; ``--no-sigma``
turns it off, ``--compare-no-sigma`` runs both side by side). There is no end-to-end peer
to race (``bench_sigma.py`` races the Sigma engine against the Zircolite approach): the
printed ratios are 1 worker vs 2 workers, Sigma on vs off, and each run against the 60 s
target for 100,000 events on 2 cores. CPU seconds (this process and its workers) are printed
beside wall time, since a machine shared with other work inflates only the wall time.

Peak RSS is the triage process's own (``ru_maxrss``) and, separately, the largest worker's.

Usage::

    python benchmarks/bench_triage.py                             # 300,531 Sysmon events, 2 workers
    python benchmarks/bench_triage.py --source sample --workers 1 2   # 100,000 sample events
    python benchmarks/bench_triage.py --source sample --compare-no-sigma  # Sigma on vs off
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

TARGET_SECONDS = 60.0
TARGET_RSS_MB = 1536.0
SYSMON_EVENTS = 300_531
_ENC = re.compile(r"(-enc(?:odedcommand)?\s+)([A-Za-z0-9+/=]{40,})", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![A-Za-z0-9])\d{2,}(?![A-Za-z0-9])")


def _vary_payload(match: re.Match[str], copy: int) -> str:
    try:
        script = base64.b64decode(match.group(2)).decode("utf-16-le")
    except (ValueError, UnicodeDecodeError):
        return match.group(0)
    varied = f"{script};#{copy}"
    return match.group(1) + base64.b64encode(varied.encode("utf-16-le")).decode()


def make_events(n_events: int, seed: int = 7) -> pd.DataFrame:
    """``n_events`` events: copies of the sample with per-copy variations."""
    from asisdk.data import sample_events_frame

    rng = random.Random(seed)
    base = sample_events_frame()
    copies: list[pd.DataFrame] = []
    total = 0
    copy = 0
    while total < n_events:
        frame = base.copy()
        frame["TimeCreated"] = frame["TimeCreated"] + pd.Timedelta(hours=copy)
        frame["Hostname"] = frame["Hostname"].str.replace(
            r"^([A-Za-z]+)\d*", lambda m, c=copy: f"{m.group(1)}{c % 97}", regex=True
        )
        frame["ProcessId"] = [str(rng.randint(100, 65000)) if v else v for v in frame["ProcessId"]]
        frame["LogonId"] = [
            hex(rng.randint(0x10000, 0xFFFFFFF)) if v else v for v in frame["LogonId"]
        ]

        def vary(text: str, c: int = copy) -> str:
            if not text:
                return text
            text = _ENC.sub(lambda m: _vary_payload(m, c), text)
            if rng.random() < 0.3:
                text = _NUMBER.sub(lambda m: str(rng.randint(10, 99999)), text)
            return text

        frame["CommandLine"] = frame["CommandLine"].map(vary)
        frame["ParentCommandLine"] = frame["ParentCommandLine"].map(vary)
        copies.append(frame)
        total += len(frame)
        copy += 1
    return pd.concat(copies, ignore_index=True).head(n_events)


def _workers_peak_mb(executor: object) -> float:
    """Largest peak RSS (VmHWM) among a process pool's workers, read from /proc."""
    processes = getattr(executor, "_processes", None) or {}
    peak = 0.0
    for pid in list(processes):
        try:
            status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]) / 1024)
    return peak


def _workers_cpu_seconds(executor: object) -> float:
    """CPU seconds (user + system) the pool's workers used so far, read from /proc.

    The workers are children of the forkserver, not of this process, so ``RUSAGE_CHILDREN``
    never sees them.
    """
    processes = getattr(executor, "_processes", None) or {}
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in list(processes):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def run_one(path: Path, workers: int, out: Path, *, sigma: bool = True) -> dict[str, object]:
    """One triage in this process; returns timings and peak memory.

    With ``sigma`` (the command's default) the bundled Sigma pack matches the events, as
    ``asisdk triage`` does without ``--no-sigma``; loading the pack is timed as ``rules``.
    """
    import warnings

    from asisdk.cli._common import workers_executor
    from asisdk.geo import GeoDatabaseError, GeoIpDatabase
    from asisdk.pipeline import load_events, run_triage, write_report

    warnings.simplefilter("ignore")
    started = time.perf_counter()
    loaded = load_events([path])
    load_seconds = time.perf_counter() - started
    try:
        geo: GeoIpDatabase | None = GeoIpDatabase()
    except GeoDatabaseError:
        geo = None
    match = None
    if sigma:
        from asisdk.sigma import SigmaRules

        rules_started = time.perf_counter()
        match = SigmaRules.bundled().match
        rules_seconds = time.perf_counter() - rules_started
    with workers_executor(workers) as executor:
        result = run_triage(loaded, executor=executor, geo=geo, sigma=match)
        worker_peak = _workers_peak_mb(executor)
        worker_cpu = _workers_cpu_seconds(executor)
    result, _ = write_report(result, out, timeline="svg")
    total = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # CPU seconds of this process and its workers: what a busy machine cannot inflate the
    # way it inflates wall time.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime + worker_cpu
    return {
        "workers": workers,
        "events": len(result.events),
        "stages": {
            "load": load_seconds,
            **({"rules": rules_seconds} if sigma else {}),
            **{t.stage: t.seconds for t in result.timings},
        },
        "sigma": sigma,
        "sigma_matches": 0 if result.sigma_matches is None else len(result.sigma_matches),
        "total": total,
        "cpu_seconds": cpu,
        "peak_rss_mb": own,
        "peak_worker_rss_mb": worker_peak,
        "decoded": len(result.decoded),
        "iocs": len(result.iocs),
        "patterns": len(result.patterns),
        "geo": geo is not None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=["sysmon", "sample"], default="sysmon")
    parser.add_argument("--events", type=int, help="default: 300,531 (sysmon), 100,000 (sample)")
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    parser.add_argument(
        "--no-sigma",
        dest="sigma",
        action="store_false",
        help="triage without Sigma (the command's --no-sigma); by default Sigma is on",
    )
    parser.add_argument(
        "--compare-no-sigma",
        action="store_true",
        help="also run each worker count with --no-sigma, side by side",
    )
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)  # child mode: the CSV
    args = parser.parse_args()
    if args.run is not None:
        out = Path(tempfile.mkdtemp(prefix="bench-triage-out-"))
        print(json.dumps(run_one(args.run, args.workers[0], out, sigma=args.sigma)))
        return

    folder = Path(tempfile.mkdtemp(prefix="bench-triage-"))
    made = time.perf_counter()
    if args.source == "sysmon":
        from _sysmon_events import make_sysmon_jsonl

        args.events = args.events or SYSMON_EVENTS
        csv = folder / "sysmon.jsonl"
        make_sysmon_jsonl(csv, args.events)
    else:
        args.events = args.events or 100_000
        csv = folder / "events.csv"
        make_events(args.events).to_csv(csv, index=False)
    size = csv.stat().st_size / 1e6
    print(
        f"{args.events:,} events ({size:.0f} MB {csv.suffix[1:]}) made in "
        f"{time.perf_counter() - made:.1f}s; {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f}"
    )
    results = []
    configurations = [(w, args.sigma) for w in args.workers]
    if args.compare_no_sigma and args.sigma:
        configurations += [(w, False) for w in args.workers]
    for workers, sigma in configurations:
        command = [sys.executable, __file__, "--run", str(csv), "--workers", str(workers)]
        done = subprocess.run(
            [*command, *([] if sigma else ["--no-sigma"])],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    csv.unlink()
    stages = list(dict.fromkeys(s for r in results for s in r["stages"]))
    heads = [f"{r['workers']}w sigma {'on' if r['sigma'] else 'off'}" for r in results]
    print(f"\n{'stage':<10}" + "".join(f"{h:>16}" for h in heads))
    for stage in stages:
        print(f"{stage:<10}" + "".join(f"{r['stages'].get(stage, 0.0):>15.2f}s" for r in results))
    print(f"{'total':<10}" + "".join(f"{r['total']:>13.2f}s" for r in results))
    print(f"{'CPU time':<10}" + "".join(f"{r['cpu_seconds']:>13.2f}s" for r in results))
    print(f"{'peak RSS':<10}" + "".join(f"{r['peak_rss_mb']:>11.0f} MB" for r in results))
    print(f"{'worker RSS':<10}" + "".join(f"{r['peak_worker_rss_mb']:>11.0f} MB" for r in results))
    first = results[0]
    print(
        f"\nfound: {first['decoded']:,} decoded layers, {first['iocs']:,} indicators, "
        f"{first['patterns']:,} patterns, {first['sigma_matches']:,} Sigma matches; "
        f"geolocation {'on' if first['geo'] else 'off'}"
    )
    print(f"load average after the runs: {os.getloadavg()[0]:.2f}")
    for r in results:
        print(
            f"{r['workers']} worker(s), Sigma {'on' if r['sigma'] else 'off'}: "
            f"{r['total']:.1f}s = {r['total'] / TARGET_SECONDS:.2f} x "
            f"the {TARGET_SECONDS:.0f}s target ({args.events / r['total']:,.0f} events/s); "
            f"peak RSS {r['peak_rss_mb']:.0f} MB = {r['peak_rss_mb'] / TARGET_RSS_MB:.2f} x the "
            f"{TARGET_RSS_MB:.0f} MB target; {r['cpu_seconds']:.1f} CPU s"
        )
    if len(args.workers) > 1:
        print(
            f"speed-up {results[0]['workers']} -> {results[len(args.workers) - 1]['workers']} "
            f"workers: {results[0]['total'] / results[len(args.workers) - 1]['total']:.2f}x"
        )


if __name__ == "__main__":
    main()
