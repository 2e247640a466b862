"""Every ``executor=`` accepts a Dask cluster's executor and gives the inline results.

One real LocalCluster (two worker processes) for the whole module: pickling, the worker
functions and the chunk bookkeeping all take the same path as on a remote cluster.
"""

from __future__ import annotations

import asyncio

import dask
import dask.dataframe as dd
import pandas as pd
import pytest
from distributed import Client
from pandas.testing import assert_frame_equal, assert_series_equal

import asisdk.dask as adask
from asisdk.cluster import (
    add_process_features,
    cluster_events,
    cluster_events_async,
    group_patterns,
)
from asisdk.decode import unpack_frame, unpack_frame_async
from asisdk.errors import ConfigurationError, TransportError
from asisdk.executors import InlineExecutor, map_chunks, map_chunks_async
from asisdk.ioc import extract_frame, extract_frame_async

MDE_COLUMN = "CreatedProcessCommandLine"
SAMPLE_PROCESS = {"process_column": "Image", "logon_id_column": "LogonId"}
MDE_PROCESS = {
    "process_column": "CreatedProcessFilePath",
    "commandline_column": MDE_COLUMN,
    "logon_id_column": "LogonId",
}


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = list(frame.columns)
    return frame.sort_values(keys, key=lambda c: c.astype(str), kind="stable").reset_index(
        drop=True
    )


@pytest.fixture(params=["sample", "mde"])
def commands(
    request: pytest.FixtureRequest, sample_events: pd.DataFrame, mde_processes: pd.DataFrame
) -> tuple[pd.DataFrame, str]:
    if request.param == "sample":
        return sample_events, "CommandLine"
    return mde_processes, MDE_COLUMN


def test_unpack_frame_on_the_cluster_equals_inline(
    dask_client: Client, commands: tuple[pd.DataFrame, str]
) -> None:
    frame, column = commands
    expected = unpack_frame(frame, column, executor=InlineExecutor())
    got = unpack_frame(frame, column, executor=dask_client.get_executor(), chunk_size=97)
    assert len(expected) > 0
    assert_frame_equal(got, expected)


def test_unpack_frame_async_on_the_cluster_equals_inline(
    dask_client: Client, commands: tuple[pd.DataFrame, str]
) -> None:
    frame, column = commands
    expected = unpack_frame(frame, column, executor=InlineExecutor())
    executor = dask_client.get_executor()
    got = asyncio.run(unpack_frame_async(frame, column, executor=executor, chunk_size=97))
    assert_frame_equal(got, expected)


def test_extract_frame_on_the_cluster_equals_inline(
    dask_client: Client, commands: tuple[pd.DataFrame, str]
) -> None:
    frame, column = commands
    expected = extract_frame(frame, column, executor=InlineExecutor())
    got = extract_frame(frame, column, executor=dask_client.get_executor(), chunk_size=97)
    assert len(expected) > 100
    # One column: rows come back in input order whatever the chunking.
    assert_frame_equal(got, expected)


def test_extract_frame_async_over_two_columns_equals_inline(
    dask_client: Client, sample_events: pd.DataFrame
) -> None:
    columns = ["CommandLine", "ParentCommandLine"]
    expected = extract_frame(sample_events, columns, executor=InlineExecutor())
    executor = dask_client.get_executor()
    got = asyncio.run(extract_frame_async(sample_events, columns, executor=executor, chunk_size=50))
    # Several columns: the order inside a chunk depends on the chunking; the rows do not.
    assert_frame_equal(_sorted(got), _sorted(expected))


def test_process_features_and_clusters_on_the_cluster_equal_inline(
    dask_client: Client, mde_processes: pd.DataFrame
) -> None:
    executor = dask_client.get_executor()
    expected = add_process_features(mde_processes, executor=InlineExecutor(), **MDE_PROCESS)
    got = add_process_features(mde_processes, executor=executor, **MDE_PROCESS)
    assert_frame_equal(got, expected)
    inline = cluster_events(
        mde_processes, executor=InlineExecutor(), time_column=None, **MDE_PROCESS
    )
    remote = cluster_events(mde_processes, executor=executor, time_column=None, **MDE_PROCESS)
    assert inline.n_clusters > 1
    assert_series_equal(remote.labels, inline.labels)
    assert_frame_equal(remote.summary, inline.summary)


def test_group_patterns_on_the_cluster_equals_inline(
    dask_client: Client, mde_processes: pd.DataFrame
) -> None:
    lines = mde_processes[MDE_COLUMN]
    expected = group_patterns(lines)
    got = group_patterns(lines, executor=dask_client.get_executor())
    assert expected.n_groups > 10
    assert got.templates == expected.templates
    assert got.sizes == expected.sizes
    assert_series_equal(got.labels, expected.labels)


def test_pattern_clusters_async_on_the_cluster_equal_inline(
    dask_client: Client, sample_events: pd.DataFrame
) -> None:
    options = {"method": "patterns", "column": "CommandLine", "time_column": "TimeCreated"}
    inline = cluster_events(sample_events, executor=InlineExecutor(), **options)
    executor = dask_client.get_executor()
    remote = asyncio.run(cluster_events_async(sample_events, executor=executor, **options))
    assert inline.n_clusters > 1
    assert_frame_equal(remote.summary, inline.summary)
    assert_series_equal(remote.templates, inline.templates)


def test_row_lists_come_back_from_dask_workers_as_they_left(dask_client: Client) -> None:
    # Workers returning long lists of tuples (ioc rows, tokens) travel as one pickle.
    items = [(i % 7, f"value {i}") for i in range(5000)]
    expected = map_chunks(sorted, items, executor=InlineExecutor(), chunk_size=1000)
    executor = dask_client.get_executor()
    got = map_chunks(sorted, items, executor=executor, chunk_size=1000)
    awaited = asyncio.run(map_chunks_async(sorted, items, executor=executor, chunk_size=1000))
    assert [o.value for o in got] == [o.value for o in expected] == [o.value for o in awaited]
    assert all(isinstance(o.value, list) for o in got)


def test_triage_on_the_cluster_equals_inline(
    dask_client: Client, sample_events: pd.DataFrame
) -> None:
    # What `asisdk triage --dask ADDRESS` runs: every CPU stage through one Dask executor.
    from asisdk.pipeline import load_frame, run_triage

    inline = run_triage(load_frame(sample_events), executor=InlineExecutor())
    remote = run_triage(load_frame(sample_events), executor=dask_client.get_executor())
    assert len(inline.decoded) > 0
    assert len(inline.iocs) > 0
    for name in ("events", "decoded", "ioc_hits", "iocs", "patterns"):
        assert_frame_equal(getattr(remote, name), getattr(inline, name), obj=name)


def test_executor_for_connects_to_a_scheduler_and_leaves_it_running(
    dask_client: Client, sample_events: pd.DataFrame
) -> None:
    address = dask_client.scheduler.address
    expected = unpack_frame(sample_events, "CommandLine", executor=InlineExecutor())
    with adask.executor_for(address) as executor:
        got = unpack_frame(sample_events, "CommandLine", executor=executor, chunk_size=200)
    assert_frame_equal(got, expected)
    assert dask_client.submit(sum, [1, 2]).result() == 3  # the cluster survived


def test_executor_for_reports_an_unreachable_scheduler() -> None:
    with (
        pytest.raises(TransportError, match="no Dask scheduler answered"),
        adask.executor_for("tcp://127.0.0.1:9", timeout=0.5),
    ):
        pass


def test_executor_for_refuses_an_empty_address() -> None:
    with pytest.raises(ConfigurationError, match="address is empty"), adask.executor_for(" "):
        pass


# Dask DataFrames computed on the same cluster: the lazy results equal the pandas ones.


def _ddf(frame: pd.DataFrame, npartitions: int) -> dd.DataFrame:
    return dd.from_pandas(frame, npartitions=npartitions, sort=True)


def test_dask_unpack_frame_equals_pandas(
    dask_client: Client, commands: tuple[pd.DataFrame, str]
) -> None:
    frame, column = commands
    expected = unpack_frame(frame, column, executor=InlineExecutor())
    lazy = adask.unpack_frame(_ddf(frame, 4), column)
    assert list(lazy.columns) == list(expected.columns)
    assert lazy.dtypes.to_dict() == expected.dtypes.to_dict()
    got = dask_client.compute(lazy).result()
    assert_frame_equal(got.reset_index(drop=True), expected)


def test_dask_extract_frame_equals_pandas(
    dask_client: Client, commands: tuple[pd.DataFrame, str]
) -> None:
    frame, column = commands
    expected = extract_frame(frame, column, executor=InlineExecutor())
    lazy = adask.extract_frame(_ddf(frame, 4), column)
    assert lazy.dtypes.to_dict() == expected.dtypes.to_dict()
    got = dask_client.compute(lazy).result()
    assert_frame_equal(got.reset_index(drop=True), expected)


def test_dask_add_process_features_equals_pandas(
    dask_client: Client, mde_processes: pd.DataFrame
) -> None:
    source = mde_processes[[*MDE_PROCESS.values(), "CreatedProcessId"]]
    ddf = _ddf(source, 3)
    expected = add_process_features(ddf.compute(), executor=InlineExecutor(), **MDE_PROCESS)
    lazy = adask.add_process_features(ddf, **MDE_PROCESS)
    assert lazy.dtypes.to_dict() == expected.dtypes.to_dict()
    got = dask_client.compute(lazy).result()
    assert_frame_equal(got, expected)


def test_dask_dbscan_equals_pandas_clusters(
    dask_client: Client, mde_processes: pd.DataFrame
) -> None:
    source = mde_processes[list(MDE_PROCESS.values())]
    expected = cluster_events(source, executor=InlineExecutor(), time_column=None, **MDE_PROCESS)
    with dask.config.set(scheduler=dask_client):
        result = adask.cluster_events(_ddf(source, 3), **MDE_PROCESS)
        labels = result.labels.compute()
    assert expected.n_clusters > 1
    assert result.n_clusters == expected.n_clusters
    assert_series_equal(labels, expected.labels)
    assert (result.weights == expected.weights).all()
    assert (result.matrix == expected.matrix).all()
    assert (result.matrix_labels == expected.matrix_labels).all()


def test_dask_group_patterns_merges_partitions_into_one_id_space(
    dask_client: Client, mde_processes: pd.DataFrame
) -> None:
    lines = mde_processes[MDE_COLUMN]
    with dask.config.set(scheduler=dask_client):
        groups = adask.group_patterns(dd.from_pandas(lines, npartitions=3))
        labels = groups.labels.compute()
    assert_series_equal(labels.index.to_series(), lines.index.to_series())
    # One global id space: sizes count the rows of each id, every id is used ...
    assert list(labels.value_counts().sort_index()) == list(groups.sizes)
    assert sum(groups.sizes) == len(lines)
    # ... identical lines share an id, and ids are numbered by first appearance.
    assert labels.groupby(lines.to_numpy()).nunique().max() == 1
    assert list(pd.unique(labels)) == list(range(groups.n_groups))
    # The merge joins what partitions found separately.
    assert groups.n_groups < groups.partition_templates
