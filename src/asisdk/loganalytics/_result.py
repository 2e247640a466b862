"""Typed query results: tables, columns, service errors, per-chunk outcomes and the status."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import pandas as pd

from asisdk.entities import TimeSpan
from asisdk.loganalytics._frame import rows_to_frame

__all__ = ["ChunkResult", "Column", "QueryErrorInfo", "QueryResult", "QueryStatus", "Table"]


class QueryStatus(enum.StrEnum):
    """How complete a result is (compares equal to ``"success"``, ``"partial"``, ``"failure"``)."""

    SUCCESS = "success"
    PARTIAL = "partial"
    FAILURE = "failure"


@attrs.frozen(kw_only=True)
class Column:
    """A result column: its name and Log Analytics type (``datetime``, ``long``, ``dynamic``...)."""

    name: str
    type: str = "string"


@attrs.frozen(kw_only=True)
class QueryErrorInfo:
    """An error the service reported, with the detail from its nested inner errors.

    Attributes:
        code: the outer code (``"PartialError"``, ``"BadArgumentError"``, ...).
        message: the innermost message (the most specific one, as Microsoft's SDK reports).
        details: every distinct message found, outermost first.
        correlation_id: the service's ``correlationId``, for support tickets.
        severity: the most severe ``severity`` found in the inner errors (Kusto levels:
            1 critical, 2 error, 3 warning, 4 information), ``None`` when the service gave none.
        severity_name: the ``severityName`` that goes with ``severity`` (``"Error"``,
            ``"Warning"``...).

    Examples:
        >>> QueryErrorInfo(code="PartialError", message="m", severity=3,
        ...                severity_name="Warning").is_warning
        True
    """

    code: str
    message: str
    details: tuple[str, ...] = ()
    correlation_id: str | None = None
    severity: int | None = None
    severity_name: str | None = None

    @property
    def is_warning(self) -> bool:
        """The service reported only warnings (or milder): the rows it sent are complete."""
        if self.severity is not None:
            return self.severity >= _WARNING
        return self.severity_name is not None and self.severity_name.lower() in _MILD_NAMES


_WARNING = 3
_MILD_NAMES = frozenset({"warning", "information", "informational", "verbose"})


@attrs.frozen(kw_only=True, eq=False)
class Table:
    """One result table. ``rows`` are the service's positional arrays, untouched.

    A table may instead hold a ready, typed frame (local data sources); :meth:`to_frame` then
    returns a copy of it and ``rows`` stays empty (``row_count`` counts the frame).

    Examples:
        >>> table = Table(name="PrimaryResult", columns=(Column(name="n", type="long"),),
        ...               rows=[[1], [2]])
        >>> table.to_frame()["n"].dtype
        Int64Dtype()
    """

    name: str
    columns: tuple[Column, ...]
    rows: Sequence[Sequence[Any]] = ()
    frame: pd.DataFrame | None = attrs.field(default=None, repr=False)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, name: str = "PrimaryResult") -> Table:
        """Wrap an already typed DataFrame as a table."""
        columns = tuple(Column(name=str(c), type=_la_type(frame[c])) for c in frame.columns)
        return cls(name=name, columns=columns, frame=frame)

    @property
    def row_count(self) -> int:
        """The number of rows."""
        return len(self.frame) if self.frame is not None else len(self.rows)

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame with dtypes from the column types (see :mod:`._frame`)."""
        if self.frame is not None:
            return self.frame.copy()
        return rows_to_frame([(c.name, c.type) for c in self.columns], self.rows)


def _la_type(series: pd.Series[Any]) -> str:
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "long"
    if pd.api.types.is_float_dtype(dtype):
        return "real"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "timespan"
    return "string" if pd.api.types.is_string_dtype(dtype) else "dynamic"


@attrs.frozen(kw_only=True)
class ChunkResult:
    """The outcome of one time chunk of a split query.

    Attributes:
        index: position of the chunk in time order (0 = earliest).
        timespan: the chunk's window (rows at its ``end`` belong to the next chunk, except for
            the last chunk).
        status: the chunk's own status.
        row_count: rows the chunk returned.
        error: what went wrong, when the chunk failed or was partial.
    """

    index: int
    timespan: TimeSpan
    status: QueryStatus
    row_count: int = 0
    error: QueryErrorInfo | None = None


@attrs.frozen(kw_only=True, eq=False)
class QueryResult:
    """The outcome of a query: status, tables, error, statistics, chunks and hints.

    ``status`` is ``success`` when everything ran, ``partial`` when rows are missing (the
    service reported a ``PartialError``, the result hit a size limit, a chunk failed) and
    ``failure`` when nothing came back. Partial rows are always kept.

    Attributes:
        status: success, partial or failure.
        tables: the result tables (normally one, ``PrimaryResult``).
        error: the service's error, or a summary of failed chunks.
        statistics: the ``statistics`` object when requested (``include_statistics=True``).
        render: the ``| render`` visualisation hints when requested (``include_render=True``),
            e.g. ``{"visualization": "timechart"}``.
        chunks: per-chunk outcomes of a split query, in time order (empty otherwise).
        timespan: the time range the query covered, when it had one.
        hints: advice for the caller ("split the query with split_by=...").
        unapplied_parameters: parameters a local data source could not apply as filters.
        query: the query text that ran (or the query name, for local sources).
        truncated: the service cut the result at its row or size limit.

    Examples:
        >>> result = QueryResult(status=QueryStatus.SUCCESS, tables=(
        ...     Table(name="PrimaryResult", columns=(Column(name="n", type="int"),), rows=[[1]]),))
        >>> result.status == "success", len(result.to_frame())
        (True, 1)
    """

    status: QueryStatus
    tables: tuple[Table, ...] = ()
    error: QueryErrorInfo | None = None
    statistics: Mapping[str, Any] | None = None
    render: Mapping[str, Any] | None = None
    chunks: tuple[ChunkResult, ...] = ()
    timespan: TimeSpan | None = None
    hints: tuple[str, ...] = ()
    unapplied_parameters: tuple[str, ...] = ()
    query: str = ""
    truncated: bool = False

    @property
    def primary_table(self) -> Table | None:
        """The first table (``PrimaryResult``), or ``None`` when there is none."""
        return self.tables[0] if self.tables else None

    @property
    def row_count(self) -> int:
        """Rows in the primary table."""
        table = self.primary_table
        return table.row_count if table is not None else 0

    @property
    def failed_chunks(self) -> tuple[ChunkResult, ...]:
        """Chunks of a split query that failed."""
        return tuple(c for c in self.chunks if c.status is QueryStatus.FAILURE)

    def to_frame(self) -> pd.DataFrame:
        """The primary table as a typed DataFrame (empty when there is no table)."""
        table = self.primary_table
        return table.to_frame() if table is not None else pd.DataFrame()

    def __repr__(self) -> str:
        parts = [f"status={self.status.value!r}", f"rows={self.row_count}"]
        if self.chunks:
            parts.append(f"chunks={len(self.chunks)}, failed={len(self.failed_chunks)}")
        if self.error is not None:
            parts.append(f"error={self.error.code}: {self.error.message!r}")
        if self.unapplied_parameters:
            parts.append(f"unapplied_parameters={list(self.unapplied_parameters)}")
        return f"QueryResult({', '.join(parts)})"
