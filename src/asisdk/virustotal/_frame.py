"""Report lists to DataFrames with stable column names and dtypes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import attrs
import pandas as pd

from asisdk.virustotal._report import DATE_FIELDS, VtReport

__all__ = ["REPORT_COLUMNS", "reports_to_frame"]

#: The report columns ``lookup_frame`` adds, in order (``observable`` is the input column).
REPORT_COLUMNS: Final = tuple(
    field.name for field in attrs.fields(VtReport) if field.name != "observable"
)
_COUNTS: Final = (
    "malicious",
    "suspicious",
    "harmless",
    "undetected",
    "timeout",
    "type_unsupported",
    "confirmed_timeout",
    "failure",
    "reputation",
)
_SUFFIX: Final = "_vt"


def reports_to_frame(df: pd.DataFrame, reports: Sequence[VtReport]) -> pd.DataFrame:
    """``df`` followed by one column per report field, rows aligned with ``df``'s index."""
    columns: dict[str, object] = {
        "kind": pd.Series(
            [None if r.kind is None else r.kind.value for r in reports], dtype="object"
        ),
        "status": pd.Series([r.status.value for r in reports], dtype="object"),
    }
    for name in _COUNTS:
        columns[name] = pd.array([getattr(r, name) for r in reports], dtype="Int64")
    for name in DATE_FIELDS:
        columns[name] = pd.to_datetime(
            pd.Series([getattr(r, name) for r in reports], dtype="object"), utc=True
        )
    columns["dates"] = pd.Series([dict(r.dates) for r in reports], dtype="object")
    columns["tags"] = pd.Series([list(r.tags) for r in reports], dtype="object")
    columns["permalink"] = pd.Series([r.permalink for r in reports], dtype="object")
    columns["attributes"] = pd.Series([dict(r.attributes) for r in reports], dtype="object")
    columns["error"] = pd.Series([r.error for r in reports], dtype="object")
    added = pd.DataFrame({name: _values(value) for name, value in columns.items()}, index=df.index)[
        list(REPORT_COLUMNS)
    ]
    added.columns = [f"{c}{_SUFFIX}" if c in df.columns else c for c in added.columns]
    return pd.concat([df, added], axis=1)


def _values(value: object) -> object:
    return value.to_numpy() if isinstance(value, pd.Series) else value
