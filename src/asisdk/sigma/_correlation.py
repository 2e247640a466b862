"""Correlation rules: ``event_count`` and ``value_count`` over sliding time windows.

A correlation counts the events its referenced rules matched, per value of its ``group-by``
fields, within ``timespan``: ``event_count`` counts events, ``value_count`` the distinct
values of one field. The match rows it gives are the events of every window whose count
meets the condition (``gte: 10``), so a correlation reports the events that made it fire.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from sigma.correlations import (
    SigmaCorrelationConditionOperator,
    SigmaCorrelationRule,
    SigmaCorrelationType,
)

from asisdk.sigma._regex import UnsupportedRuleError

__all__ = ["SUPPORTED_CORRELATIONS", "correlate"]

SUPPORTED_CORRELATIONS: Final = (SigmaCorrelationType.EVENT_COUNT, SigmaCorrelationType.VALUE_COUNT)

_OPS: Final[Mapping[SigmaCorrelationConditionOperator, Callable[[int, int], bool]]] = {
    SigmaCorrelationConditionOperator.LT: lambda a, b: a < b,
    SigmaCorrelationConditionOperator.LTE: lambda a, b: a <= b,
    SigmaCorrelationConditionOperator.GT: lambda a, b: a > b,
    SigmaCorrelationConditionOperator.GTE: lambda a, b: a >= b,
    SigmaCorrelationConditionOperator.EQ: lambda a, b: a == b,
    SigmaCorrelationConditionOperator.NEQ: lambda a, b: a != b,
}


def check_supported(rule: SigmaCorrelationRule) -> None:
    """Raise :class:`UnsupportedRuleError` for correlation types this engine does not run."""
    if rule.type not in SUPPORTED_CORRELATIONS:
        raise UnsupportedRuleError(f"correlation type {rule.type} is not supported")


def _column(frame: pd.DataFrame, name: str) -> str | None:
    if name in frame.columns:
        return name
    lowered = {str(c).lower(): str(c) for c in frame.columns}
    return lowered.get(name.lower())


def correlate(
    rule: Any,
    frame: pd.DataFrame,
    positions: Mapping[str, npt.NDArray[np.intp]],
    time_column: str | None,
) -> npt.NDArray[np.intp]:
    """The positions of the events in the windows where the correlation fires."""
    sigma: SigmaCorrelationRule = rule.sigma_rule
    check_supported(sigma)
    from asisdk.sigma._rules import DetectionRule

    referenced = [DetectionRule.from_sigma(ref.rule).id for ref in sigma.rules or ()]
    parts = [positions[r] for r in referenced if r in positions]
    time_name = None if time_column is None else _column(frame, time_column)
    if not parts or time_name is None:
        return np.zeros(0, np.intp)
    members = np.unique(np.concatenate(parts))
    if not len(members):
        return members
    times = pd.to_datetime(frame[time_name].iloc[members], utc=True, errors="coerce")
    naive = pd.Series(times).dt.tz_localize(None)  # UTC wall time, as datetime64
    data = pd.DataFrame({"_pos": members, "_t": naive.to_numpy()})
    group_names: list[str] = []
    for field in sigma.group_by or ():
        column = _column(frame, field)
        name = f"_g{len(group_names)}"
        data[name] = (
            frame[column].iloc[members].astype(str).str.lower().to_numpy()
            if column is not None
            else np.full(len(members), "")
        )
        group_names.append(name)
    condition: Any = sigma.condition
    value_field = None
    if sigma.type == SigmaCorrelationType.VALUE_COUNT:
        ref = condition.fieldref
        ref = ref[0] if isinstance(ref, list) else ref
        column = _column(frame, str(ref))
        if column is None:
            return np.zeros(0, np.intp)
        data["_v"] = frame[column].iloc[members].to_numpy()
        value_field = "_v"
    data = data.dropna(subset=["_t"])
    span = np.timedelta64(int(sigma.timespan.seconds), "s")
    test = _OPS[condition.op]
    fired: list[int] = []
    groups = data.groupby(group_names, sort=False) if group_names else [((), data)]
    for _, group in groups:
        group = group.sort_values("_t")
        t = group["_t"].to_numpy()
        pos = group["_pos"].to_numpy()
        counted: npt.NDArray[Any] | None = (
            group[value_field].to_numpy() if value_field is not None else None
        )
        starts = np.searchsorted(t, t - span, side="left")
        for end in range(len(t)):
            start = int(starts[end])
            if counted is None:
                count = end - start + 1
            else:
                window = counted[start : end + 1]
                count = len({v for v in window.tolist() if v is not None and v == v})
            if test(count, int(condition.count)):
                fired.extend(pos[start : end + 1].tolist())
    return np.unique(np.asarray(fired, dtype=np.intp))
