"""Run compiled rules over a frame: one event subset per log-source variant, shared by rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from asisdk.sigma._correlation import correlate
from asisdk.sigma._events import BoolArray, EventView, lower_text, to_bool
from asisdk.sigma._logsource import CHANNEL_FIELD, EVENT_ID_FIELD, LogsourceVariant
from asisdk.sigma._matches import SigmaMatches, build_frame

if TYPE_CHECKING:
    from asisdk.sigma._rules import DetectionRule, SigmaRules

__all__ = ["match_events", "rule_positions"]


def _selection(full: EventView, variant: LogsourceVariant) -> BoolArray:
    """The events of one variant.

    An event counts as a Windows event when it has a ``Channel`` or an ``EventID``. A
    variant's test on a column is passed by events where that column is empty (a Security
    4688 CSV export without ``Channel`` still meets ``Channel: Security``), and left out
    entirely when the frame has no such column.
    """
    mask = full.every()
    marks = [c for c in map(full.resolve, (CHANNEL_FIELD, EVENT_ID_FIELD)) if c is not None]
    if variant.windows is not None and marks:
        windows = np.logical_or.reduce([full.present(c) for c in marks])
        mask &= windows if variant.windows else ~windows
    for field, values in variant.conditions:
        column = full.resolve(field)
        if column is None:
            continue
        wanted = sorted({lower_text(str(v)) for v in values})
        lowered = full.lower(column)
        known = to_bool(pc.is_in(lowered, value_set=pa.array(wanted, lowered.type)))
        mask &= known | ~full.present(column)
    return mask


#: Rows matched at a time: the converted columns a view caches (text, lower-cased text,
#: the keyword search's joined text) are a few times the size of the events they cover, so
#: a large frame is matched in chunks of this many rows, its memory bounded by one chunk.
CHUNK_ROWS: Final = 20_000
_NONE: Final = np.zeros(0, np.intp)


def rule_positions(
    rules: Sequence[DetectionRule], frame: pd.DataFrame, *, chunk_rows: int = CHUNK_ROWS
) -> dict[str, npt.NDArray[np.intp]]:
    """For each single-event rule, the positions (``iloc``) of the events it matches.

    Single-event rules read nothing but the event, so a frame of more than ``chunk_rows``
    rows is matched chunk by chunk (the same positions, in the same order).
    """
    if len(frame) <= chunk_rows:
        return _chunk_positions(rules, frame)
    parts: dict[str, list[npt.NDArray[np.intp]]] = {}
    for start in range(0, len(frame), chunk_rows):
        found = _chunk_positions(rules, frame.iloc[start : start + chunk_rows])
        for rule_id, positions in found.items():
            parts.setdefault(rule_id, []).append(positions + start)
    return {rule_id: np.concatenate(found).astype(np.intp) for rule_id, found in parts.items()}


def _chunk_positions(
    rules: Sequence[DetectionRule], frame: pd.DataFrame
) -> dict[str, npt.NDArray[np.intp]]:
    full = EventView(frame, np.arange(len(frame), dtype=np.intp), {})
    views: dict[str, EventView] = {}
    out: dict[str, npt.NDArray[np.intp]] = {}
    for rule in rules:
        if rule.detection is None:
            continue
        found: list[npt.NDArray[np.intp]] = []
        for variant in rule.variants:
            view = views.get(variant.key)
            if view is None:
                rows = np.flatnonzero(_selection(full, variant)).astype(np.intp)
                view = EventView(frame, rows, variant.field_map)
                views[variant.key] = view
            if view.size == 0:
                continue
            found.append(view.rows[rule.detection.evaluate(view)])
        # One variant's positions are sorted and distinct already.
        out[rule.id] = found[0] if len(found) == 1 else np.unique(np.concatenate([_NONE, *found]))
    return out


def match_events(
    rules: SigmaRules, frame: pd.DataFrame, *, time_column: str | None
) -> SigmaMatches:
    """Every rule of ``rules`` over ``frame`` (see :meth:`SigmaRules.match`)."""
    from asisdk.sigma._rules import DetectionRule

    single = [r for r in rules if not r.is_correlation]
    correlations = [r for r in rules if r.is_correlation]
    # Rules a correlation refers to but the collection does not hold are run too.
    extra: dict[str, DetectionRule] = {}
    hidden: set[str] = set()
    known = {r.id for r in single}
    for correlation in correlations:
        sigma: Any = correlation.sigma_rule
        for reference in sigma.rules or ():
            referenced = DetectionRule.from_sigma(reference.rule)
            if referenced.id not in known and referenced.id not in extra:
                extra[referenced.id] = referenced
            if not sigma.generate:
                hidden.add(referenced.id)
    positions = rule_positions([*single, *extra.values()], frame)
    hits: list[tuple[DetectionRule, npt.NDArray[np.intp]]] = [
        (r, positions[r.id]) for r in single if r.id not in hidden and r.id in positions
    ]
    for correlation in correlations:
        hits.append((correlation, correlate(correlation, frame, positions, time_column)))
    return SigmaMatches(frame=build_frame(frame, hits), rule_count=len(rules))
