"""``cluster_events``: summarise many events into clusters (DBSCAN or template mining)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any, Literal

import numpy as np
import pandas as pd

from asisdk.cluster import _defaults
from asisdk.cluster._dbscan import feature_matrix, fit_dbscan
from asisdk.cluster._features import (
    PROCESS_FEATURE_COLUMNS,
    check_columns,
    compute_process_features,
)
from asisdk.cluster._patterns import group_patterns
from asisdk.cluster._result import ClusterMethod, ClusterResult
from asisdk.cluster._summary import event_times, renumber, summarise
from asisdk.errors import InvalidInputError

__all__ = ["cluster_events", "cluster_events_async"]


def _check_options(df: object, max_distance: float, min_samples: int) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InvalidInputError(f"cluster_events needs a pandas DataFrame, got {type(df)!r}")
    if not max_distance > 0:
        raise InvalidInputError(f"max_distance must be greater than 0, got {max_distance}")
    if min_samples < 1:
        raise InvalidInputError(f"min_samples must be at least 1, got {min_samples}")


def _feature_frame(
    df: pd.DataFrame,
    features: Literal["process"] | Sequence[str],
    *,
    process_options: Mapping[str, Any],
    executor: Executor | None,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    if isinstance(features, str):
        if features != "process":
            raise InvalidInputError(
                f"features must be 'process' or a list of column names, got {features!r}"
            )
        names: tuple[str, ...] = _defaults.PROCESS_CLUSTER_FEATURES
    else:
        names = tuple(features)
        if not names:
            raise InvalidInputError("features is empty; name at least one feature column")
    computed = [n for n in names if n not in df.columns and n in PROCESS_FEATURE_COLUMNS]
    if computed:
        extra = compute_process_features(df, executor=executor, **process_options)
        frame = pd.concat([df[[n for n in names if n in df.columns]], extra[computed]], axis=1)
    else:
        check_columns(df, list(names), role="features")
        frame = df[list(names)]
    return frame, names


def cluster_events(
    df: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    features: Literal["process"] | Sequence[str] = "process",
    method: ClusterMethod = "dbscan",
    column: str | None = None,
    max_distance: float = _defaults.MAX_DISTANCE,
    min_samples: int = _defaults.MIN_SAMPLES,
    normalize: bool = True,
    time_column: str | None = _defaults.TIME_COLUMN,
    executor: Executor | None = None,
    process_column: str = _defaults.PROCESS_COLUMN,
    commandline_column: str = _defaults.COMMANDLINE_COLUMN,
    logon_id_column: str | None = _defaults.LOGON_ID_COLUMN,
    path_separator: str | None = None,
    masks: Mapping[str, str] | None = None,
    similarity: float | None = None,
    max_constants: int = _defaults.MAX_CONSTANTS,
) -> ClusterResult:
    """Summarise events into clusters so the repetitive ones stop hiding the unique ones.

    ``method="dbscan"`` (default) clusters numeric features with scikit-learn's DBSCAN.
    With ``features="process"`` the process features of :func:`add_process_features` are
    computed (in ``executor``, once per distinct event) and the clustering uses
    ``pathLogScore``, ``commandlineLogLen``, ``commandlineTokensFull`` and
    ``isSystemSession``; or name your own numeric columns (process feature names are
    computed when absent). Identical feature vectors are collapsed into one weighted point
    before DBSCAN, which gives the same clusters at the cost of the distinct vectors only.

    ``method="patterns"`` groups the text in ``column`` by template (:func:`group_patterns`):
    ``install-update -hostname <*> -tmp:/tmp/<*>/rollback``. Groups with at least
    ``min_samples`` rows are clusters; smaller ones stay unclustered.

    Args:
        df: the events.
        columns: input columns kept in the summary (default: all).
        features: ``"process"`` or a list of numeric feature columns (``"dbscan"`` only).
        method: ``"dbscan"`` or ``"patterns"``.
        column: the text column grouped by ``method="patterns"`` (required there).
        max_distance: DBSCAN ``eps``: how close two events must be to be neighbours.
        min_samples: events (counting duplicates) needed to form a cluster.
        normalize: scale each feature vector to unit length first (as msticpy does), so
            the distance compares the proportions of the features.
        time_column: event time column for ``FirstEventTime`` / ``LastEventTime``; ``None``
            to leave those columns out.
        executor: where feature chunks run (see :mod:`asisdk.executors`).
        process_column: process path column (process features).
        commandline_column: command line column (process features).
        logon_id_column: logon id column (process features; ``None`` or absent: not system).
        path_separator: see :func:`add_process_features`.
        masks: variable masks for ``method="patterns"`` (default ``DEFAULT_MASKS``).
        similarity: template merging for ``method="patterns"`` (see :func:`group_patterns`).
        max_constants: see :func:`group_patterns`.

    Returns:
        A :class:`ClusterResult`: ``summary``, ``labels`` aligned to ``df.index``, and the
        model and feature matrix for :func:`plot_clusters`. An empty frame gives an empty
        result.

    Raises:
        InvalidInputError: a missing column (features, text, or time column; pass
            ``time_column=None`` to cluster without times), non-numeric or missing feature
            values, or an invalid option.

    Examples:
        >>> import pandas as pd
        >>> events = pd.DataFrame({
        ...     "NewProcessName": [r"C:\\Windows\\System32\\conhost.exe"] * 3
        ...                       + [r"C:\\Windows\\System32\\WindowsPowerShell\\powershell.exe"],
        ...     "CommandLine": ["conhost.exe 0xffffffff -ForceV1"] * 3
        ...                    + ["powershell -noP -sta -w 1 -enc SQBmACgAJABQAFMAVgBFAFIA"],
        ...     "TimeGenerated": pd.date_range("2024-01-01", periods=4, freq="min"),
        ... })
        >>> result = cluster_events(events)
        >>> result.summary[["ClusterId", "ClusterSize"]].values.tolist()
        [[0, 3], [-1, 1]]
    """
    _check_options(df, max_distance, min_samples)
    if columns is not None:
        check_columns(df, list(columns), role="columns")
    times = event_times(df, time_column)
    if method == "patterns":
        return _cluster_patterns(
            df,
            column=column,
            columns=columns,
            times=times,
            min_samples=min_samples,
            masks=masks,
            similarity=similarity,
            max_constants=max_constants,
            executor=executor,
        )
    if method != "dbscan":
        raise InvalidInputError(f"method must be 'dbscan' or 'patterns', got {method!r}")
    process_options = {
        "process_column": process_column,
        "commandline_column": commandline_column,
        "logon_id_column": logon_id_column,
        "path_separator": path_separator,
    }
    frame, names = _feature_frame(df, features, process_options=process_options, executor=executor)
    matrix = feature_matrix(frame, names)
    if len(df) == 0:
        empty = summarise(df, np.zeros(0, dtype=np.int64), columns=columns, times=times)
        return ClusterResult(
            summary=empty,
            labels=pd.Series(np.zeros(0, dtype=np.int64), index=df.index, name="ClusterId"),
            method="dbscan",
            feature_names=names,
            matrix=np.zeros((0, len(names))),
        )
    raw, collapsed, seen, vector_labels, model = fit_dbscan(
        matrix, max_distance=max_distance, min_samples=min_samples, normalize=normalize
    )
    labels = renumber(raw)
    # The same renumbering for the distinct vectors: each takes the label of its rows.
    matrix_labels = np.full(len(seen), -1, dtype=np.int64)
    matrix_labels[collapsed.inverse] = labels
    del vector_labels
    return ClusterResult(
        summary=summarise(df, labels, columns=columns, times=times),
        labels=pd.Series(labels, index=df.index, name="ClusterId"),
        method="dbscan",
        feature_names=names,
        matrix=seen,
        weights=collapsed.weights,
        matrix_labels=matrix_labels,
        model=model,
    )


def _cluster_patterns(
    df: pd.DataFrame,
    *,
    column: str | None,
    columns: Sequence[str] | None,
    times: pd.Series[Any] | None,
    min_samples: int,
    masks: Mapping[str, str] | None,
    similarity: float | None,
    max_constants: int,
    executor: Executor | None,
) -> ClusterResult:
    if column is None:
        raise InvalidInputError(
            "method='patterns' needs column= naming the text column (e.g. 'CommandLine')"
        )
    check_columns(df, [column], role="method='patterns'")
    groups = group_patterns(
        df[column],
        masks=masks,
        similarity=similarity,
        max_constants=max_constants,
        executor=executor,
    )
    group_ids = groups.labels.to_numpy()
    sizes = np.asarray(groups.sizes, dtype=np.int64)
    big = sizes[group_ids] >= min_samples if len(group_ids) else np.zeros(0, dtype=bool)
    labels = renumber(np.where(big, group_ids, -1))
    templates = np.asarray(groups.templates, dtype=object)
    row_templates = templates[group_ids] if len(group_ids) else np.zeros(0, dtype=object)
    per_cluster = pd.Series(row_templates[labels >= 0]).groupby(labels[labels >= 0]).first()
    return ClusterResult(
        summary=summarise(df, labels, columns=columns, times=times, row_templates=row_templates),
        labels=pd.Series(labels, index=df.index, name="ClusterId"),
        method="patterns",
        templates=per_cluster.rename("Template"),
    )


async def cluster_events_async(
    df: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    features: Literal["process"] | Sequence[str] = "process",
    method: ClusterMethod = "dbscan",
    column: str | None = None,
    max_distance: float = _defaults.MAX_DISTANCE,
    min_samples: int = _defaults.MIN_SAMPLES,
    normalize: bool = True,
    time_column: str | None = _defaults.TIME_COLUMN,
    executor: Executor | None = None,
    process_column: str = _defaults.PROCESS_COLUMN,
    commandline_column: str = _defaults.COMMANDLINE_COLUMN,
    logon_id_column: str | None = _defaults.LOGON_ID_COLUMN,
    path_separator: str | None = None,
    masks: Mapping[str, str] | None = None,
    similarity: float | None = None,
    max_constants: int = _defaults.MAX_CONSTANTS,
) -> ClusterResult:
    """Await :func:`cluster_events` without blocking the event loop (same arguments).

    The work runs in a worker thread (feature chunks still go to ``executor``), so the loop
    keeps serving other tasks meanwhile; cancelling the await abandons the result.

    Examples:
        >>> import asyncio, pandas as pd
        >>> events = pd.DataFrame({"NewProcessName": ["a.exe"] * 2, "CommandLine": ["a"] * 2})
        >>> asyncio.run(cluster_events_async(events, time_column=None)).n_clusters
        1
    """
    call = functools.partial(
        cluster_events,
        df,
        columns=columns,
        features=features,
        method=method,
        column=column,
        max_distance=max_distance,
        min_samples=min_samples,
        normalize=normalize,
        time_column=time_column,
        executor=executor,
        process_column=process_column,
        commandline_column=commandline_column,
        logon_id_column=logon_id_column,
        path_separator=path_separator,
        masks=masks,
        similarity=similarity,
        max_constants=max_constants,
    )
    return await asyncio.to_thread(call)
