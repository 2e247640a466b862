"""Template mining at scale: mine each partition, then merge the templates into one id space.

1. **Per partition** (in parallel, on the workers): :func:`asisdk.cluster.group_patterns`
   over the partition's lines gives local group ids per row and the local templates with
   their sizes. The per-row ids stay on the workers (``persist``); only the templates (a few
   per distinct shape of log line) travel to the client.
2. **Merge** (on the client): the local templates, weighted by their sizes, are mined again
   with the same miner. Templates that partitions found in different detail (``disk <*>
   full`` where one partition saw many disks, ``disk 7 full`` where another saw one) join
   under the more general template, because a ``<*>`` in any member makes a column variable.
   Global ids are numbered in order of first appearance (partition order, then row order),
   as the pandas function numbers its groups.
3. **Relabel** (lazy, per partition): each row's local id maps to its global id.

With one partition the templates and labels are exactly those of the pandas function.
With several they are approximate: a word that is a constant in each partition (at most
``max_constants`` distinct words there) may be a variable over all of them, and the merge
sees templates, not lines. Every line still matches its template, and identical lines always
share a group id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from asisdk import cluster as _cluster
from asisdk.cluster import PatternOptions, merge_templates
from asisdk.errors import InvalidInputError
from asisdk.executors import InlineExecutor

if TYPE_CHECKING:
    import dask.dataframe as dd

__all__ = ["DaskPatternGroups", "group_patterns"]

_LABEL_NAME = "GroupId"
#: ``PatternOptions``' default, so the pandas and Dask paths share one value.
_MAX_CONSTANTS = PatternOptions(column="line").max_constants


@attrs.frozen(eq=False)
class _Mined:
    """One partition's mining result (lives on a worker until relabelled)."""

    labels: pd.Series[Any]
    templates: tuple[str, ...]
    sizes: tuple[int, ...]


@attrs.frozen(eq=False)
class DaskPatternGroups:
    """Lines of a Dask Series grouped by template in one global id space.

    Attributes:
        labels: a lazy Dask Series ``GroupId`` (int64) aligned to the input's index and
            divisions.
        templates: the template of each global group id, variable parts shown as ``<*>``.
        sizes: the number of lines in each group.
        partition_templates: how many templates the partitions found before the merge.

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> lines = dd.from_pandas(pd.Series([f"disk {i} full" for i in range(8)]),
        ...                        npartitions=2)
        >>> group_patterns(lines).templates
        ('disk <*> full',)
    """

    labels: dd.Series
    templates: tuple[str, ...]
    sizes: tuple[int, ...]
    partition_templates: int

    @property
    def n_groups(self) -> int:
        """Number of groups."""
        return len(self.templates)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per group: ``GroupId``, ``Template``, ``Size`` (largest first)."""
        plain = pd.Series(np.zeros(0, np.int64))
        return _cluster.PatternGroups(plain, self.templates, self.sizes).to_frame()

    def __repr__(self) -> str:
        return (
            f"DaskPatternGroups(groups={self.n_groups}, "
            f"partition_templates={self.partition_templates})"
        )


def _mine_partition(part: pd.Series[Any], options: dict[str, Any]) -> _Mined:
    groups = _cluster.group_patterns(part, executor=InlineExecutor(), **options)
    return _Mined(labels=groups.labels, templates=groups.templates, sizes=groups.sizes)


def _summary(mined: _Mined) -> tuple[tuple[str, ...], tuple[int, ...]]:
    return mined.templates, mined.sizes


def _relabel(mined: _Mined, mapping: npt.NDArray[np.int64]) -> pd.Series[Any]:
    values = mapping[mined.labels.to_numpy()] if len(mined.labels) else np.zeros(0, np.int64)
    return pd.Series(values, index=mined.labels.index, name=_LABEL_NAME, dtype=np.int64)


def group_patterns(
    lines: dd.Series,
    *,
    masks: Mapping[str, str | re.Pattern[str]] | None = None,
    similarity: float | None = None,
    max_constants: int = _MAX_CONSTANTS,
    max_line_chars: int = PatternOptions.MAX_LINE_CHARS,
    max_tokens: int = PatternOptions.MAX_TOKENS,
) -> DaskPatternGroups:
    """Group the lines of a Dask Series by template: mine per partition, merge, relabel.

    Mining runs now (on the cluster, one task per partition); the per-row labels stay on the
    workers and come back as a lazy Series. See the module notes for what is exact (one
    partition) and what is approximate (several).

    Args:
        lines: a ``dask.dataframe.Series`` of text (log lines, command lines).
        masks: as in :func:`asisdk.cluster.group_patterns`.
        similarity: as in :func:`asisdk.cluster.group_patterns`; applied in each partition
            and again to the merged templates.
        max_constants: as in :func:`asisdk.cluster.group_patterns`.
        max_line_chars: as in :func:`asisdk.cluster.group_patterns`.
        max_tokens: as in :func:`asisdk.cluster.group_patterns`.

    Returns:
        A :class:`DaskPatternGroups`.

    Raises:
        InvalidInputError: ``lines`` is not a Dask Series, or an option is invalid (checked
            before anything runs).

    Examples:
        >>> import dask.dataframe as dd, pandas as pd
        >>> lines = dd.from_pandas(pd.Series(["login from 10.0.0.1", "login from 10.0.0.2"]),
        ...                        npartitions=2)
        >>> groups = group_patterns(lines)
        >>> groups.templates, groups.labels.compute().tolist()
        (('login from <*>',), [0, 0])
    """
    from asisdk.dask._imports import import_dask_dataframe

    dd = import_dask_dataframe()
    import dask

    if not isinstance(lines, dd.Series):
        raise InvalidInputError(
            "asisdk.dask.group_patterns() takes a dask.dataframe.Series (e.g. "
            f"ddf['CommandLine']), got {type(lines).__name__}"
        )
    options: dict[str, Any] = {
        "masks": masks,
        "similarity": similarity,
        "max_constants": max_constants,
        "max_line_chars": max_line_chars,
        "max_tokens": max_tokens,
    }
    _cluster.group_patterns(lines._meta, executor=InlineExecutor(), **options)  # validates
    mine = dask.delayed(_mine_partition, pure=True)
    mined = dask.persist(*[mine(part, options) for part in lines.to_delayed()])
    summaries = dask.compute(*[dask.delayed(_summary, pure=True)(m) for m in mined])
    mappings, templates, sizes = merge_templates(
        list(summaries), max_constants=max_constants, similarity=similarity
    )
    relabel = dask.delayed(_relabel, pure=True)
    meta = pd.Series(np.zeros(0, dtype=np.int64), index=lines._meta.index, name=_LABEL_NAME)
    labels = dd.from_delayed(
        [relabel(m, mapping) for m, mapping in zip(mined, mappings, strict=True)],
        meta=meta,
        divisions=lines.divisions if lines.known_divisions else None,
        verify_meta=False,
    )
    return DaskPatternGroups(
        labels=labels,
        templates=templates,
        sizes=sizes,
        partition_templates=sum(len(t) for t, _ in summaries),
    )
