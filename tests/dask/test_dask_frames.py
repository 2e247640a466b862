"""Dask DataFrame transforms on the local synchronous scheduler: meta, errors, edge cases."""

from __future__ import annotations

import subprocess
import sys

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

import asisdk.dask as adask
from asisdk.cluster import group_patterns, merge_templates
from asisdk.errors import InvalidInputError
from asisdk.executors import InlineExecutor
from asisdk.ioc import extract_frame


@pytest.fixture(autouse=True)
def _synchronous() -> object:
    with dask.config.set(scheduler="sync"):
        yield


def test_importing_asisdk_does_not_import_dask() -> None:
    code = (
        "import sys, asisdk, asisdk.decode, asisdk.ioc, asisdk.cluster, asisdk.executors\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_an_empty_partition_keeps_the_dtypes() -> None:
    frame = pd.DataFrame({"c": ["nothing here", "ping 10.0.0.1"]}, index=[10, 20])
    ddf = dd.from_pandas(frame, npartitions=2, sort=False)
    lazy = adask.extract_frame(ddf, "c")
    parts = [p.compute() for p in lazy.partitions]
    assert len(parts[0]) == 0
    assert parts[0].dtypes.to_dict() == lazy.dtypes.to_dict() == parts[1].dtypes.to_dict()
    expected = extract_frame(frame, "c", executor=InlineExecutor())
    assert_frame_equal(lazy.compute().reset_index(drop=True), expected)


def test_string_index_labels_travel_in_src_index(sample_events: pd.DataFrame) -> None:
    frame = sample_events.set_axis([f"ev{i}" for i in range(len(sample_events))])
    expected = extract_frame(frame, "CommandLine", executor=InlineExecutor())
    lazy = adask.extract_frame(dd.from_pandas(frame, npartitions=3, sort=False), "CommandLine")
    assert lazy.dtypes.to_dict() == expected.dtypes.to_dict()
    assert_frame_equal(lazy.compute().reset_index(drop=True), expected)


def test_pandas_input_is_refused_with_a_pointer() -> None:
    frame = pd.DataFrame({"c": ["x"]})
    with pytest.raises(InvalidInputError, match=r"dask\.dataframe\.DataFrame"):
        adask.unpack_frame(frame, "c")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"dask\.dataframe\.Series"):
        adask.group_patterns(frame["c"])  # type: ignore[arg-type]


def test_bad_columns_and_types_fail_before_computing() -> None:
    ddf = dd.from_pandas(pd.DataFrame({"c": ["x"]}), npartitions=1)
    with pytest.raises(InvalidInputError, match="'nope'"):
        adask.unpack_frame(ddf, "nope")
    with pytest.raises(InvalidInputError, match="nope"):
        adask.extract_frame(ddf, "c", types=["nope"])
    with pytest.raises(InvalidInputError, match="process features"):
        adask.add_process_features(ddf)
    with pytest.raises(InvalidInputError, match="similarity"):
        adask.group_patterns(ddf["c"], similarity=2.0)


def test_group_patterns_with_one_partition_is_the_pandas_result(
    mde_processes: pd.DataFrame,
) -> None:
    lines = mde_processes["CreatedProcessCommandLine"]
    expected = group_patterns(lines)
    groups = adask.group_patterns(dd.from_pandas(lines, npartitions=1))
    assert groups.templates == expected.templates
    assert groups.sizes == expected.sizes
    assert_series_equal(groups.labels.compute(), expected.labels)
    assert_frame_equal(groups.to_frame(), expected.to_frame())


def test_merge_joins_a_specific_template_into_the_general_one() -> None:
    mappings, templates, sizes = merge_templates(
        [(("disk <*> full", "fan speed low"), (50, 3)), (("boot ok", "disk 7 full"), (2, 1))],
        max_constants=4,
        similarity=None,
    )
    assert templates == ("disk <*> full", "fan speed low", "boot ok")
    assert sizes == (51, 3, 2)
    assert [m.tolist() for m in mappings] == [[0, 1], [2, 0]]


def test_dbscan_refuses_missing_feature_values() -> None:
    frame = pd.DataFrame({"a": [1.0, np.nan, 2.0], "b": [1.0, 1.0, 1.0]})
    with pytest.raises(InvalidInputError, match="missing or infinite"):
        adask.cluster_events(dd.from_pandas(frame, npartitions=2), features=["a", "b"])


def test_dbscan_on_given_columns_matches_across_partitions() -> None:
    frame = pd.DataFrame({"a": [1.0, 1.0, 5.0, 5.0, 9.0, 1.0], "b": [0.0, 0.0, 1.0, 1.0, 3.0, 0.0]})
    result = adask.cluster_events(
        dd.from_pandas(frame, npartitions=3), features=["a", "b"], normalize=False
    )
    assert result.labels.compute().tolist() == [0, 0, 1, 1, -1, 0]
    assert result.sizes == (3, 2)


def test_similarity_coarsens_the_merged_templates_too(mde_processes: pd.DataFrame) -> None:
    lines = dd.from_pandas(mde_processes["CreatedProcessCommandLine"], npartitions=3)
    plain = adask.group_patterns(lines)
    coarse = adask.group_patterns(lines, similarity=0.5)
    labels = coarse.labels.compute()
    assert coarse.n_groups < plain.n_groups
    assert list(labels.value_counts().sort_index()) == list(coarse.sizes)
    assert list(pd.unique(labels)) == list(range(coarse.n_groups))
