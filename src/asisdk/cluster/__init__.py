"""Summarise large numbers of events into clusters and patterns.

High-volume repetitive events (an agent's health checks, an admin command run on thousands
of servers) hide the unique ones. :func:`cluster_events` collapses them into clusters with
one exemplar row each, using DBSCAN over numeric features of process events
(``method=DbscanOptions(...)``, the process columns in :class:`ProcessColumns`) or
template mining over text (``method=PatternOptions(column=...)``); :func:`group_patterns`
finds the template behind each log or command line
(``install-update -hostname <*> -tmp:/tmp/<*>/rollback``).

Examples:
    >>> import pandas as pd
    >>> from asisdk.cluster import group_patterns
    >>> group_patterns(["login from 10.0.0.1", "login from 10.0.0.2"]).templates
    ('login from <*>',)
"""

from __future__ import annotations

from asisdk.cluster._cluster import cluster_events, cluster_events_async, cluster_vectors
from asisdk.cluster._dbscan import feature_matrix
from asisdk.cluster._features import (
    PROCESS_FEATURE_COLUMNS,
    add_process_features,
    char_ord_score,
    crc32_hash,
    delim_count,
    delim_hash,
    token_count,
)
from asisdk.cluster._masks import DEFAULT_MASKS
from asisdk.cluster._options import DbscanOptions, PatternOptions, ProcessColumns
from asisdk.cluster._patterns import PatternGroups, group_patterns, merge_templates
from asisdk.cluster._plot import plot_clusters
from asisdk.cluster._result import ClusterMethod, ClusterResult

__all__ = [
    "DEFAULT_MASKS",
    "PROCESS_FEATURE_COLUMNS",
    "ClusterMethod",
    "ClusterResult",
    "DbscanOptions",
    "PatternGroups",
    "PatternOptions",
    "ProcessColumns",
    "add_process_features",
    "char_ord_score",
    "cluster_events",
    "cluster_events_async",
    "cluster_vectors",
    "crc32_hash",
    "delim_count",
    "delim_hash",
    "feature_matrix",
    "group_patterns",
    "merge_templates",
    "plot_clusters",
    "token_count",
]
