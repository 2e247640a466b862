"""Do the attack events come out on top? Findings ranking on labelled Windows attack logs.

For every file of ``../shared/data/evtx`` (real attack-technique logs, labels naming the
events an analyst must see; see its README) this runs ``run_triage`` and reads the ranked
findings: the rank of the first finding holding a labelled event, and recall@10 / recall@25
(labelled events among the events of the first 10 / 25 findings, over the file's labelled
events). The peer is a random order of the file's events (expected recall@k = min(k, N)/N),
reported in the same run as a ratio.

Targets (issue 18): a labelled event in the top 10 for at least 90% of files, mean
recall@25 of at least 0.8.

Run: ``PYTHONPATH=src python benchmarks/bench_triage_labels.py`` (``--sigma`` adds the Sigma
engine's matches of the Windows rules in ``../shared/data/sigma`` when ``asisdk.sigma`` is
installed).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

from asisdk.executors import InlineExecutor
from asisdk.pipeline import load_events, run_triage

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "evtx"


def labels() -> dict[str, set[int]]:
    found: dict[str, set[int]] = defaultdict(set)
    for line in (DATA / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            found[row["file"]].add(int(row["line"]))
    return found


def ranked_rows(findings: pd.DataFrame) -> list[set[int]]:
    """The event rows (``asi_row``) of each finding, best first."""
    out: list[set[int]] = []
    for rows in findings["asi_rows"].astype(str):
        out.append({int(r) for r in rows.split(";") if r.strip().isdigit()})
    return out


def measure(rows: list[set[int]], wanted: set[int], events: int) -> dict[str, Any]:
    first = math.inf
    for rank, covered in enumerate(rows, start=1):
        if covered & wanted:
            first = rank
            break

    def recall(k: int) -> float:
        hit: set[int] = set().union(*rows[:k]) if rows[:k] else set()
        return len(hit & wanted) / len(wanted)

    return {
        "first_hit": first,
        "recall@10": recall(10),
        "recall@25": recall(25),
        "random@10": min(10, events) / events,
        "random@25": min(25, events) / events,
    }


SIGMA_RULES = DATA.parent / "sigma" / "rules" / "windows"


def _sigma() -> Any:
    try:
        from asisdk.sigma import SigmaRules  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        print("asisdk.sigma is not installed: ranking without Sigma", file=sys.stderr)
        return None
    rules = SigmaRules.from_paths(SIGMA_RULES)
    return rules.match


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sigma", action="store_true", help="add Sigma matches")
    parser.add_argument("--verbose", action="store_true", help="print the top 5 per file")
    args = parser.parse_args()
    wanted = labels()
    sigma = _sigma() if args.sigma else None
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(wanted):
            plain = Path(tmp) / name.removesuffix(".gz")
            plain.write_bytes(gzip.decompress((DATA / "data" / name).read_bytes()))
            result = run_triage(load_events([plain]), executor=InlineExecutor(), sigma=sigma)
            found = ranked_rows(result.findings)
            scores = measure(found, wanted[name], len(result.events))
            rows.append(
                {
                    "file": name.removesuffix(".jsonl.gz"),
                    "events": len(result.events),
                    "labels": len(wanted[name]),
                    "findings": len(found),
                    **scores,
                }
            )
            if args.verbose:
                top = result.findings.head(5)
                for t in top.itertuples():
                    mark = "*" if ranked_rows(top.iloc[[t.Index]])[0] & wanted[name] else " "
                    print(
                        f"  {mark}{t.rank:>3} {t.score:>4} {t.asi_rows[:20]:<20} {t.reason_kinds}"
                    )
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 60)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    hit10 = float((table["first_hit"] <= 10).mean())
    r10, r25 = table["recall@10"].mean(), table["recall@25"].mean()
    rand10, rand25 = table["random@10"].mean(), table["random@25"].mean()
    median = statistics.median(table["first_hit"])
    print()
    print(f"files: {len(table)}, labelled events: {int(table['labels'].sum())}")
    print(f"first labelled event in the top 10: {hit10:.0%} of files (target 90%)")
    print(f"median rank of the first labelled event: {median}")
    print(f"recall@10 {r10:.3f} (random {rand10:.3f}, ratio {r10 / rand10:.2f}x)")
    print(f"recall@25 {r25:.3f} (random {rand25:.3f}, ratio {r25 / rand25:.2f}x; target 0.8)")
    big = table[table["events"] >= 100]
    if len(big):
        print(
            f"files of 100+ events ({len(big)}): recall@10 {big['recall@10'].mean():.3f} "
            f"(random {big['random@10'].mean():.3f}), recall@25 {big['recall@25'].mean():.3f} "
            f"(random {big['random@25'].mean():.3f})"
        )


if __name__ == "__main__":
    main()
