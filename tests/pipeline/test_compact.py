"""Large loads keep repetitive text as categories; every stage reads them as it reads text.

``load_events`` stores a text column of a frame of ``COMPACT_MIN_ROWS`` rows or more as a
category when it repeats itself (see ``compact_text_columns``). The tests below lower that
bound so that real OTRF events (a few thousand) are compacted, and check that the values,
the canonical columns and a whole triage (Sigma included) are the same as on plain text.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from asisdk.executors import InlineExecutor
from asisdk.pipeline import (
    LoadedEvents,
    compact_text_columns,
    load_events,
    run_triage,
    write_report,
)
from asisdk.pipeline import _defaults as defaults
from asisdk.pipeline._columns import first_usable
from asisdk.schema import normalise_events

_EVENTS = "events/otrf/empire_launcher_vbs_2020-09-04160940.json"


def _load(path: Path, *, compact: bool) -> LoadedEvents:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(defaults, "COMPACT_MIN_ROWS", 0 if compact else 10**12)
        return load_events([path])


@pytest.fixture(scope="module")
def loads(shared_data: Path) -> tuple[LoadedEvents, LoadedEvents]:
    """The same real events loaded as plain text and compacted."""
    path = shared_data / _EVENTS
    return _load(path, compact=False), _load(path, compact=True)


def _cells(values: pd.Series) -> list[object]:
    return [None if pd.isna(v) else v for v in values.astype(object)]


def test_repetitive_columns_become_categories_and_read_back_the_same(
    loads: tuple[LoadedEvents, LoadedEvents],
) -> None:
    plain, compact = loads
    assert list(compact.frame.columns) == list(plain.frame.columns)
    categories = [c for c in compact.frame.columns if compact.frame[c].dtype == "category"]
    assert {"Channel", "Hostname", "SourceName"} <= set(categories)
    for column in compact.frame.columns:
        assert _cells(compact.frame[column]) == _cells(plain.frame[column]), column
    # A column that is unique per event stays text.
    assert compact.frame["RecordNumber"].dtype == plain.frame["RecordNumber"].dtype
    before = plain.frame.memory_usage(deep=True).sum()
    after = compact.frame.memory_usage(deep=True).sum()
    assert after < before / 2


def test_small_frames_and_varied_columns_stay_text() -> None:
    frame = pd.DataFrame({"Channel": ["Security"] * 6, "Id": list("abcdef")}).astype("str")
    assert compact_text_columns(frame) is frame  # shorter than COMPACT_MIN_ROWS
    compact = compact_text_columns(frame, min_rows=6, rows_per_value=3)
    assert compact["Channel"].dtype == "category"
    assert compact["Id"].dtype == "str"
    assert frame["Channel"].dtype == "str"  # the input frame is not changed


def test_canonical_columns_are_the_same_from_categories(
    loads: tuple[LoadedEvents, LoadedEvents],
) -> None:
    plain, compact = loads
    expected = normalise_events(plain.frame)
    found = normalise_events(compact.frame)
    canonical = [c for c in expected.columns if str(c).startswith("asi_")]
    assert len(canonical) > 10
    for column in canonical:
        assert _cells(found[column]) == _cells(expected[column]), column


def test_triage_is_the_same_on_compacted_events(
    loads: tuple[LoadedEvents, LoadedEvents], tmp_path: Path
) -> None:
    from asisdk.sigma import SigmaRules

    match = SigmaRules.bundled().match
    plain, compact = loads
    expected = run_triage(plain, executor=InlineExecutor(), sigma=match)
    found = run_triage(compact, executor=InlineExecutor(), sigma=match)
    assert expected.sigma_matches is not None
    assert found.sigma_matches is not None
    assert len(expected.findings) > 0
    assert len(expected.sigma_matches) > 0
    for name in ("decoded", "ioc_hits", "iocs", "patterns", "findings", "finding_reasons"):
        pd.testing.assert_frame_equal(
            getattr(found, name).reset_index(drop=True),
            getattr(expected, name).reset_index(drop=True),
            check_dtype=False,
            check_categorical=False,
            obj=name,
        )
    pd.testing.assert_frame_equal(found.sigma_matches, expected.sigma_matches)
    written, _ = write_report(found, tmp_path / "compact", timeline="svg")
    reference, _ = write_report(expected, tmp_path / "plain", timeline="svg")
    for name in ("findings.csv", "iocs.csv", "ioc_hits.csv", "decoded.csv", "clusters.csv"):
        assert (tmp_path / "compact" / name).read_bytes() == (
            tmp_path / "plain" / name
        ).read_bytes(), name
    assert written.findings.equals(reference.findings)


def test_first_usable_chooses_by_code_across_categories_and_text() -> None:
    index = pd.RangeIndex(5)
    message = pd.Series(["m1", "m1", None, "m2", "-"], dtype="str").astype("category")
    command = pd.Series(["", "cmd /c x", None, "  ", "-"], dtype="str")
    chosen = first_usable([command, message], index, blank=["-"])
    assert chosen.tolist() == ["m1", "cmd /c x", "", "m2", ""]
    assert chosen.dtype == "str"
    assert first_usable([], index).tolist() == [""] * 5
    assert np.array_equal(first_usable([message], index).to_numpy(), ["m1", "m1", "", "m2", "-"])
