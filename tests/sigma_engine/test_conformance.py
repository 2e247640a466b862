"""SigmaHQ's own regression test: every capture in regression_data fires the rule it names.

203 captures (202 ``.evtx`` files read with ``asisdk.pipeline.load_events``, one raw Cisco
log line). A capture may hold other events too (an AnyDesk capture also writes
``service.conf``, which its rule does not look for), so a capture passes when its rule
matches at least one of its events; the count of captures where every event matches is
pinned as well.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from asisdk.pipeline import load_events
from asisdk.sigma import SigmaRules

from ._data import REGRESSION, rule_files_by_id

CAPTURES = sorted(REGRESSION.rglob("info.yml"))

#: Rules this engine cannot make fire on their capture, with the reason. Empty: all fire.
EXPECTED_FAILURES: dict[str, str] = {}

#: Captures holding events their rule is not about (checked by hand, see the module doc).
EVERY_EVENT_MATCHES = 198


def _rule_id(info: Path) -> str:
    meta = yaml.safe_load(info.read_text(encoding="utf-8"))
    return str(meta["rule_metadata"][0]["id"]).lower()


def _events(folder: Path) -> pd.DataFrame:
    evtx = sorted(folder.glob("*.evtx"))
    if evtx:
        loaded = load_events(evtx)
        assert not loaded.problems
        return loaded.frame
    (raw,) = folder.glob("*.raw")
    return pd.DataFrame({"message": raw.read_text(encoding="utf-8").splitlines()})


@pytest.fixture(scope="module")
def rules() -> SigmaRules:
    by_id = rule_files_by_id()
    files = sorted({by_id[_rule_id(info)] for info in CAPTURES})
    loaded = SigmaRules.from_paths(*files)
    assert not loaded.errors
    return loaded


@pytest.fixture(scope="module")
def outcomes(rules: SigmaRules) -> dict[str, tuple[int, int]]:
    """Rule id to (events matched, events in its capture)."""
    out: dict[str, tuple[int, int]] = {}
    for info in CAPTURES:
        rule_id = _rule_id(info)
        rule = rules.get(rule_id)
        assert rule is not None, rule_id
        frame = _events(info.parent)
        matched = SigmaRules([rule]).match(frame).frame["event_index"].nunique()
        out[rule_id] = (int(matched), len(frame))
    return out


def test_there_are_203_captures() -> None:
    assert len(CAPTURES) == 203


def test_every_capture_fires_its_rule(outcomes: dict[str, tuple[int, int]]) -> None:
    failing = {rule_id for rule_id, (matched, _) in outcomes.items() if matched == 0}
    assert failing == set(EXPECTED_FAILURES)
    assert len(outcomes) - len(failing) == 203


def test_captures_where_every_event_matches(outcomes: dict[str, tuple[int, int]]) -> None:
    full = sum(1 for matched, total in outcomes.values() if matched == total)
    assert full == EVERY_EVENT_MATCHES


def test_matches_carry_the_rule_author(rules: SigmaRules) -> None:
    info = next(
        i for i in CAPTURES if (i.parent / "info.yml").exists() and any(i.parent.glob("*.evtx"))
    )
    rule = rules.get(_rule_id(info))
    assert rule is not None
    assert rule.author
    frame = SigmaRules([rule]).match(_events(info.parent)).frame
    assert set(frame["author"]) == {rule.author}
    assert frame["asi_file"].str.endswith(".evtx").all()
    assert (frame["asi_row"] >= 1).all()
