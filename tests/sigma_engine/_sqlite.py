"""The Zircolite approach, as the reference engine: pySigma's SQLite backend over a table.

Every event goes into one in-memory SQLite table (columns ``NUMERIC COLLATE NOCASE`` so
that ``EventID = 4688`` and ``EventID = '4688'`` both hold and strings compare
case-insensitively, as Zircolite builds its table), ``REGEXP`` is Python's ``re.search``,
and each rule becomes one ``SELECT`` per log-source variant: the variant's selection (the same
one the compiled engine uses) AND the query ``pysigma-backend-sqlite`` renders, with the
variant's field names mapped by a pySigma ``FieldMappingTransformation``.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from sigma.backends.sqlite import sqliteBackend
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import FieldMappingTransformation

from asisdk.sigma import DetectionRule, LogsourceVariant

TABLE = "logs"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return None
    return str(value)


def _regexp(pattern: str, value: Any) -> bool:
    if value is None:
        return False
    return re.search(pattern, str(value)) is not None


def build_table(frame: pd.DataFrame) -> sqlite3.Connection:
    """An in-memory SQLite table holding the events, one row per event (rowid = position + 1)."""
    connection = sqlite3.connect(":memory:")
    connection.create_function("REGEXP", 2, _regexp, deterministic=True)
    columns = [str(c) for c in frame.columns]
    body = ", ".join(f"{_quote(c)} NUMERIC COLLATE NOCASE" for c in columns)
    connection.execute(f"CREATE TABLE {TABLE} ({body})")
    rows = [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    marks = ", ".join("?" for _ in columns)
    connection.executemany(f"INSERT INTO {TABLE} VALUES ({marks})", rows)
    return connection


def _variant_sql(variant: LogsourceVariant, columns: set[str]) -> str:
    parts: list[str] = []
    if variant.windows is not None:
        marks = [c for c in ("Channel", "EventID") if c.lower() in columns]
        if marks:
            present = " OR ".join(f"{_quote(c)} IS NOT NULL" for c in marks)
            parts.append(f"({present})" if variant.windows else f"NOT ({present})")
    for field, values in variant.conditions:
        if field.lower() not in columns:
            continue
        listed = ", ".join(_literal(v) for v in values)
        parts.append(f"({_quote(field)} IS NULL OR {_quote(field)} IN ({listed}))")
    return " AND ".join(parts) or "1=1"


class SqliteRules:
    """Rules converted to SQL once; :meth:`run` executes them over a table."""

    def __init__(self, rules: Iterable[DetectionRule], columns: Iterable[str]) -> None:
        self.columns = {c.lower() for c in columns}
        self.queries: dict[str, list[str]] = {}
        self.unsupported: dict[str, str] = {}
        backends: dict[str, Any] = {}
        for rule in rules:
            if rule.is_correlation:
                continue
            queries: list[str] = []
            try:
                for variant in rule.variants:
                    key = variant.key
                    if key not in backends:
                        pipeline = ProcessingPipeline(
                            items=[
                                ProcessingItem(FieldMappingTransformation(dict(variant.field_map)))
                            ]
                        )
                        backends[key] = sqliteBackend(processing_pipeline=pipeline)
                    converted = backends[key].convert_rule(rule.sigma_rule)
                    selection = _variant_sql(variant, self.columns)
                    for query in converted:
                        where = str(query).split(" WHERE ", 1)[1]
                        queries.append(
                            f"SELECT rowid FROM {TABLE} WHERE ({selection}) AND ({where})"
                        )
            except Exception as exc:  # the backend refuses keywords and a few modifiers
                self.unsupported[rule.id] = " ".join(str(exc).split())[:200]
                continue
            self.queries[rule.id] = queries

    def run(self, connection: sqlite3.Connection) -> tuple[set[tuple[int, str]], float]:
        """``(position, rule id)`` of every match, and the seconds the queries took."""
        found: set[tuple[int, str]] = set()
        start = time.perf_counter()
        for rule_id, queries in self.queries.items():
            for query in queries:
                for (rowid,) in self._execute(connection, query):
                    found.add((int(rowid) - 1, rule_id))
        return found, time.perf_counter() - start

    @staticmethod
    def _execute(connection: sqlite3.Connection, query: str) -> list[tuple[Any, ...]]:
        while True:
            try:
                return connection.execute(query).fetchall()
            except sqlite3.OperationalError as exc:
                missing = re.match(r"no such column: (.+)", str(exc))
                if missing is None:
                    raise
                name = missing.group(1).strip('"')
                connection.execute(
                    f"ALTER TABLE {TABLE} ADD COLUMN {_quote(name)} NUMERIC COLLATE NOCASE"
                )


def comparable_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The same events with column names SQLite can hold: spaces dropped (``Source Name`` is
    Sigma's ``SourceName``) and names equal but for case merged into one column."""
    merged: dict[str, pd.Series[Any]] = {}
    names: dict[str, str] = {}
    for column in frame.columns:
        name = str(column).replace(" ", "")
        key = name.lower()
        series = frame[column]
        if key in names:
            kept = names[key]
            merged[kept] = merged[kept].astype(object).where(merged[kept].notna(), series)
        else:
            names[key] = name
            merged[name] = series
    return pd.DataFrame(merged, index=frame.index)
