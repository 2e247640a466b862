"""False positives: the bundled Sigma rules over the benign events of ``../shared/data``.

Benign events:

* ``events/msticpy``: ``processes_on_host.csv`` (Security 4688 of one Azure lab host),
  ``host_logons.csv`` (4624) and ``mde_proc_cs1.csv`` (Defender for Endpoint process events):
  lab and agent background, unlabelled (one ``-enc`` PowerShell line is known);
* ``evtx/data/*.jsonl.gz``: every event that ``evtx/labels.jsonl`` does not label. The labels
  mark the attack steps; benign background is never labelled, though a repetition of an
  attack step may be left unlabelled too, so these counts are an upper bound.

Matches are counted per rule level (events x rules), with the rules at ``high``/``critical``
that fire listed with their author (DRL 1.1): worth a look, not a fix to the rule.

Run (after the engine is merged): ``python benchmarks/sigma_fp_report.py`` uses
``SigmaRules.bundled()`` (or ``--rules PATH`` with ``SigmaRules.from_paths``) and
``rules.match(frame)``. ``--reference sqlite`` counts the same with pySigma's SQLite backend
(the Zircolite approach, runnable without the engine); ``--both`` prints them side by side.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
LEVELS = ("critical", "high", "medium", "low", "informational")


def benign_frames() -> Iterator[tuple[str, pd.DataFrame]]:
    """``(name, events)`` of every benign event set, with ``asi_file`` and ``asi_row``."""
    msticpy = DATA / "events" / "msticpy"
    for name in ("processes_on_host.csv", "host_logons.csv", "mde_proc_cs1.csv"):
        frame = pd.read_csv(msticpy / name, dtype=str, index_col=0)
        if "EventID" in frame.columns:
            frame["Channel"] = "Security"  # Log Analytics SecurityEvent rows
        yield name, frame.assign(asi_file=name, asi_row=range(1, len(frame) + 1))
    labelled: set[tuple[str, int]] = set()
    for line in (DATA / "evtx" / "labels.jsonl").read_text("utf-8").splitlines():
        label = json.loads(line)
        labelled.add((label["file"], int(label["line"])))
    for path in sorted((DATA / "evtx" / "data").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle]
        frame = pd.DataFrame(rows).assign(asi_file=path.name, asi_row=range(1, len(rows) + 1))
        keep = [(path.name, row) not in labelled for row in frame["asi_row"]]
        yield path.name, frame[keep]


def _level(rule: Any) -> str:
    return rule.level.name.lower() if rule.level is not None else "none"


def engine_matches(frames: list[tuple[str, pd.DataFrame]], rules_path: str | None) -> pd.DataFrame:
    """Matches by asisdk's engine: one row per (event, rule) with level, title, author."""
    from asisdk.sigma import SigmaRules  # the engine (branch sigma-engine)
    from asisdk.sigma._pack import load_pack_collection

    if rules_path:
        rules = SigmaRules.from_paths(rules_path)
    elif hasattr(SigmaRules, "bundled"):
        rules = SigmaRules.bundled()
    else:
        rules = SigmaRules.from_collection(load_pack_collection())
    found = []
    for _, frame in frames:
        matches = rules.match(frame)
        table = matches.frame if hasattr(matches, "frame") else matches.to_frame()
        found.append(table.rename(columns={"rule_title": "title"}))
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame()


def sqlite_matches(frames: list[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """The same count with pySigma's SQLite backend, one in-memory table per event set."""
    from asisdk.queries._sigma import _sqlite_query, sqlite_table
    from asisdk.sigma._pack import load_pack_collection

    rules = load_pack_collection().rules
    queries: dict[int, str] = {}
    for index, rule in enumerate(rules):
        try:
            queries[index] = _sqlite_query(rule)
        except Exception:  # a rule the backend cannot convert is not counted
            continue
    prefix = "SELECT * FROM logs WHERE "
    found: list[dict[str, object]] = []
    for name, frame in frames:
        table = sqlite_table(frame.astype("string"))
        connection = sqlite3.connect(":memory:")
        table.to_sql("logs", connection, index=False)
        for index, sql in queries.items():
            statement = f"SELECT asi_row FROM logs WHERE {sql[len(prefix) :]}"
            for _ in range(64):
                try:
                    hits = [row[0] for row in connection.execute(statement)]
                    break
                except sqlite3.OperationalError as exc:
                    if "no such column: " not in str(exc):
                        hits = []
                        break
                    column = str(exc).split("no such column: ", 1)[1].replace('"', '""')
                    connection.execute(f'ALTER TABLE logs ADD COLUMN "{column}"')
            rule = rules[index]
            found += [
                {
                    "asi_file": name,
                    "asi_row": row,
                    "rule_id": str(rule.id),
                    "title": rule.title,
                    "level": _level(rule),
                    "author": rule.author,
                }
                for row in hits
            ]
        connection.close()
    return pd.DataFrame(
        found, columns=["asi_file", "asi_row", "rule_id", "title", "level", "author"]
    )


def report(label: str, matches: pd.DataFrame, events: int, seconds: float) -> None:
    print(f"\n== {label}: {len(matches)} matches over {events} benign events ({seconds:.1f} s)")
    if matches.empty:
        return
    level = matches["level"].astype(str).str.lower()
    print(f"{'level':<14}{'matches':>9}{'events':>8}{'rules':>7}")
    for name in LEVELS:
        subset = matches[level == name]
        events_hit = len(subset[["asi_file", "asi_row"]].drop_duplicates())
        print(f"{name:<14}{len(subset):>9}{events_hit:>8}{subset['rule_id'].nunique():>7}")
    loud = matches[level.isin(["high", "critical"])]
    counts = collections.Counter(zip(loud["title"], loud["author"], loud["level"], strict=True))
    if counts:
        print("high/critical rules firing on benign background (worth a look):")
    for (title, author, rule_level), count in counts.most_common(15):
        print(f"  {count:>5}  {rule_level:<8} {title}  [author: {author}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", help="rule folder or file (default: the bundled pack)")
    parser.add_argument("--reference", choices=("sqlite",), help="count with SQLite instead")
    parser.add_argument("--both", action="store_true", help="engine and SQLite side by side")
    args = parser.parse_args()
    frames = list(benign_frames())
    events = sum(len(frame) for _, frame in frames)
    print(f"{len(frames)} benign event sets, {events} events")
    results: dict[str, tuple[pd.DataFrame, float]] = {}
    if args.reference is None or args.both:
        started = time.perf_counter()
        results["asisdk engine"] = (
            engine_matches(frames, args.rules),
            time.perf_counter() - started,
        )
    if args.reference == "sqlite" or args.both:
        started = time.perf_counter()
        results["pySigma SQLite"] = (sqlite_matches(frames), time.perf_counter() - started)
    for label, (matches, seconds) in results.items():
        report(label, matches, events, seconds)
    if len(results) == 2:
        (_, (a, ta)), (_, (b, tb)) = results.items()
        print(f"\nengine / SQLite: matches {len(a)} / {len(b)}, time ratio {ta / tb:.2f}")


if __name__ == "__main__":
    main()
