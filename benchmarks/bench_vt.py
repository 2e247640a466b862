"""VirusTotal batch throughput against a quota-enforcing loopback server, asisdk vs vt-py,
and the cost of the blocking door (``asisdk.sync``).

The server (tests/_support/loopback.py, run as a separate process on 127.0.0.1) answers like the
VirusTotal v3 API and enforces a fixed-window quota: more than ``quota`` requests in one window
are answered 429 ``QuotaExceededError``. The workload is 2,000 observables (domains, IPs, URLs,
file hashes) of which 25% are duplicates (1,500 distinct).

Runs, back to back in the same process against the same server:

1. **asisdk** ``VirusTotalClient.lookup_many`` told the quota (even spacing, de-duplication,
   retries);
1b. **asisdk.sync** the same call through the blocking door (same engine, one private loop
   on a background thread): the same quota use is expected;
2. **vt-py** ``asyncio.gather`` over ``Client.get_object_async`` for every input (what the issue
   asks to compare against: vt-py has no throttling, de-duplication or retries);
3. **vt-py + aiolimiter** ``AsyncLimiter(quota, window)`` around each call (the usual fix:
   shows that the default leaky bucket bursts and still draws 429s from a per-window quota).

Time is scaled to keep the run short: ``--time-scale 10`` (default) means a 600-requests-per-
6-seconds quota, which is 600/min ten times faster. Rates are reported in real requests per
window and as the equivalent requests per minute at the unscaled quota; the fraction of the
quota is the same at any scale. ``--time-scale 1`` runs the real 600/min (about 2.5 minutes for
asisdk alone).

Then the **door's overhead per call**: ``asisdk.sync.VirusTotalClient.lookup`` of a value that
needs no request (it is reported ``invalid`` locally) against the same coroutine awaited
inside the door's own loop; the difference is what the door adds per call (thread hop,
future, result hand-back). Median of ``--door-calls`` calls each, target < 100 µs.

vt-py and aiolimiter are not project dependencies (asisdk paces requests with its own window
limiter, ``asisdk/_window_limiter.py``): install them beside asisdk
(``bench_vt.requirements.txt``; ``nox -s bench -- vt`` does). Without vt-py its rows are
skipped, without aiolimiter the throttled vt-py row, and each is said so.

Usage::

    python benchmarks/bench_vt.py [--time-scale 10] [--observables 2000] [--skip-naive]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "tests" / "_support" / "loopback.py"
QUOTA_PER_MINUTE = 600


@dataclass
class RunResult:
    name: str
    inputs: int
    elapsed: float
    requests: int
    sent_429: int
    max_per_window: int
    found: int
    failed_429: int
    failed_other: int
    full_windows: list[int]


def make_observables(count: int, duplicate_share: float, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    distinct_count = round(count * (1 - duplicate_share))
    distinct: list[str] = []
    for n in range(distinct_count):
        pick = n % 4
        if pick == 0:
            distinct.append(f"host{n}.bench{n % 97}.example")
        elif pick == 1:
            distinct.append(f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")
        elif pick == 2:
            distinct.append(hashlib.sha256(f"file{n}".encode()).hexdigest())
        else:
            distinct.append(f"https://site{n}.example/path/{n}?q={n}")
    values = distinct + [rng.choice(distinct) for _ in range(count - distinct_count)]
    rng.shuffle(values)
    return values


def vt_path(value: str) -> str:
    """The v3 path vt-py is asked for (same kinds as asisdk detects)."""
    import vt

    if value.startswith("https://"):
        return f"/urls/{vt.url_id(value)}"
    if value.count(".") == 3 and value.replace(".", "").isdigit():
        return f"/ip_addresses/{value}"
    if len(value) == 64 and "." not in value:
        return f"/files/{value}"
    return f"/domains/{value}"


class Server:
    def __init__(self, quota: int, window: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(SERVER), "--quota", str(quota), "--window", str(window)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"loopback server did not start: {line!r}")
        self.base = f"http://127.0.0.1:{int(line.split()[1])}"

    def call(self, path: str) -> dict[str, Any]:
        with urllib.request.urlopen(self.base + path) as answer:
            return json.loads(answer.read())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def collect(
    name: str,
    server: Server,
    inputs: int,
    elapsed: float,
    found: int,
    failed_429: int,
    failed_other: int,
    quota: int,
) -> RunResult:
    stats = server.call("/__stats")
    windows = [int(v) for v in stats["per_window"].values()]
    return RunResult(
        name=name,
        inputs=inputs,
        elapsed=elapsed,
        requests=stats["requests"],
        sent_429=stats["sent_429"],
        max_per_window=stats["max_per_window"],
        found=found,
        failed_429=failed_429,
        failed_other=failed_other,
        full_windows=windows,
    )


async def run_asisdk(
    server: Server,
    values: list[str],
    quota: int,
    window: float,
    concurrency: int,
    jitter_seconds: float | None,
) -> RunResult:
    from asisdk import RateLimit, RequestLimits
    from asisdk.virustotal import VirusTotalClient, VtStatus

    jitter = {} if jitter_seconds is None else {"jitter": jitter_seconds}
    server.call("/__reset")
    async with VirusTotalClient(
        "bench-key",
        base_url=f"{server.base}/api/v3",
        # The quota as the service states it: 600 per window (600/min at time scale 1).
        limits=RequestLimits(
            rates=[RateLimit(max_requests=quota, period=window, **jitter)],
            max_concurrency=concurrency,
        ),
    ) as client:
        started = time.perf_counter()
        reports = await client.lookup_many(values)
        elapsed = time.perf_counter() - started
    found = sum(r.status is VtStatus.FOUND for r in reports)
    failed_429 = sum(
        r.status is VtStatus.QUOTA_EXHAUSTED or "status=429" in (r.error or "") for r in reports
    )
    return collect(
        "asisdk lookup_many",
        server,
        len(values),
        elapsed,
        found,
        failed_429,
        len(values) - found - failed_429,
        quota,
    )


def run_door(
    server: Server,
    values: list[str],
    quota: int,
    window: float,
    concurrency: int,
    jitter_seconds: float | None,
) -> RunResult:
    """The same batch through the blocking door (no event loop in this thread)."""
    import asisdk.sync
    from asisdk import RateLimit, RequestLimits
    from asisdk.virustotal import VtStatus

    jitter = {} if jitter_seconds is None else {"jitter": jitter_seconds}
    server.call("/__reset")
    with asisdk.sync.VirusTotalClient(
        "bench-key",
        base_url=f"{server.base}/api/v3",
        limits=RequestLimits(
            rates=[RateLimit(max_requests=quota, period=window, **jitter)],
            max_concurrency=concurrency,
        ),
    ) as client:
        started = time.perf_counter()
        reports = client.lookup_many(values)
        elapsed = time.perf_counter() - started
    found = sum(r.status is VtStatus.FOUND for r in reports)
    failed_429 = sum(
        r.status is VtStatus.QUOTA_EXHAUSTED or "status=429" in (r.error or "") for r in reports
    )
    return collect(
        "asisdk.sync lookup_many (blocking door)",
        server,
        len(values),
        elapsed,
        found,
        failed_429,
        len(values) - found - failed_429,
        quota,
    )


def door_overhead(calls: int) -> tuple[float, float, float, float]:
    """Seconds per call: the median through the door, the median awaited in the door's loop,
    their difference, and the difference of the fastest tenths (what an idle machine shows)."""
    import statistics

    import asisdk.sync
    from asisdk.virustotal import VtStatus

    value = "not an observable"  # reported invalid without a request: no I/O to time
    with asisdk.sync.VirusTotalClient("bench-key", requests_per_minute=None) as door:
        assert door.lookup(value).status is VtStatus.INVALID  # warm up (loop thread started)
        blocking = []
        for _ in range(calls):
            started = time.perf_counter()
            door.lookup(value)
            blocking.append(time.perf_counter() - started)

        async def direct() -> list[float]:
            times = []
            for _ in range(calls):
                started = time.perf_counter()
                await door.aio.lookup(value)
                times.append(time.perf_counter() - started)
            return times

        awaited = asisdk.sync._PORTAL.call(direct())
    through, inside = statistics.median(blocking), statistics.median(awaited)
    fast = statistics.quantiles(blocking, n=10)[0] - statistics.quantiles(awaited, n=10)[0]
    return through, inside, through - inside, fast


def vtpy_available() -> bool:
    try:
        import vt  # noqa: F401
    except ImportError:
        return False
    return True


def aiolimiter_available() -> bool:
    try:
        import aiolimiter  # noqa: F401
    except ImportError:
        return False
    return True


async def run_vtpy(
    server: Server, values: list[str], quota: int, window: float, throttle: bool
) -> RunResult:
    import vt

    limiter = None
    if throttle:
        from aiolimiter import AsyncLimiter

        limiter = AsyncLimiter(quota, window)
    server.call("/__reset")

    async with vt.Client("bench-key", host=server.base) as client:

        async def one(value: str) -> object:
            if limiter is None:
                return await client.get_object_async(vt_path(value))
            async with limiter:
                return await client.get_object_async(vt_path(value))

        started = time.perf_counter()
        results = await asyncio.gather(*(one(v) for v in values), return_exceptions=True)
        elapsed = time.perf_counter() - started
    found = sum(isinstance(r, vt.Object) for r in results)
    failed_429 = sum(
        isinstance(r, vt.APIError) and r.code in ("QuotaExceededError", "TooManyRequestsError")
        for r in results
    )
    name = "vt-py + AsyncLimiter(quota, window)" if throttle else "vt-py gather(get_object_async)"
    return collect(
        name,
        server,
        len(values),
        elapsed,
        found,
        failed_429,
        len(values) - found - failed_429,
        quota,
    )


def report(result: RunResult, quota: int, window: float, scale: float) -> float:
    # The achieved request rate while the run lasted, relative to the quota rate.
    quota_rate = quota / window
    served = result.requests - result.sent_429
    rate = served / result.elapsed if result.elapsed else 0.0
    fraction = rate / quota_rate
    per_minute = rate * 60.0 / scale
    print(f"\n{result.name}")
    print(
        f"  inputs {result.inputs}, requests sent {result.requests}, elapsed {result.elapsed:.2f} s"
    )
    print(
        f"  lookups found {result.found}/{result.inputs}; failed with 429 surfaced "
        f"{result.failed_429}; other failures {result.failed_other}"
    )
    print(
        f"  server: 429 answers {result.sent_429}, busiest window {result.max_per_window} "
        f"(quota {quota}); per-window counts {result.full_windows}"
    )
    if result.elapsed < window:
        print(
            "  finished inside one quota window: its rate is not comparable; what counts is the "
            "lookups lost to 429"
        )
        return float("nan")
    print(
        f"  accepted requests/min (equivalent at 1x): {per_minute:.1f} of {QUOTA_PER_MINUTE} "
        f"= {fraction:.3f} of the quota"
    )
    return fraction


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--time-scale", type=float, default=10.0)
    parser.add_argument("--observables", type=int, default=2000)
    parser.add_argument("--duplicates", type=float, default=0.25)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--jitter",
        type=float,
        default=None,
        help="RateLimit.jitter in seconds (default: the library's, scaled like the window)",
    )
    parser.add_argument("--skip-naive", action="store_true", help="skip vt-py + AsyncLimiter")
    parser.add_argument("--door-calls", type=int, default=2000, help="calls timed per door run")
    args = parser.parse_args()

    window = 60.0 / args.time_scale
    quota = QUOTA_PER_MINUTE
    if args.jitter is None:
        # The delay jitter a 60 s window absorbs, scaled with the window like every other time.
        from asisdk._policies import RATE_JITTER

        args.jitter = RATE_JITTER / args.time_scale
    values = make_observables(args.observables, args.duplicates)
    print(
        f"bench_vt: {len(values)} observables ({len(set(values))} distinct), quota {quota} per "
        f"{window:g} s window (= {QUOTA_PER_MINUTE}/min at time scale {args.time_scale:g}x), "
        f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}"
    )
    has_vtpy = vtpy_available()
    server = Server(quota, window)
    theirs: RunResult | None = None
    try:
        ours = asyncio.run(run_asisdk(server, values, quota, window, args.concurrency, args.jitter))
        ours_fraction = report(ours, quota, window, args.time_scale)
        time.sleep(0.1)
        door = run_door(server, values, quota, window, args.concurrency, args.jitter)
        door_fraction = report(door, quota, window, args.time_scale)
        if has_vtpy:
            # Let the quota window roll over so vt-py starts with a fresh window.
            time.sleep(0.1)
            theirs = asyncio.run(run_vtpy(server, values, quota, window, throttle=False))
            report(theirs, quota, window, args.time_scale)
            if not args.skip_naive and aiolimiter_available():
                naive = asyncio.run(run_vtpy(server, values, quota, window, throttle=True))
                report(naive, quota, window, args.time_scale)
            elif not args.skip_naive:
                print(
                    "\naiolimiter is not installed: the vt-py + aiolimiter row is skipped "
                    "(pip install -r benchmarks/bench_vt.requirements.txt)"
                )
        else:
            print(
                "\nvt-py is not installed: its rows are skipped "
                "(pip install -r benchmarks/bench_vt.requirements.txt)"
            )
    finally:
        server.stop()
    through, inside, overhead, fast = door_overhead(args.door_calls)

    print("\nsummary")
    print(
        f"  asisdk:      {ours_fraction:.3f} of the quota (target >= 0.97), "
        f"{ours.failed_429} 429s surfaced, {ours.sent_429} 429s seen by the server, "
        f"{ours.found}/{ours.inputs} found with {ours.requests} requests"
    )
    print(
        f"  asisdk.sync: {door_fraction:.3f} of the quota (target >= 0.97), "
        f"{door.failed_429} 429s surfaced, {door.sent_429} 429s seen by the server, "
        f"{door.found}/{door.inputs} found with {door.requests} requests"
    )
    print(
        f"  door overhead per call: {overhead * 1e6:.1f} us (target < 100 us): "
        f"{through * 1e6:.1f} us through asisdk.sync vs {inside * 1e6:.1f} us awaited in its "
        f"loop, median of {args.door_calls} calls each; {fast * 1e6:.1f} us between the "
        f"fastest tenths; load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cpus"
    )
    if theirs is not None:
        print(
            f"  vt-py:       {theirs.found}/{theirs.inputs} found, {theirs.failed_429} 429s "
            f"surfaced, {theirs.requests} requests"
        )
        ratio = ours.found / theirs.found if theirs.found else float("inf")
        print(f"  completed lookups, asisdk / vt-py: {ratio:.2f}x")
        print(f"  completed lookups, asisdk.sync / vt-py: {door.found / max(theirs.found, 1):.2f}x")


if __name__ == "__main__":
    main()
