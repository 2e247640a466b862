"""The matches of a rule set over events: one row per (event, rule), with the rule's author."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from asisdk.sigma._rules import LEVELS, DetectionRule

__all__ = ["MATCH_COLUMNS", "SUMMARY_COLUMNS", "SigmaMatches", "empty_matches_frame"]

#: What a match row and a summary row say about the rule.
_RULE_COLUMNS: Final = (
    "rule_id",
    "rule_title",
    "level",
    "status",
    "techniques",
    "tactics",
    "author",
)

#: The columns of :attr:`SigmaMatches.frame`, in order.
MATCH_COLUMNS: Final = ("event_index", "asi_file", "asi_row", *_RULE_COLUMNS, "references")

#: The columns of :meth:`SigmaMatches.summary`, in order.
SUMMARY_COLUMNS: Final = (*_RULE_COLUMNS, "events")


def empty_matches_frame() -> pd.DataFrame:
    """A match frame with no rows and the stable columns."""
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in MATCH_COLUMNS})


def _severity(level: object) -> int:
    return LEVELS.index(level) if isinstance(level, str) and level in LEVELS else -1


def build_frame(
    events: pd.DataFrame,
    hits: Sequence[tuple[DetectionRule, npt.NDArray[np.intp]]],
) -> pd.DataFrame:
    """Rows for each rule's matched event positions (``iloc``), in event then rule order."""
    hits = [(rule, positions) for rule, positions in hits if len(positions)]
    if not hits:
        return empty_matches_frame()
    positions = np.concatenate([p for _, p in hits])
    rule_numbers = np.concatenate([np.full(len(p), i, np.intp) for i, (_, p) in enumerate(hits)])
    order = np.lexsort((rule_numbers, positions))
    positions, rule_numbers = positions[order], rule_numbers[order]
    rules = [rule for rule, _ in hits]

    def per_rule(values: Sequence[Any]) -> list[Any]:
        return [values[i] for i in rule_numbers]

    columns: dict[str, Any] = {"event_index": events.index.to_numpy()[positions]}
    for name in ("asi_file", "asi_row"):
        if name in events.columns:
            columns[name] = events[name].to_numpy()[positions]
        else:
            columns[name] = np.full(len(positions), None, dtype=object)
    columns["rule_id"] = per_rule([r.id for r in rules])
    columns["rule_title"] = per_rule([r.title for r in rules])
    columns["level"] = per_rule([r.level for r in rules])
    columns["status"] = per_rule([r.status for r in rules])
    columns["techniques"] = per_rule([list(r.techniques) for r in rules])
    columns["tactics"] = per_rule([list(r.tactics) for r in rules])
    columns["author"] = per_rule([r.author for r in rules])
    columns["references"] = per_rule([list(r.references) for r in rules])
    return pd.DataFrame(columns, columns=list(MATCH_COLUMNS))


@attrs.frozen
class SigmaMatches:
    """Matches of Sigma rules over events.

    Attributes:
        frame: one row per (event, rule), columns :data:`MATCH_COLUMNS`: the event's index
            label in the scanned frame, its ``asi_file``/``asi_row`` (``None`` when the frame
            had none), the rule's id, title, level, status, ATT&CK techniques and tactics
            (lists), **author** and references (a list).
        rule_count: how many rules were run.
        problems: chunks of the events that could not be matched (``match_frame`` with an
            executor), as ``"chunk N: Error: message"``; empty when all were.
    """

    frame: pd.DataFrame
    rule_count: int = 0
    problems: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.frame)

    def summary(self) -> pd.DataFrame:
        """One row per rule that matched, most severe first: columns :data:`SUMMARY_COLUMNS`.

        ``events`` counts the distinct events the rule matched.
        """
        frame = self.frame
        if frame.empty:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in SUMMARY_COLUMNS})
        counts = frame.groupby("rule_id", sort=False)["event_index"].nunique()
        first = frame.drop_duplicates("rule_id").set_index("rule_id")
        out = pd.DataFrame(
            {
                "rule_id": counts.index,
                **{c: first.loc[counts.index, c].to_numpy() for c in _RULE_COLUMNS[1:]},
                "events": counts.to_numpy(),
            }
        )
        out["_severity"] = out["level"].map(_severity)
        out = out.sort_values(["_severity", "events", "rule_title"], ascending=[False, False, True])
        return out.drop(columns="_severity").reset_index(drop=True)

    def rule_ids(self) -> set[str]:
        """The ids of the rules that matched."""
        return set(self.frame["rule_id"].astype(str))

    def pairs(self) -> set[tuple[Any, str]]:
        """``(event index, rule id)`` of every match (handy to compare two engines)."""
        return set(zip(self.frame["event_index"], self.frame["rule_id"], strict=True))
