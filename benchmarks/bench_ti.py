"""Threat-intelligence batch lookups across four providers on quota-enforcing loopback servers.

Four servers (``tests/ti/servers.py``, a separate process on 127.0.0.1) answer like AlienVault
OTX, AbuseIPDB, GreyNoise Community and CIRCL hashlookup in their documented shapes, each
enforcing its own fixed-window quota with its own quota answer (a 429). The workload is 2,000
observables (25% duplicates: 1,500 distinct) of mixed types, real ones first (hashes from the
MDE process events and URLs of msticpy's test data, domains from Loghub's Proxifier log, IPs
from Loghub's OpenSSH log, under ``../shared/data``), padded with generated public values.

Quotas are time-scaled: each provider's window is shrunk to ``--window`` seconds (6 by
default) and its count chosen so that the four runs take comparable times (OTX 300, AbuseIPDB
90, GreyNoise 75, CIRCL 120 per window, about 100 requests per second in all; the real ones are
10,000 per hour, 1,000 and 100 per day, and none published). The fraction of the quota used
does not depend on the scale; ``--quota-scale 2`` doubles every count (a faster run that needs
more CPU: on a loaded machine the client then falls behind its quota).

Runs, back to back against the same servers:

1. **asisdk** ``ThreatIntel.lookup_many`` with a fresh cache: per provider, the quota used in
   the full windows of its run, 429s sent, and its own run time; the wall time of the whole
   batch against the slowest provider (concurrent) and the sum (sequential);
2. **asisdk, cached**: the same batch again, answered from the cache (requests sent: 0);
3. **msticpy 3.0.2** ``TILookup.lookup_iocs`` with the same four providers pointed at the
   same servers, when msticpy is installed in the interpreter given by ``--msticpy-python``
   (it is not an asisdk dependency; ``pip install msticpy==3.0.2`` in a separate venv).

Usage::

    python benchmarks/bench_ti.py [--window 6] [--observables 2000] \
        [--msticpy-python /tmp/mstic-venv/bin/python]
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
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
SERVERS = ROOT / "tests" / "ti" / "servers.py"
DATA = ROOT.parent / "shared" / "data"
#: Requests per window each server allows (time-scaled; see the module docstring).
QUOTAS = {"otx": 300, "abuseipdb": 90, "greynoise": 75, "circl": 120}
ROOTS = {"otx": "/api/v1", "abuseipdb": "/api/v2", "greynoise": "/v3", "circl": ""}
KEYS = {"otx": "bench-otx-key", "abuseipdb": "bench-abuseipdb-key", "greynoise": "bench-gn-key"}
SHARES = {"ipv4": 0.3, "dns": 0.3, "url": 0.1, "hash": 0.3}


def real_indicators() -> dict[str, list[str]]:
    """Public indicators found in the shared real data, by kind (asisdk's extractor)."""
    from asisdk.ioc import IocExtractor

    extractor = IocExtractor(include_private=False)
    sources = {
        "ipv4": [DATA / "loghub2k" / "OpenSSH" / "OpenSSH_2k.log_structured.csv"],
        "dns": [DATA / "loghub2k" / "Proxifier" / "Proxifier_2k.log_structured.csv"],
        "url": [DATA / "events" / "msticpy" / "mde_proc_cs1.csv"],
        "hash": [DATA / "events" / "msticpy" / "mde_proc_cs1.csv"],
    }
    types = {"ipv4": ["ipv4"], "dns": ["dns"], "url": ["url"], "hash": ["md5", "sha1", "sha256"]}
    found: dict[str, list[str]] = {}
    for kind, files in sources.items():
        values: set[str] = set()
        for file in files:
            text = file.read_text(encoding="utf-8", errors="replace")
            for name, hits in extractor.extract(text, types=types[kind]).items():
                values |= {v for v in hits if name != "url" or "10." not in v}
        found[kind] = sorted(values)
    return found


def make_observables(count: int, duplicate_share: float, seed: int = 21) -> list[str]:
    rng = random.Random(seed)
    distinct_count = round(count * (1 - duplicate_share))
    real = real_indicators()
    distinct: list[str] = []
    for kind, share in SHARES.items():
        want = round(distinct_count * share)
        values = real[kind][:want]
        n = 0
        while len(values) < want:
            n += 1
            if kind == "ipv4":
                values.append(f"185.{100 + n // 65536 % 100}.{n // 256 % 256}.{n % 256}")
            elif kind == "dns":
                values.append(f"host{n}.bench-ti{n % 97}.com")
            elif kind == "url":
                values.append(f"https://site{n}.bench-ti.com/path/{n}?q={n}")
            else:
                values.append(hashlib.sha256(f"bench-file-{n}".encode()).hexdigest())
        distinct.extend(values)
    distinct = distinct[:distinct_count]
    values = distinct + [rng.choice(distinct) for _ in range(count - len(distinct))]
    rng.shuffle(values)
    return values


def start_servers(window: float) -> tuple[subprocess.Popen[str], dict[str, int]]:
    args = [sys.executable, str(SERVERS), "--window", str(window)]
    for name, quota in QUOTAS.items():
        args += ["--quota", f"{name}={quota}"]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    ports = json.loads(process.stdout.readline())
    return process, ports


def server_call(port: int, path: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
        result: dict[str, Any] = json.loads(answer.read())
        return result


def provider_figures(stats: dict[str, Any], quota: int) -> dict[str, Any]:
    windows = {int(k): v for k, v in stats["per_window"].items()}
    if not windows:
        return {"requests": 0, "sent_429": 0, "quota_use": None, "seconds": 0.0}
    first, last = min(windows), max(windows)
    full = [windows.get(w, 0) for w in range(first + 1, last)]
    use = sum(full) / (len(full) * quota) if full else None
    return {
        "requests": stats["requests"],
        "sent_429": stats["sent_429"],
        "max_per_window": max(windows.values()),
        "full_windows": len(full),
        "quota_use": None if use is None else round(use, 4),
        "seconds": round((stats["last"] or 0) - (stats["first"] or 0), 2),
    }


async def run_asisdk(
    ports: dict[str, int], values: list[str], window: float, cache: Path, concurrency: int = 4
) -> dict[str, Any]:
    from asisdk._http import RateLimit, RequestLimits
    from asisdk.config import Config
    from asisdk.ti import ThreatIntel, make_provider

    providers = []
    for name, quota in QUOTAS.items():
        options: dict[str, Any] = {
            "base_url": f"http://127.0.0.1:{ports[name]}{ROOTS[name]}",
            "limits": RequestLimits(
                rates=[RateLimit(max_requests=quota, period=window)],
                max_concurrency=concurrency,
            ),
            "config": Config(),
        }
        if name in KEYS:
            options["api_key"] = KEYS[name]
        providers.append(make_provider(name, **options))
    async with ThreatIntel(providers, cache=cache) as ti:
        started, cpu = time.perf_counter(), time.process_time()
        reports = await ti.lookup_many(values)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    for provider in providers:
        await provider.aclose()
    statuses: dict[str, int] = {}
    for report in reports:
        for result in report.results:
            statuses[result.status.value] = statuses.get(result.status.value, 0) + 1
    return {"seconds": round(elapsed, 2), "client_cpu_seconds": round(cpu, 2), "statuses": statuses}


def run_msticpy(python: str, ports: dict[str, int], values: list[str]) -> dict[str, Any] | None:
    driver = Path(__file__).with_name("bench_ti_msticpy.py")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ports": ports, "values": values, "keys": KEYS}, handle)
    done = subprocess.run(
        [python, str(driver), handle.name], capture_output=True, text=True, timeout=1800
    )
    Path(handle.name).unlink()
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--window", type=float, default=6.0)
    parser.add_argument("--observables", type=int, default=2000)
    parser.add_argument("--duplicates", type=float, default=0.25)
    parser.add_argument("--quota-scale", type=float, default=1.0)
    parser.add_argument("--msticpy-python", help="a python with msticpy 3.0.2 installed")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="requests in flight per provider (default 4)"
    )
    args = parser.parse_args()
    for name in QUOTAS:
        QUOTAS[name] = round(QUOTAS[name] * args.quota_scale)
    values = make_observables(args.observables, args.duplicates)
    process, ports = start_servers(args.window)
    report: dict[str, Any] = {
        "observables": len(values),
        "distinct": len(set(values)),
        "window_seconds": args.window,
        "quotas_per_window": QUOTAS,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "concurrency_per_provider": args.concurrency,
    }
    try:
        with tempfile.TemporaryDirectory() as folder:
            cache = Path(folder) / "ti.sqlite"
            for port in ports.values():
                server_call(port, "/__ti_reset")
            fresh = asyncio.run(run_asisdk(ports, values, args.window, cache, args.concurrency))
            per = {
                name: provider_figures(server_call(ports[name], "/__ti_stats"), QUOTAS[name])
                for name in QUOTAS
            }
            fresh["providers"] = per
            slowest = max(p["seconds"] for p in per.values())
            fresh["slowest_provider_seconds"] = slowest
            fresh["sum_of_providers_seconds"] = round(sum(p["seconds"] for p in per.values()), 2)
            fresh["wall_over_slowest"] = round(fresh["seconds"] / slowest, 3)
            report["asisdk"] = fresh
            for port in ports.values():
                server_call(port, "/__ti_reset")
            cached = asyncio.run(run_asisdk(ports, values, args.window, cache))
            cached["requests"] = sum(
                server_call(ports[n], "/__ti_stats")["requests"] for n in QUOTAS
            )
            report["asisdk_cached"] = cached
        if args.msticpy_python:
            for port in ports.values():
                server_call(port, "/__ti_reset")
            mstic = run_msticpy(args.msticpy_python, ports, values)
            if mstic is not None:
                mstic["providers"] = {
                    name: provider_figures(server_call(ports[name], "/__ti_stats"), QUOTAS[name])
                    for name in QUOTAS
                }
                report["msticpy"] = mstic
                report["msticpy_over_asisdk_seconds"] = round(
                    mstic["seconds"] / report["asisdk"]["seconds"], 2
                )
        else:
            report["msticpy"] = "not run (pass --msticpy-python)"
    finally:
        process.terminate()
        process.wait(timeout=10)
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
