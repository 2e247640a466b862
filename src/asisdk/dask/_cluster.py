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

from asisdk.cluster import PROCESS_FEATURE_COLUMNS
from asisdk.cluster import _defaults as _cluster_defaults
from asisdk.cluster._dbscan import feature_matrix, normalise_rows
from asisdk.cluster._summary import renumber
from asisdk.dask._frames import add_process_features
from asisdk.errors import InvalidInputError

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["DaskClusterResult", "cluster_events"]

_WEIGHT = "__weight__"
_LABEL_NAME = "ClusterId"


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
    features: Literal["process"] | Sequence[str] = "process",
    max_distance: float = _cluster_defaults.MAX_DISTANCE,
    min_samples: int = _cluster_defaults.MIN_SAMPLES,
    normalize: bool = True,
    process_column: str = _cluster_defaults.PROCESS_COLUMN,
    commandline_column: str = _cluster_defaults.COMMANDLINE_COLUMN,
    logon_id_column: str | None = _cluster_defaults.LOGON_ID_COLUMN,
    path_separator: str | None = None,
) -> DaskClusterResult:
    """DBSCAN-cluster the events of a Dask DataFrame on the distinct feature vectors only.

    The clusters and their ids are exactly those of :func:`asisdk.cluster.cluster_events`
    with ``method="dbscan"`` on the same rows in the same order (see the module notes). For
    template clusters use :func:`asisdk.dask.group_patterns`.

    Args:
        df: a ``dask.dataframe.DataFrame`` of events.
        features: ``"process"`` or a list of numeric feature columns (process feature names
            are computed when absent).
        max_distance: DBSCAN ``eps``.
        min_samples: events (counting duplicates) needed to form a cluster.
        normalize: scale each feature vector to unit length first.
        process_column: process path column (process features).
        commandline_column: command line column (process features).
        logon_id_column: logon id column (process features; ``None`` or absent: not system).
        path_separator: see :func:`asisdk.cluster.add_process_features`.

    Returns:
        A :class:`DaskClusterResult` whose ``labels`` are lazy.

    Raises:
        InvalidInputError: not a Dask DataFrame, a missing column, an invalid option, or
            (when computing) non-numeric or missing feature values.

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
    from sklearn.cluster import DBSCAN

    if not isinstance(df, dd.DataFrame):
        raise InvalidInputError(
            f"asisdk.dask.cluster_events() takes a dask.dataframe.DataFrame, got {type(df)!r}"
        )
    if not max_distance > 0:
        raise InvalidInputError(f"max_distance must be greater than 0, got {max_distance}")
    if min_samples < 1:
        raise InvalidInputError(f"min_samples must be at least 1, got {min_samples}")
    if isinstance(features, str):
        if features != "process":
            raise InvalidInputError(
                f"features must be 'process' or a list of column names, got {features!r}"
            )
        names = list(_cluster_defaults.PROCESS_CLUSTER_FEATURES)
    else:
        names = list(features)
        if not names:
            raise InvalidInputError("features is empty; name at least one feature column")
    frame = df
    if any(n not in df.columns and n in PROCESS_FEATURE_COLUMNS for n in names):
        frame = add_process_features(
            df,
            path_separator=path_separator,
            process_column=process_column,
            commandline_column=commandline_column,
            logon_id_column=logon_id_column if logon_id_column in df.columns else None,
        )
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
    seen = normalise_rows(vectors) if normalize else vectors
    if len(vectors):
        model = DBSCAN(eps=max_distance, min_samples=min_samples)
        model.fit(seen, sample_weight=weights)
        matrix_labels = renumber(np.asarray(model.labels_, dtype=np.int64))
    else:
        matrix_labels = np.zeros(0, dtype=np.int64)
    label_meta = pd.Series(np.zeros(0, np.int64), index=df._meta.index, name=_LABEL_NAME)
    labels = selected.map_partitions(_label_rows, names, vectors, matrix_labels, meta=label_meta)
    return DaskClusterResult(
        labels=labels,
        feature_names=tuple(names),
        matrix=seen,
        weights=weights,
        matrix_labels=matrix_labels,
    )
