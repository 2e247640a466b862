"""The rules over many cores or machines: row chunks in an executor, or Dask partitions.

Single-event rules need nothing but the event, so each chunk (or partition) is matched on
its own and the match rows are concatenated. Correlation rules look across events; with an
executor they run once over the gathered matches, with Dask they are left out (a partition
sees only its own events; collect the frame and call :meth:`SigmaRules.match` for them).
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from asisdk.executors import map_frame
from asisdk.sigma._correlation import correlate
from asisdk.sigma._matches import SigmaMatches, build_frame, empty_matches_frame

if TYPE_CHECKING:
    from asisdk.sigma._rules import DetectionRule, SigmaRules

__all__ = ["match_frame"]


def _match_chunk(chunk: pd.DataFrame, rules: SigmaRules) -> pd.DataFrame:
    return rules.match(chunk, time_column=None).frame


def _is_dask(frame: object) -> bool:
    return type(frame).__module__.startswith(("dask.", "dask_expr"))


def match_frame(
    rules: SigmaRules,
    frame: Any,
    *,
    executor: Executor | None = None,
    chunk_size: int | None = None,
    time_column: str | None = "TimeCreated",
) -> Any:
    """Match ``rules`` over a pandas frame in chunks, or over a Dask DataFrame lazily.

    Args:
        rules: the rules.
        frame: a pandas DataFrame (cut into row chunks run in ``executor``) or a
            ``dask.dataframe.DataFrame`` (one match per partition with ``map_partitions``).
        executor: where pandas chunks run (see :mod:`asisdk.executors`; ``None`` picks inline
            for small frames and a process pool for large ones).
        chunk_size: rows per chunk (pandas only).
        time_column: the event time column for correlation rules (pandas only).

    Returns:
        :class:`~asisdk.sigma.SigmaMatches` for pandas (chunks that failed are listed in its
        ``problems``); a lazy Dask DataFrame with the columns of ``SigmaMatches.frame`` for
        Dask (correlation rules left out).

    Examples:
        >>> from asisdk.executors import InlineExecutor
        >>> match_frame(rules, events, executor=InlineExecutor()).summary()  # doctest: +SKIP
    """
    from asisdk.sigma._rules import SigmaRules

    single = SigmaRules(tuple(r for r in rules if not r.is_correlation), rules.errors)
    if _is_dask(frame):
        return frame.map_partitions(_match_chunk, single, meta=empty_matches_frame())
    outcomes = map_frame(
        _match_chunk, frame, executor=executor, chunk_size=chunk_size, rules=single
    )
    parts = [o.value for o in outcomes if o.ok and o.value is not None and len(o.value)]
    problems = tuple(f"chunk {o.position}: {o.error}" for o in outcomes if not o.ok)
    matched = pd.concat(parts, ignore_index=True) if parts else empty_matches_frame()
    correlations = [r for r in rules if r.is_correlation]
    if correlations:
        matched = _with_correlations(rules, correlations, frame, matched, time_column)
    return SigmaMatches(frame=matched, rule_count=len(rules), problems=problems)


def _with_correlations(
    rules: SigmaRules,
    correlations: list[DetectionRule],
    frame: pd.DataFrame,
    matched: pd.DataFrame,
    time_column: str | None,
) -> pd.DataFrame:
    positions: dict[str, npt.NDArray[np.intp]] = {}
    for rule_id, group in matched.groupby("rule_id"):
        located = frame.index.get_indexer(pd.Index(group["event_index"]))
        positions[str(rule_id)] = np.asarray(located[located >= 0], dtype=np.intp)
    hits = [(c, correlate(c, frame, positions, time_column)) for c in correlations]
    extra = build_frame(frame, hits)
    return pd.concat([matched, extra], ignore_index=True) if len(extra) else matched
