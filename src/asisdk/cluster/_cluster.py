"""``cluster_events``: summarise many events into clusters (DBSCAN or template mining)."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from asisdk.cluster import _defaults
from asisdk.cluster._dbscan import collapse, feature_matrix, fit_weighted, normalise_rows
from asisdk.cluster._features import (
    PROCESS_FEATURE_COLUMNS,
    check_columns,
    compute_process_features,
)
from asisdk.cluster._options import DbscanOptions, PatternOptions, ProcessColumns, refuse_beside
from asisdk.cluster._patterns import group_patterns
from asisdk.cluster._result import ClusterMethod, ClusterResult
from asisdk.cluster._summary import event_times, renumber, summarise
from asisdk.errors import InvalidInputError
from asisdk.executors import asyncify

__all__ = ["cluster_events", "cluster_events_async", "cluster_vectors"]


def _feature_frame(
    df: pd.DataFrame, options: DbscanOptions, executor: Executor | None
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    names = options.feature_names
    computed = [n for n in names if n not in df.columns and n in PROCESS_FEATURE_COLUMNS]
    if computed:
        extra = compute_process_features(df, options.process_columns, executor=executor)
        frame = pd.concat([df[[n for n in names if n in df.columns]], extra[computed]], axis=1)
    else:
        check_columns(df, list(names), role="features")
        frame = df[list(names)]
    return frame, names


def _options(method: object, shortcuts: dict[str, Any]) -> DbscanOptions | PatternOptions:
    """The options object of ``method``: given, or built from the keyword shortcuts."""
    if isinstance(method, DbscanOptions | PatternOptions):
        refuse_beside(method, shortcuts, _SHORTCUT_DEFAULTS)
        return method
    # Both methods check these two (as cluster_events always has), whichever is chosen.
    DbscanOptions(max_distance=shortcuts["max_distance"], min_samples=shortcuts["min_samples"])
    if method not in ("dbscan", "patterns"):
        raise InvalidInputError(f"method must be 'dbscan' or 'patterns', got {method!r}")
    if method == "patterns":
        return PatternOptions(
            **{name: shortcuts[name] for name in attrs.fields_dict(PatternOptions)}
        )
    dbscan = ("features", "max_distance", "min_samples", "normalize")
    return DbscanOptions(
        **{name: shortcuts[name] for name in dbscan},
        process_columns=ProcessColumns(
            **{
                name: shortcuts[f"{name}_column"] for name in ("process", "commandline", "logon_id")
            },
            path_separator=shortcuts["path_separator"],
        ),
    )


def cluster_events(
    df: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    features: Literal["process"] | Sequence[str] = "process",
    method: ClusterMethod | DbscanOptions | PatternOptions = "dbscan",
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

    ``method=DbscanOptions(...)`` (the default, ``"dbscan"``) clusters numeric features with
    scikit-learn's DBSCAN. With ``features="process"`` the process features of
    :func:`add_process_features` are computed (in ``executor``, once per distinct event) and
    the clustering uses ``pathLogScore``, ``commandlineLogLen``, ``commandlineTokensFull``
    and ``isSystemSession``; or name your own numeric columns (process feature names are
    computed when absent). Identical feature vectors are collapsed into one weighted point
    before DBSCAN, which gives the same clusters at the cost of the distinct vectors only.

    ``method=PatternOptions(column=...)`` (or ``"patterns"``) groups the text in ``column``
    by template (:func:`group_patterns`): ``install-update -hostname <*> -tmp:/tmp/<*>/rollback``.
    Groups with at least ``min_samples`` rows are clusters; smaller ones stay unclustered.

    The method's options are keywords too, a shortcut: ``method="patterns",
    column="CommandLine"`` is ``method=PatternOptions(column="CommandLine")``. They apply
    when ``method`` is a name; beside an options object they are refused.
    ``cluster_events_async`` takes the same arguments and runs in a worker thread.

    Args:
        df: the events.
        columns: input columns kept in the summary (default: all).
        features: shortcut (see above): :attr:`DbscanOptions.features`; likewise
            ``max_distance``, ``min_samples`` and ``normalize``.
        method: ``"dbscan"``, ``"patterns"``, a :class:`DbscanOptions` or a
            :class:`PatternOptions`.
        column: shortcut: :attr:`PatternOptions.column` (required for ``"patterns"``);
            likewise ``masks``, ``similarity`` and ``max_constants``.
        time_column: event time column for ``FirstEventTime`` / ``LastEventTime``; ``None``
            to leave those columns out.
        executor: where feature chunks run (see :mod:`asisdk.executors`).
        process_column: shortcut: :attr:`ProcessColumns.process`; likewise
            ``commandline_column``, ``logon_id_column`` and ``path_separator``.

    Returns:
        A :class:`ClusterResult`: ``summary``, ``labels`` aligned to ``df.index``, and the
        model and feature matrix for :func:`plot_clusters`. An empty frame gives an empty
        result.

    Raises:
        InvalidInputError: a missing column (features, text, or time column; pass
            ``time_column=None`` to cluster without times), non-numeric or missing feature
            values, or an invalid option.
        InvalidArgumentError: shortcut keywords beside an options object.

    Examples:
        >>> import asyncio, pandas as pd
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
        >>> by_text = PatternOptions(column="CommandLine", min_samples=3)
        >>> asyncio.run(cluster_events_async(events, method=by_text)).n_clusters
        1
    """
    shortcuts = {k: v for k, v in locals().items() if k in _SHORTCUT_DEFAULTS}
    if not isinstance(df, pd.DataFrame):
        raise InvalidInputError(f"cluster_events needs a pandas DataFrame, got {type(df)!r}")
    options = _options(method, shortcuts)
    if columns is not None:
        check_columns(df, list(columns), role="columns")
    times = event_times(df, time_column)
    if isinstance(options, PatternOptions):
        return _cluster_patterns(df, options, columns=columns, times=times, executor=executor)
    frame, names = _feature_frame(df, options, executor)
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
    collapsed = collapse(matrix)
    # Distinct vectors come in order of their first row: numbering them numbers the rows.
    seen, matrix_labels, model = cluster_vectors(collapsed.vectors, collapsed.weights, options)
    labels = matrix_labels[collapsed.inverse]
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


_SHORTCUT_DEFAULTS: dict[str, Any] = {
    name: parameter.default
    for name, parameter in inspect.signature(cluster_events).parameters.items()
    if name not in {"df", "method", "columns", "time_column", "executor"}
}


def _cluster_patterns(
    df: pd.DataFrame,
    options: PatternOptions,
    *,
    columns: Sequence[str] | None,
    times: pd.Series[Any] | None,
    executor: Executor | None,
) -> ClusterResult:
    check_columns(df, [options.column], role="method='patterns'")
    groups = group_patterns(
        df[options.column],
        masks=options.masks,
        similarity=options.similarity,
        max_constants=options.max_constants,
        executor=executor,
    )
    group_ids = groups.labels.to_numpy()
    sizes = np.asarray(groups.sizes, dtype=np.int64)
    big = sizes[group_ids] >= options.min_samples if len(group_ids) else np.zeros(0, dtype=bool)
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


cluster_events_async = asyncify(cluster_events)


def cluster_vectors(
    vectors: npt.NDArray[np.float64], weights: npt.NDArray[np.int64], options: DbscanOptions
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], Any]:
    """DBSCAN over distinct feature vectors, each standing for ``weights`` rows (what
    :func:`cluster_events` does after collapsing rows; the Dask one collapses per partition).

    Returns:
        (the matrix DBSCAN saw, each vector's cluster id: 0, 1, ... in order of first
        appearance, -1 for unclustered; the fitted model, ``None`` without vectors).

    Examples:
        >>> vectors = np.array([[1.0, 0.0], [0.0, 1.0]])
        >>> seen, labels, model = cluster_vectors(vectors, np.array([3, 1]), DbscanOptions())
        >>> labels.tolist()
        [0, -1]
    """
    if not len(vectors):
        seen = normalise_rows(vectors) if options.normalize else vectors
        return seen, np.zeros(0, np.int64), None
    seen, labels, model = fit_weighted(
        vectors,
        weights,
        max_distance=options.max_distance,
        min_samples=options.min_samples,
        normalize=options.normalize,
    )
    return seen, renumber(labels), model
