"""cluster_events on the real Windows events: parity, collapse, labels, times, robustness."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import DBSCAN

from asisdk.cluster import ClusterResult, add_process_features, cluster_events, cluster_events_async
from asisdk.errors import InvalidInputError
from asisdk.executors import InlineExecutor

SUMMARY_COLUMNS = ["Clustered", "ClusterId", "ClusterSize", "FirstEventTime", "LastEventTime"]


def test_msticpy_parity_on_its_own_fixture(host_processes: pd.DataFrame) -> None:
    # msticpy's test asserts these figures for the same data and settings.
    features = add_process_features(host_processes, path_separator="\\")
    result = cluster_events(
        features,
        features=["pathScore", "commandlineTokensFull", "isSystemSession"],
        max_distance=0.0001,
    )
    assert len(result.summary) == 62
    assert result.summary["ClusterSize"].max() == 71
    # Named process features absent from the frame are computed on the fly.
    direct = cluster_events(
        host_processes,
        features=["pathScore", "commandlineTokensFull", "isSystemSession"],
        max_distance=0.0001,
    )
    pd.testing.assert_series_equal(direct.labels, result.labels)
    hashed = cluster_events(
        features,
        features=["pathHash", "commandlineTokensHash", "isSystemSession"],
        max_distance=0.001,
    )
    assert len(hashed.summary) == 121
    assert hashed.summary["ClusterSize"].max() == 70
    assert hashed.summary["ClusterId"].max() == 31
    assert (hashed.summary["ClusterId"] == -1).sum() == 89


def test_collapsing_gives_the_same_partition_as_plain_dbscan(host_processes: pd.DataFrame) -> None:
    features = add_process_features(host_processes)
    names = ["pathScore", "commandlineTokensFull", "isSystemSession"]
    result = cluster_events(features, features=names, max_distance=0.0001)
    matrix = features[names].to_numpy(dtype=float)
    matrix = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    plain = DBSCAN(eps=0.0001, min_samples=2).fit(matrix).labels_
    ours = result.labels.to_numpy()
    assert np.array_equal(ours < 0, plain < 0)
    pairs = pd.crosstab(ours[ours >= 0], plain[plain >= 0])
    assert ((pairs > 0).sum(axis=1) == 1).all()
    assert ((pairs > 0).sum(axis=0) == 1).all()
    # Only the distinct vectors were fitted, weighted by how many rows each stands for.
    assert len(result.matrix) < len(features)
    assert result.weights.sum() == len(features)


def test_summary_and_labels_lose_nothing(host_processes: pd.DataFrame) -> None:
    frame = host_processes.set_index(host_processes.index.astype(str) + "-row")
    result = cluster_events(frame)
    assert isinstance(result, ClusterResult)
    assert result.labels.index.equals(frame.index)
    assert list(result.summary.columns[-5:]) == SUMMARY_COLUMNS
    assert result.summary["ClusterSize"].sum() == len(frame)
    assert result.summary.index.is_unique
    sizes = result.labels[result.labels >= 0].value_counts()
    clustered = result.summary[result.summary["Clustered"]]
    assert dict(zip(clustered["ClusterId"], clustered["ClusterSize"], strict=True)) == dict(sizes)
    # The exemplar is each cluster's first event in input order.
    for row_id, cluster_id in clustered["ClusterId"].items():
        assert result.labels[result.labels == cluster_id].index[0] == row_id
    assert result.n_clusters == len(clustered)
    assert result.n_unclustered == (~result.summary["Clustered"]).sum()


def test_cluster_times_span_and_unclustered_events_keep_their_own_time(
    host_processes: pd.DataFrame,
) -> None:
    result = cluster_events(host_processes)
    times = pd.to_datetime(host_processes["TimeGenerated"])
    summary = result.summary
    for row_id, row in summary.iterrows():
        if row["Clustered"]:
            members = times[result.labels == row["ClusterId"]]
            assert row["FirstEventTime"] == members.min()
            assert row["LastEventTime"] == members.max()
        else:
            assert row["FirstEventTime"] == row["LastEventTime"] == times[row_id]
    noise = summary[~summary["Clustered"]]
    assert noise["FirstEventTime"].nunique() > 1  # not one shared min/max (msticpy's quirk)


def test_repetitive_system_processes_collapse_attack_commands_stay_distinct(
    otrf_processes: pd.DataFrame,
) -> None:
    result = cluster_events(
        otrf_processes,
        process_column="Image",
        logon_id_column="LogonId",
        time_column="TimeCreated",
    )
    assert len(result.summary) < len(otrf_processes) / 5
    conhost = otrf_processes["CommandLine"].str.contains("conhost.exe 0xffffffff", regex=False)
    assert result.labels[conhost].nunique() <= 2
    assert result.summary["ClusterSize"].max() >= 100
    launchers = otrf_processes["CommandLine"].str.contains(" -enc ", regex=False)
    assert launchers.sum() == 6
    for cluster_id in result.labels[launchers].unique():
        members = otrf_processes.loc[result.labels == cluster_id, "CommandLine"]
        assert members.str.contains(" -enc ", regex=False).all(), members.tolist()


def test_empty_frame_gives_an_empty_result(host_processes: pd.DataFrame) -> None:
    result = cluster_events(host_processes.iloc[0:0])
    assert len(result.summary) == 0
    assert len(result.labels) == 0
    assert result.n_clusters == 0
    assert set(SUMMARY_COLUMNS) <= set(result.summary.columns)


def test_single_row_is_one_unclustered_event(host_processes: pd.DataFrame) -> None:
    result = cluster_events(host_processes.iloc[[5]])
    assert result.labels.tolist() == [-1]
    row = result.summary.iloc[0]
    assert not row["Clustered"]
    assert row["ClusterSize"] == 1
    assert row["FirstEventTime"] == pd.Timestamp(host_processes["TimeGenerated"].iloc[5])


def test_missing_time_column_is_a_clear_error_and_none_skips_times(
    host_processes: pd.DataFrame,
) -> None:
    with pytest.raises(InvalidInputError, match="time_column=None"):
        cluster_events(host_processes, time_column="TimeCreated")
    result = cluster_events(host_processes, time_column=None)
    assert "FirstEventTime" not in result.summary.columns
    bad = host_processes.assign(TimeGenerated="not a time")
    with pytest.raises(InvalidInputError, match="parseable"):
        cluster_events(bad)


def test_nan_and_non_string_cells_in_text_columns(host_processes: pd.DataFrame) -> None:
    frame = host_processes.head(20).copy()
    frame["CommandLine"] = frame["CommandLine"].astype(object)
    frame.iloc[0, frame.columns.get_loc("CommandLine")] = np.nan
    frame.iloc[1, frame.columns.get_loc("CommandLine")] = 12345
    frame.iloc[2, frame.columns.get_loc("NewProcessName")] = None
    result = cluster_events(frame)
    assert len(result.labels) == 20


def test_bad_feature_values_are_clear_errors(host_processes: pd.DataFrame) -> None:
    frame = host_processes.head(10).assign(score=1.0, name="x")
    frame.iloc[3, frame.columns.get_loc("score")] = np.nan
    with pytest.raises(InvalidInputError, match="missing or infinite"):
        cluster_events(frame, features=["score"])
    with pytest.raises(InvalidInputError, match="not numeric"):
        cluster_events(frame, features=["name"])
    with pytest.raises(InvalidInputError, match="nope"):
        cluster_events(frame, features=["nope"])
    with pytest.raises(InvalidInputError, match="features"):
        cluster_events(frame, features="processes")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="max_distance"):
        cluster_events(frame, max_distance=0)
    with pytest.raises(InvalidInputError, match="min_samples"):
        cluster_events(frame, min_samples=0)
    with pytest.raises(InvalidInputError, match="DataFrame"):
        cluster_events([1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="columns"):
        cluster_events(frame, columns=["Nope"])


def test_columns_limits_the_summary(host_processes: pd.DataFrame) -> None:
    result = cluster_events(host_processes, columns=["CommandLine"])
    assert list(result.summary.columns) == ["CommandLine", *SUMMARY_COLUMNS]


def test_patterns_method(host_processes: pd.DataFrame) -> None:
    result = cluster_events(host_processes, method="patterns", column="CommandLine")
    assert result.method == "patterns"
    assert "Template" in result.summary.columns
    assert result.summary["ClusterSize"].sum() == len(host_processes)
    top = result.summary.sort_values("ClusterSize").iloc[-1]
    cscript = r'"C:\Windows\system32\cscript.exe" /nologo "MonitorKnowledgeDiscovery.vbs"'
    assert top["Template"] == cscript
    assert top["ClusterSize"] == 70
    assert result.templates[top["ClusterId"]] == top["Template"]
    with pytest.raises(InvalidInputError, match="column="):
        cluster_events(host_processes, method="patterns")
    with pytest.raises(InvalidInputError, match="method"):
        cluster_events(host_processes, method="kmeans")  # type: ignore[arg-type]


def test_executor_paths_give_the_same_labels(host_processes: pd.DataFrame) -> None:
    inline = cluster_events(host_processes, executor=InlineExecutor())
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        pooled = cluster_events(host_processes, executor=pool)
    pd.testing.assert_series_equal(inline.labels, pooled.labels)


async def test_async_variant_matches_and_leaves_the_loop_free(
    host_processes: pd.DataFrame,
) -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    result = await cluster_events_async(host_processes, executor=InlineExecutor())
    task.cancel()
    expected = cluster_events(host_processes, executor=InlineExecutor())
    pd.testing.assert_series_equal(result.labels, expected.labels)
    assert ticks > 0


def test_timezone_aware_times_keep_their_dtype(host_processes: pd.DataFrame) -> None:
    frame = host_processes.assign(
        TimeGenerated=pd.to_datetime(host_processes["TimeGenerated"]).dt.tz_localize("UTC")
    )
    result = cluster_events(frame)
    assert result.summary["FirstEventTime"].dtype == frame["TimeGenerated"].dtype
    assert result.summary["LastEventTime"].dtype == frame["TimeGenerated"].dtype
    assert (result.summary["FirstEventTime"] <= result.summary["LastEventTime"]).all()


def test_patterns_method_passes_similarity_through(host_processes: pd.DataFrame) -> None:
    fine = cluster_events(host_processes, method="patterns", column="CommandLine")
    coarse = cluster_events(host_processes, method="patterns", column="CommandLine", similarity=0.5)
    assert len(coarse.summary) < len(fine.summary)
    assert coarse.summary["ClusterSize"].sum() == len(host_processes)


def test_encoded_powershell_on_the_msticpy_host_stays_unclustered(
    host_processes: pd.DataFrame,
) -> None:
    result = cluster_events(host_processes)
    encoded = host_processes["CommandLine"].str.contains(" -enc ", regex=False, na=False)
    assert encoded.sum() == 1
    assert result.labels[encoded].tolist() == [-1]
    assert len(result.summary) < len(host_processes) / 5
