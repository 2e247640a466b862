"""The value :func:`~asisdk.cluster.cluster_events` returns."""

from __future__ import annotations

from typing import Any, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["ClusterMethod", "ClusterResult"]

#: How events were grouped: DBSCAN over numeric features, or template mining over text.
ClusterMethod = Literal["dbscan", "patterns"]


@attrs.frozen(eq=False)
class ClusterResult:
    """Clusters of events: a compact summary plus a label for every input row.

    Attributes:
        summary: one exemplar row (the cluster's first event in input order) per cluster and
            one row per unclustered event, in input order, with the added columns
            ``Clustered`` (bool), ``ClusterId`` (-1 when unclustered), ``ClusterSize``
            (events the row stands for), ``FirstEventTime`` / ``LastEventTime`` (the
            cluster's time span; an unclustered event's own time; absent when clustering
            ran with ``time_column=None``) and, for ``method="patterns"``, ``Template``.
        labels: the ``ClusterId`` of every input row, aligned to the input index (-1 for
            unclustered rows): ``df.join(result.labels)`` loses nothing.
        method: ``"dbscan"`` or ``"patterns"``.
        feature_names: the features clustered on (empty for ``"patterns"``).
        matrix: the distinct feature vectors DBSCAN saw (row-normalised when ``normalize``),
            one row per distinct vector; shape ``(0, 0)`` for ``"patterns"``.
        weights: how many input rows each row of ``matrix`` stands for.
        matrix_labels: the cluster id of each row of ``matrix``.
        model: the fitted ``sklearn.cluster.DBSCAN`` (``None`` when nothing was fitted).
        templates: for ``"patterns"``, the template of each cluster id (index: ClusterId);
            empty for ``"dbscan"``.

    Examples:
        >>> import pandas as pd
        >>> from asisdk.cluster import cluster_events
        >>> events = pd.DataFrame({"NewProcessName": ["C:\\\\w\\\\a.exe"] * 3,
        ...                        "CommandLine": ["a.exe -x"] * 3})
        >>> result = cluster_events(events, time_column=None)
        >>> result.n_clusters, result.labels.tolist()
        (1, [0, 0, 0])
    """

    summary: pd.DataFrame
    labels: pd.Series[Any]
    method: ClusterMethod
    feature_names: tuple[str, ...] = ()
    matrix: npt.NDArray[np.float64] = attrs.field(factory=lambda: np.zeros((0, 0)))
    weights: npt.NDArray[np.int64] = attrs.field(factory=lambda: np.zeros(0, dtype=np.int64))
    matrix_labels: npt.NDArray[np.int64] = attrs.field(factory=lambda: np.zeros(0, dtype=np.int64))
    model: Any = None
    templates: pd.Series[Any] = attrs.field(factory=lambda: pd.Series(dtype=object))

    @property
    def n_clusters(self) -> int:
        """Number of clusters (unclustered events not counted)."""
        clustered = self.labels[self.labels >= 0]
        return int(clustered.nunique())

    @property
    def n_unclustered(self) -> int:
        """Number of input rows that belong to no cluster."""
        return int((self.labels < 0).sum())

    def __repr__(self) -> str:
        return (
            f"ClusterResult(method={self.method!r}, rows={len(self.labels)}, "
            f"clusters={self.n_clusters}, unclustered={self.n_unclustered}, "
            f"summary_rows={len(self.summary)})"
        )
