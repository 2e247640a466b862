"""Same matches as the Zircolite approach (pySigma's SQLite backend) on real events.

Every fourth process_creation rule of the core set (Sysmon 1 and Security 4688 variants;
the full Windows set is compared in ``benchmarks/bench_sigma.py``) over the regression
captures, the labelled EVTX conversions and the OTRF and msticpy process exports.
"""

from __future__ import annotations

from pathlib import Path

from asisdk.pipeline import load_events
from asisdk.sigma import SigmaRules

from ._data import SIGMA
from ._sqlite import SqliteRules, build_table, comparable_frame

DATA = SIGMA.parent


def _event_files() -> list[Path]:
    return [
        *sorted((SIGMA / "regression_data").rglob("*.evtx")),
        *sorted((DATA / "evtx" / "data").glob("*.jsonl.gz")),
        DATA / "events" / "otrf" / "otrf_process_logon_events.csv",
        DATA / "events" / "msticpy" / "processes_on_host.csv",
    ]


def test_process_creation_rules_match_like_sqlite() -> None:
    frame = comparable_frame(load_events(_event_files()).frame)
    files = sorted((SIGMA / "rules" / "windows" / "process_creation").glob("*.yml"))[::4]
    rules = SigmaRules.from_paths(*files)
    assert len(rules) > 250
    assert not rules.errors
    mine = rules.match(frame)
    reference = SqliteRules(rules, frame.columns)
    assert len(reference.queries) > 0.99 * len(rules)
    found, _ = reference.run(build_table(frame))
    compared = {(int(i), r) for i, r in mine.pairs() if r in reference.queries}
    assert compared == found
    assert len(found) > 20  # the comparison is not vacuous
    # Both variants of process_creation fire: Sysmon 1 and Security 4688.
    fired = frame.iloc[sorted({i for i, _ in found})]
    assert {1, 4688} <= set(fired["EventID"].astype(int))
