"""The option objects of cluster_events: checked once, equal to today's keywords."""

from __future__ import annotations

import pickle

import attrs
import pandas as pd
import pytest

from asisdk.cluster import (
    DbscanOptions,
    PatternOptions,
    ProcessColumns,
    add_process_features,
    cluster_events,
    cluster_events_async,
)
from asisdk.errors import InvalidArgumentError, InvalidInputError


def test_dbscan_options_give_the_keyword_result(host_processes: pd.DataFrame) -> None:
    by_keywords = cluster_events(host_processes, max_distance=0.001, min_samples=3)
    by_options = cluster_events(
        host_processes, method=DbscanOptions(max_distance=0.001, min_samples=3)
    )
    pd.testing.assert_frame_equal(by_options.summary, by_keywords.summary)
    pd.testing.assert_series_equal(by_options.labels, by_keywords.labels)


def test_pattern_options_give_the_keyword_result(host_processes: pd.DataFrame) -> None:
    by_keywords = cluster_events(
        host_processes, method="patterns", column="CommandLine", min_samples=3, time_column=None
    )
    options = PatternOptions(column="CommandLine", min_samples=3)
    by_options = cluster_events(host_processes, method=options, time_column=None)
    assert by_options.method == "patterns"
    pd.testing.assert_frame_equal(by_options.summary, by_keywords.summary)
    assert by_options.n_clusters == by_keywords.n_clusters > 0


def test_process_columns_rename_the_inputs(host_processes: pd.DataFrame) -> None:
    renamed = host_processes.rename(columns={"NewProcessName": "Image", "CommandLine": "Cmd"})
    columns = ProcessColumns(process="Image", commandline="Cmd", path_separator="\\")
    expected = add_process_features(host_processes, path_separator="\\")
    got = add_process_features(renamed, process_columns=columns)
    pd.testing.assert_series_equal(got["pathLogScore"], expected["pathLogScore"])
    clustered = cluster_events(renamed, method=DbscanOptions(process_columns=columns))
    reference = cluster_events(host_processes, path_separator="\\")
    pd.testing.assert_series_equal(clustered.labels, reference.labels)


async def test_async_twin_takes_the_options(host_processes: pd.DataFrame) -> None:
    options = DbscanOptions(min_samples=4)
    result = await cluster_events_async(host_processes, method=options)
    assert result.n_clusters == cluster_events(host_processes, min_samples=4).n_clusters


@pytest.mark.parametrize(
    ("build", "match"),
    [
        (lambda: DbscanOptions(max_distance=0), "max_distance"),
        (lambda: DbscanOptions(min_samples=0), "min_samples"),
        (lambda: DbscanOptions(features="pathScore"), "features must be"),
        (lambda: DbscanOptions(features=[]), "features is empty"),
        (lambda: ProcessColumns(path_separator="::"), "path_separator"),
        (lambda: PatternOptions(column=None), "needs column="),  # type: ignore[arg-type]
        (lambda: PatternOptions(column="c", similarity=2.0), "similarity"),
        (lambda: PatternOptions(column="c", max_constants=0), "max_constants"),
        (lambda: PatternOptions(column="c", min_samples=0), "min_samples"),
    ],
)
def test_options_refuse_bad_values_when_built(build: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        build()  # type: ignore[operator]


def test_options_are_frozen_values_that_pickle() -> None:
    options = DbscanOptions(features=["pathScore", "pathHash"])
    assert options.features == ("pathScore", "pathHash")
    assert options.feature_names == ("pathScore", "pathHash")
    assert pickle.loads(pickle.dumps(options)) == options
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        options.min_samples = 5  # type: ignore[misc]


def test_shortcut_keywords_beside_an_options_object_are_refused(
    host_processes: pd.DataFrame,
) -> None:
    with pytest.raises(InvalidArgumentError, match="min_samples"):
        cluster_events(host_processes, method=DbscanOptions(), min_samples=5)
    with pytest.raises(InvalidArgumentError, match="process_column"):
        add_process_features(
            host_processes, process_column="Image", process_columns=ProcessColumns()
        )
    # a keyword left at its default is not "given"
    assert cluster_events(host_processes, method=DbscanOptions(), min_samples=2).n_clusters


def test_a_bad_method_name_is_still_refused(host_processes: pd.DataFrame) -> None:
    with pytest.raises(InvalidInputError, match="method must be"):
        cluster_events(host_processes, method="kmeans")  # type: ignore[arg-type]
