"""match_frame: the same matches in chunks (executor=) and over Dask partitions."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest

from asisdk.executors import InlineExecutor
from asisdk.pipeline import load_events
from asisdk.sigma import MATCH_COLUMNS, SigmaRules, match_frame

from ._data import SIGMA

# The Dask extra (the core-install session has none): the whole module needs it.
dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return load_events(sorted((SIGMA / "regression_data").rglob("*.evtx"))).frame


@pytest.fixture(scope="module")
def rules() -> SigmaRules:
    folder = SIGMA / "rules" / "windows"
    return SigmaRules.from_paths(
        *sorted((folder / "process_creation").glob("*.yml"))[::6], folder / "registry"
    )


def test_chunks_in_an_executor_match_like_one_call(events: pd.DataFrame, rules: SigmaRules) -> None:
    whole = rules.match(events).pairs()
    assert len(whole) > 30
    inline = rules.match_frame(events, executor=InlineExecutor(), chunk_size=37)
    assert inline.pairs() == whole
    assert not inline.problems
    with ProcessPoolExecutor(max_workers=2) as pool:
        assert match_frame(rules, events, executor=pool, chunk_size=100).pairs() == whole


def test_dask_partitions_match_like_pandas(events: pd.DataFrame, rules: SigmaRules) -> None:
    lazy = rules.match_frame(dd.from_pandas(events, npartitions=3))
    assert tuple(lazy.columns) == MATCH_COLUMNS
    computed = lazy.compute()
    pairs = set(zip(computed["event_index"], computed["rule_id"], strict=True))
    assert pairs == rules.match(events).pairs()
