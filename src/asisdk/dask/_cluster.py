"""DBSCAN at scale: distinct feature vectors per partition, one weighted DBSCAN, lazy labels.

1. **Per partition** (on the workers): the features (process features computed when
   asked), checked as the pandas function checks them, collapsed to distinct vectors with
   the number of rows each stands for, in order of first appearance.
2. **Combine** (on the client): the partitions' distinct vectors are concatenated in
   partition order and collapsed again (weights summed). The result is exactly the distinct
   vectors, weights and order the pandas :func:`asisdk.cluster.cluster_events` builds, so
   DBSCAN (``sample_weight`` = row counts) sees the same input and gives the same clusters,
   numbered the same way.
3. **Label** (lazy, per partition): each row looks its vector up in the labelled table.

Only distinct vectors travel: a billion events of a few hundred thousand distinct shapes
move a few hundred thousand small rows per partition at most.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from asisdk.cluster import (
    PROCESS_FEATURE_COLUMNS,
    DbscanOptions,
    ProcessColumns,
    cluster_vectors,
    feature_matrix,
)
from asisdk.dask._frames import add_process_features
from asisdk.errors import InvalidArgumentError, InvalidInputError

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["DaskClusterResult", "cluster_events"]

_WEIGHT = "__weight__"
_LABEL_NAME = "ClusterId"
_DEFAULT = DbscanOptions()


@attrs.frozen(eq=False)
class DaskClusterResult:
    """DBSCAN clusters of a Dask DataFrame's events.

    Attributes:
        labels: a lazy Dask Series ``ClusterId`` (int64, -1 for unclustered rows) aligned to
            the input's index and divisions.
        feature_names: the features clustered on.
        matrix: the distinct feature vectors DBSCAN saw (row-normalised when ``normalize``).
        weights: how many input rows each row of ``matrix`` stands for.
        matrix_labels: the cluster id of each row of ``matrix``.

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> events = dd.from_pandas(pd.DataFrame({"NewProcessName": ["C:\\\\w\\\\a.exe"] * 3,
        ...                                       "CommandLine": ["a.exe -x"] * 3}),
        ...                         npartitions=2)
        >>> result = cluster_events(events)
        >>> result.n_clusters, result.labels.compute().tolist()
        (1, [0, 0, 0])
    """

    labels: dd.Series
    feature_names: tuple[str, ...]
    matrix: npt.NDArray[np.float64]
    weights: npt.NDArray[np.int64]
    matrix_labels: npt.NDArray[np.int64]

    @property
    def n_clusters(self) -> int:
        """Number of clusters (without the unclustered rows)."""
        return int(self.matrix_labels.max()) + 1 if len(self.matrix_labels) else 0

    @property
    def sizes(self) -> tuple[int, ...]:
        """The number of rows in each cluster, by cluster id."""
        clustered = self.matrix_labels >= 0
        counts = np.bincount(
            self.matrix_labels[clustered],
            weights=self.weights[clustered],
            minlength=self.n_clusters,
        )
        return tuple(int(c) for c in counts)

    def __repr__(self) -> str:
        return f"DaskClusterResult(clusters={self.n_clusters}, vectors={len(self.weights)})"


def _distinct_vectors(part: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    matrix = feature_matrix(part, names)
    frame = pd.DataFrame(matrix, columns=names)
    counts = frame.groupby(names, sort=False).size()
    return counts.rename(_WEIGHT).reset_index()


def _label_rows(
    part: pd.DataFrame, names: list[str], vectors: npt.NDArray[np.float64], labels: Any
) -> pd.Series[Any]:
    matrix = feature_matrix(part, names)
    table = pd.DataFrame(vectors, columns=names)
    table[_LABEL_NAME] = labels
    rows = pd.DataFrame(matrix, columns=names)
    joined = rows.merge(table, how="left", on=names, sort=False, validate="many_to_one")
    return pd.Series(
        joined[_LABEL_NAME].to_numpy(dtype=np.int64), index=part.index, name=_LABEL_NAME
    )


def cluster_events(
    df: dd.DataFrame,
    *,
    method: DbscanOptions | None = None,
    features: Literal["process"] | Sequence[str] = "process",
    max_distance: float = _DEFAULT.max_distance,
    min_samples: int = _DEFAULT.min_samples,
    normalize: bool = True,
    process_column: str = _DEFAULT.process_columns.process,
    commandline_column: str = _DEFAULT.process_columns.commandline,
    logon_id_column: str | None = _DEFAULT.process_columns.logon_id,
    path_separator: str | None = None,
) -> DaskClusterResult:
    """DBSCAN-cluster the events of a Dask DataFrame on the distinct feature vectors only.

    The clusters and their ids are exactly those of :func:`asisdk.cluster.cluster_events`
    with the same :class:`~asisdk.cluster.DbscanOptions` on the same rows in the same order
    (see the module notes). The keywords are the same shortcuts as there. For template
    clusters use :func:`asisdk.dask.group_patterns`.

    Args:
        df: a ``dask.dataframe.DataFrame`` of events.
        method: a :class:`~asisdk.cluster.DbscanOptions` (default: built from the keywords).
        features: shortcut for ``DbscanOptions.features``.
        max_distance: shortcut for ``DbscanOptions.max_distance`` (DBSCAN ``eps``).
        min_samples: shortcut for ``DbscanOptions.min_samples``.
        normalize: shortcut for ``DbscanOptions.normalize``.
        process_column: shortcut for ``ProcessColumns.process``.
        commandline_column: shortcut for ``ProcessColumns.commandline``.
        logon_id_column: shortcut for ``ProcessColumns.logon_id``.
        path_separator: shortcut for ``ProcessColumns.path_separator``.

    Returns:
        A :class:`DaskClusterResult` whose ``labels`` are lazy.

    Raises:
        InvalidInputError: not a Dask DataFrame, a missing column, an invalid option, or
            (when computing) non-numeric or missing feature values.
        InvalidArgumentError: shortcut keywords beside ``method``.

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> events = dd.from_pandas(pd.DataFrame({"NewProcessName": ["a.exe", "b.exe"] * 2,
        ...                                       "CommandLine": ["a", "b -x -y"] * 2}),
        ...                         npartitions=2)
        >>> cluster_events(events, min_samples=2).sizes
        (2, 2)
    """
    from asisdk.dask._imports import import_dask_dataframe

    dd = import_dask_dataframe()
    import dask

    if not isinstance(df, dd.DataFrame):
        raise InvalidInputError(
            f"asisdk.dask.cluster_events() takes a dask.dataframe.DataFrame, got {type(df)!r}"
        )
    built = DbscanOptions(
        features=features,
        max_distance=max_distance,
        min_samples=min_samples,
        normalize=normalize,
        process_columns=ProcessColumns(
            process_column, commandline_column, logon_id_column, path_separator
        ),
    )
    if method is not None and built != _DEFAULT:
        raise InvalidArgumentError(
            "pass the options inside method=DbscanOptions(...), not as keywords beside it"
        )
    options = built if method is None else method
    names = list(options.feature_names)
    frame = df
    if any(n not in df.columns and n in PROCESS_FEATURE_COLUMNS for n in names):
        columns = options.process_columns
        if columns.logon_id not in df.columns:
            columns = attrs.evolve(columns, logon_id=None)
        frame = add_process_features(df, process_columns=columns)
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise InvalidInputError(
            f"features: column(s) {missing} not in the frame; it has {list(df.columns)[:20]}"
        )
    selected = frame[names]
    feature_matrix(selected._meta, names)  # dtype check now, not on a worker
    meta = pd.DataFrame({n: pd.Series(dtype=np.float64) for n in names})
    meta[_WEIGHT] = pd.Series(dtype=np.int64)
    per_partition = selected.map_partitions(_distinct_vectors, names, meta=meta)
    parts: pd.DataFrame = dask.compute(per_partition)[0]
    combined = parts.groupby(names, sort=False)[_WEIGHT].sum()
    vectors = (
        np.asarray(combined.index.to_frame(index=False).to_numpy(dtype=np.float64))
        if len(combined)
        else np.zeros((0, len(names)))
    )
    weights = combined.to_numpy(dtype=np.int64)
    seen, matrix_labels, _ = cluster_vectors(vectors, weights, options)
    label_meta = pd.Series(np.zeros(0, np.int64), index=df._meta.index, name=_LABEL_NAME)
    labels = selected.map_partitions(_label_rows, names, vectors, matrix_labels, meta=label_meta)
    return DaskClusterResult(
        labels=labels,
        feature_names=tuple(names),
        matrix=seen,
        weights=weights,
        matrix_labels=matrix_labels,
    )
