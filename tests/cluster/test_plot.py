"""plot_clusters draws a matplotlib figure (where matplotlib is installed)."""

from __future__ import annotations

import pandas as pd
import pytest

from asisdk.cluster import cluster_events, plot_clusters
from asisdk.errors import InvalidInputError

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def test_returns_a_figure_with_clusters_and_rare_points(host_processes: pd.DataFrame) -> None:
    from matplotlib.figure import Figure

    result = cluster_events(host_processes)
    fig = plot_clusters(result, x="pathLogScore", y="commandlineLogLen")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "pathLogScore"
    assert ax.get_ylabel() == "commandlineLogLen"
    plotted = sum(len(c.get_offsets()) for c in ax.collections)
    assert plotted == len(result.matrix)
    assert f"{result.n_clusters} clusters" in ax.get_title()


def test_bad_requests_are_clear_errors(host_processes: pd.DataFrame) -> None:
    result = cluster_events(host_processes)
    with pytest.raises(InvalidInputError, match="choose from"):
        plot_clusters(result, x="nope")
    with pytest.raises(InvalidInputError, match="out of range"):
        plot_clusters(result, y=9)
    patterns = cluster_events(host_processes, method="patterns", column="CommandLine")
    with pytest.raises(InvalidInputError, match="patterns"):
        plot_clusters(patterns)
