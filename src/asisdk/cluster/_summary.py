"""Turn per-row cluster labels into the exemplar summary of a :class:`ClusterResult`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from asisdk.errors import InvalidInputError

__all__ = ["event_times", "renumber", "summarise"]


def event_times(df: pd.DataFrame, time_column: str | None) -> pd.Series[Any] | None:
    """Return the time column as datetimes, or ``None`` when ``time_column`` is ``None``.

    Raises:
        InvalidInputError: the column is missing, or holds values but no parseable time.
    """
    if time_column is None:
        return None
    if time_column not in df.columns:
        candidates = [c for c in df.columns if "time" in str(c).lower()]
        raise InvalidInputError(
            f"time column {time_column!r} is not in the frame; pass time_column= one of "
            f"{candidates} or time_column=None to cluster without event times"
        )
    values = df[time_column]
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    if parsed.isna().all() and values.notna().any():
        raise InvalidInputError(
            f"time column {time_column!r} holds no parseable timestamps (first value: "
            f"{values.dropna().iloc[0]!r}); convert it with pd.to_datetime or pass "
            "time_column=None"
        )
    return parsed


def renumber(labels: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Renumber cluster labels 0, 1, ... in order of first appearance; -1 stays -1."""
    out = np.full(len(labels), -1, dtype=np.int64)
    clustered = labels >= 0
    if clustered.any():
        codes, _ = pd.factorize(labels[clustered])
        out[clustered] = codes
    return out


def summarise(
    df: pd.DataFrame,
    labels: npt.NDArray[np.int64],
    *,
    columns: Sequence[str] | None,
    times: pd.Series[Any] | None,
    row_templates: npt.NDArray[np.object_] | None = None,
) -> pd.DataFrame:
    """Build the summary: one exemplar row per cluster, one row per unclustered event."""
    positions = np.arange(len(labels))
    clustered = labels >= 0
    first = pd.Series(positions[clustered]).groupby(labels[clustered], sort=True).min()
    exemplars = np.sort(np.concatenate([first.to_numpy(), positions[~clustered]]))
    view = df if columns is None else df[list(columns)]
    summary = view.iloc[exemplars].copy()
    ids = labels[exemplars]
    sizes = np.bincount(labels[clustered], minlength=len(first)) if len(first) else np.zeros(0)
    summary["Clustered"] = ids >= 0
    summary["ClusterId"] = ids
    summary["ClusterSize"] = np.where(ids >= 0, sizes[np.maximum(ids, 0)] if len(sizes) else 1, 1)
    if times is not None:
        own = times.reset_index(drop=True)
        by_label = own.groupby(labels)
        # Unclustered rows (-1) keep their own time, never the span of all noise rows.
        first_t = own.where(labels < 0, by_label.transform("min"))
        last_t = own.where(labels < 0, by_label.transform("max"))
        summary["FirstEventTime"] = pd.Series(first_t.iloc[exemplars].array, index=summary.index)
        summary["LastEventTime"] = pd.Series(last_t.iloc[exemplars].array, index=summary.index)
    if row_templates is not None:
        summary["Template"] = row_templates[exemplars]
    return summary
