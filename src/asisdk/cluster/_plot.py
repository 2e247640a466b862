"""``plot_clusters``: a matplotlib scatter of a DBSCAN clustering (matplotlib is optional)."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from asisdk.cluster._result import ClusterResult
from asisdk.errors import ConfigurationError, InvalidInputError

__all__ = ["plot_clusters"]


def _pyplot() -> Any:
    try:
        return importlib.import_module("matplotlib.pyplot")
    except ImportError as exc:
        raise ConfigurationError(
            "plot_clusters needs matplotlib, which asisdk does not install by default; "
            "install it with `pip install 'asisdk[notebook]'` or `pip install matplotlib`"
        ) from exc


def plot_clusters(
    result: ClusterResult,
    *,
    x: str | int = 0,
    y: str | int = 1,
    min_size: int = 3,
    title: str | None = None,
) -> Any:
    """Scatter the distinct feature vectors of a DBSCAN result, coloured by cluster.

    Each point is one distinct feature vector, its area growing with the number of events
    it stands for. Clusters smaller than ``min_size`` and unclustered events are drawn as
    large ``+`` markers: those are the rare events worth a look.

    Args:
        result: a :class:`ClusterResult` from ``cluster_events(..., method="dbscan")``.
        x: the feature on the x axis (name or position in ``result.feature_names``).
        y: the feature on the y axis (name or position); with one feature, y is 0.
        min_size: clusters with fewer events are highlighted like unclustered events.
        title: the axes title (default: counts of clusters and unclustered events).

    Returns:
        A ``matplotlib.figure.Figure`` (``fig.savefig(...)``, or displayed by Jupyter).

    Raises:
        InvalidInputError: the result has no feature matrix (``method="patterns"``), or
            ``x`` / ``y`` name no feature.
        ConfigurationError: matplotlib is not installed (the message says how to get it).

    Examples:
        >>> fig = plot_clusters(result, x="pathLogScore", y="commandlineLogLen")  # doctest: +SKIP
        >>> fig.savefig("clusters.png")  # doctest: +SKIP
    """
    if result.method != "dbscan" or (result.matrix.size == 0 and len(result.labels) > 0):
        raise InvalidInputError(
            "plot_clusters needs a DBSCAN result with a feature matrix; "
            "method='patterns' results have none (see result.summary / result.templates)"
        )
    names = list(result.feature_names)

    def position(axis: str | int) -> int:
        if isinstance(axis, str):
            if axis not in names:
                raise InvalidInputError(f"feature {axis!r} not clustered on; choose from {names}")
            return names.index(axis)
        if not 0 <= axis < max(len(names), 1):
            raise InvalidInputError(f"feature position {axis} out of range for {names}")
        return axis

    plt = _pyplot()
    ix = position(x)
    iy = position(y) if len(names) > 1 else None
    matrix = result.matrix
    xs = matrix[:, ix] if len(matrix) else np.zeros(0)
    ys = matrix[:, iy] if iy is not None and len(matrix) else np.zeros(len(xs))
    labels = result.matrix_labels
    row_labels = result.labels.to_numpy()
    counts = np.bincount(row_labels[row_labels >= 0], minlength=int(labels.max(initial=-1)) + 1)
    rare = (labels < 0) | (counts[np.maximum(labels, 0)] < min_size)
    sizes = 12 + 8 * np.log1p(result.weights)
    fig, ax = plt.subplots(figsize=(8, 6))
    common = ~rare
    if common.any():
        ax.scatter(
            xs[common], ys[common], c=labels[common], s=sizes[common], cmap="tab20", alpha=0.6
        )
    if rare.any():
        ax.scatter(xs[rare], ys[rare], marker="+", s=120, c="black", label="rare / unclustered")
        ax.legend(loc="best")
    ax.set_xlabel(names[ix] if names else "x")
    ax.set_ylabel(names[iy] if iy is not None else "")
    ax.set_title(
        title or f"{result.n_clusters} clusters, {result.n_unclustered} unclustered events"
    )
    fig.tight_layout()
    plt.close(fig)  # hand the figure back without showing it twice in notebooks
    return fig
