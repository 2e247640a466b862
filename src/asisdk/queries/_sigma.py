"""``qp.sigma``: run a Sigma rule through a QueryProvider, on Log Analytics or local events.

On Log Analytics the rule is rendered as KQL (:func:`asisdk.sigma._kql.rule_to_kql`, every
literal written by :func:`asisdk.queries.kql_string`) and sent with the time range. On a
local source the events come from the source's ``Sigma.events`` query (a mapping entry
naming the events file and its time column) filtered to the time range, and the rule is
evaluated over them by ``matcher``: by default pySigma's SQLite backend over an in-memory
table of the events (the Zircolite approach; Windows rules get the Sysmon pipeline so that a
``process_creation`` rule reads Sysmon event 1), or any function ``(rule, frame) -> frame``
such as the asisdk engine's. Matches always carry the rule's author (DRL 1.1).

Examples:
    >>> from asisdk.local import LocalDataSource
    >>> from asisdk.queries import QueryProvider
    >>> qp = QueryProvider(LocalDataSource.sample())
    >>> print(qp.sigma.kql("proc_creation_win_powershell_encode").table)
    DeviceProcessEvents
"""

from __future__ import annotations

import copy
import os
import re
import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs
import pandas as pd

from asisdk.entities import TimeSpan
from asisdk.errors import InvalidArgumentError, QueryError
from asisdk.loganalytics import LogAnalyticsClient, QueryResult, QueryStatus, Table

if TYPE_CHECKING:
    from sigma.rule import SigmaRule

    from asisdk.queries._provider import QueryProvider
    from asisdk.sigma import KqlTarget, SigmaKql

__all__ = ["SIGMA_COLUMNS", "SigmaQueries", "SigmaRunResult", "sqlite_matcher", "sqlite_table"]

#: The local source's query that names the events Sigma rules run over.
EVENTS_QUERY: Final = "Sigma.events"
#: Columns added to every frame of matches (the DRL requires the author next to a match).
SIGMA_COLUMNS: Final = ("sigma_rule_id", "sigma_title", "sigma_level", "sigma_author")
#: Most columns the SQLite matcher adds as NULL for fields the events lack.
_MAX_MISSING_COLUMNS: Final = 64
_ROW: Final = "__asi_row"
_NO_COLUMN = re.compile(r"no such column: (.+)$")

#: ``(rule, events) -> matching events``: how a local source evaluates a rule.
Matcher = Callable[["SigmaRule", pd.DataFrame], pd.DataFrame]


@attrs.frozen(kw_only=True)
class SigmaRunResult:
    """The outcome of running one Sigma rule.

    Attributes:
        rule_id: the rule's id.
        title: the rule's title.
        level: the rule's level.
        author: the rule's author (shown with every match, as the DRL requires).
        source: ``"loganalytics"`` or ``"local"``.
        query: the KQL sent (Log Analytics) or the SQL evaluated (local, SQLite matcher).
        result: the source's result; its table holds the matching events.
    """

    rule_id: str | None
    title: str
    level: str | None
    author: str | None
    source: Literal["loganalytics", "local"]
    query: str
    result: QueryResult

    @property
    def status(self) -> QueryStatus:
        """success, partial or failure (see :class:`~asisdk.loganalytics.QueryResult`)."""
        return self.result.status

    @property
    def row_count(self) -> int:
        """Matching events."""
        return self.result.row_count

    def to_frame(self) -> pd.DataFrame:
        """The matching events, with :data:`SIGMA_COLUMNS` naming the rule and its author."""
        frame = self.result.to_frame()
        for column, value in zip(
            SIGMA_COLUMNS, (self.rule_id, self.title, self.level, self.author), strict=True
        ):
            frame[column] = value
        return frame


def _rule_of(rule_or_id: object, resolve: Callable[[str], SigmaRule]) -> SigmaRule:
    from sigma.rule import SigmaRule

    if isinstance(rule_or_id, SigmaRule):
        return rule_or_id
    # Not a bare SigmaRule: perhaps an engine's rule object exposing it (``.sigma_rule``).
    inner = getattr(rule_or_id, "sigma_rule", None)
    if isinstance(inner, SigmaRule):
        return inner
    if isinstance(rule_or_id, os.PathLike) or (
        isinstance(rule_or_id, str) and rule_or_id.endswith((".yml", ".yaml"))
    ):
        path = Path(rule_or_id)
        if path.is_file():
            return SigmaRule.from_yaml(path.read_text(encoding="utf-8"))
    if isinstance(rule_or_id, str):  # YAML text, or an id or file name to resolve
        return SigmaRule.from_yaml(rule_or_id) if "\n" in rule_or_id else resolve(rule_or_id)
    raise InvalidArgumentError(
        "a Sigma rule is a SigmaRule, a rule id, a rule file name of the pack, a path or "
        f"YAML text, not {type(rule_or_id).__name__}"
    )


def _bounds(timespan: object) -> tuple[datetime | None, datetime | None]:
    if timespan is None:
        return None, None
    if isinstance(timespan, timedelta):
        timespan = TimeSpan.last(seconds=timespan.total_seconds())
    elif isinstance(timespan, tuple) and len(timespan) == 2:
        timespan = TimeSpan(start=timespan[0], end=timespan[1])
    if isinstance(timespan, TimeSpan):
        return timespan.start, timespan.end
    raise InvalidArgumentError(
        f"timespan must be a TimeSpan, a (start, end) pair, a timedelta or None, not "
        f"{type(timespan).__name__}"
    )


def _sqlite_query(rule: SigmaRule) -> str:
    from sigma.backends.sqlite.sqlite import sqliteBackend
    from sigma.pipelines.sysmon.sysmon import sysmon_pipeline

    backend_class: Any = sqliteBackend  # untyped in pysigma-backend-sqlite
    product = rule.logsource.product if rule.logsource is not None else None
    attempts: list[Any] = [sysmon_pipeline(), None] if product == "windows" else [None]
    problem: Exception | None = None
    for pipeline in attempts:
        try:
            backend: Any = backend_class(processing_pipeline=pipeline)
            # The pipeline rewrites the rule it is given: convert a copy.
            queries = backend.convert_rule(copy.deepcopy(rule))
        except Exception as exc:  # a backend error of any class: try without the pipeline
            problem = exc
            continue
        if len(queries) == 1 and isinstance(queries[0], str):
            return queries[0]
    raise QueryError(f"the Sigma rule {rule.title!r} cannot be evaluated locally: {problem}")


def sqlite_table(events: pd.DataFrame) -> pd.DataFrame:
    """The events as the SQLite matcher stores them: text columns and a row number.

    SQLite's column names are case-insensitive: of ``ProcessId`` and ``ProcessID`` the first
    keeps its name and the later one is stored as ``ProcessID__2``.
    """
    table = events.reset_index(drop=True).copy()
    seen: dict[str, int] = {}
    names = []
    for column in map(str, table.columns):
        count = seen.get(column.lower(), 0) + 1
        seen[column.lower()] = count
        names.append(column if count == 1 else f"{column}__{count}")
    table.columns = names
    for column in table.columns:
        if table[column].dtype == object or isinstance(table[column].dtype, pd.DatetimeTZDtype):
            table[column] = table[column].astype("string")
    table[_ROW] = range(len(table))
    return table


def sqlite_matcher(rule: SigmaRule, events: pd.DataFrame) -> pd.DataFrame:
    """The events a rule matches, by pySigma's SQLite backend over an in-memory table.

    Fields the rule names that the events lack are NULL (as a missing field is in Sigma).

    Raises:
        QueryError: the rule cannot be converted (a correlation rule, an unsupported
            construct) or its SQL fails.
    """
    sql = _sqlite_query(rule)
    prefix = "SELECT * FROM logs WHERE "
    if not sql.startswith(prefix):
        raise QueryError(f"unexpected SQL from the SQLite backend for {rule.title!r}")
    connection = sqlite3.connect(":memory:")
    try:
        sqlite_table(events).to_sql("logs", connection, index=False)
        statement = f'SELECT "{_ROW}" FROM logs WHERE {sql[len(prefix) :]}'  # noqa: S608 - pySigma's SQL over our own table
        for _ in range(_MAX_MISSING_COLUMNS):
            try:
                rows = [row[0] for row in connection.execute(statement)]
                break
            except sqlite3.OperationalError as exc:
                missing = _NO_COLUMN.search(str(exc))
                if missing is None:
                    raise QueryError(f"{rule.title!r}: the rule's SQL failed: {exc}") from exc
                name = missing.group(1).replace('"', '""')
                connection.execute(f'ALTER TABLE logs ADD COLUMN "{name}"')
        else:
            raise QueryError(
                f"{rule.title!r} names more than {_MAX_MISSING_COLUMNS} missing fields"
            )
    finally:
        connection.close()
    return events.iloc[sorted(rows)]


class SigmaQueries:
    """``qp.sigma``: Sigma rules run through a :class:`~asisdk.queries.QueryProvider`.

    Args:
        provider: the provider whose source runs the rules.
        target: the KQL pipeline for Log Analytics (``"auto"``: the first that renders).
        events_query: the local source's query naming the events rules run over.
        matcher: how a local source evaluates a rule (default :func:`sqlite_matcher`).
        resolve: how a rule id or file name is found (default: the active rule pack).
    """

    def __init__(
        self,
        provider: QueryProvider,
        *,
        target: KqlTarget | Literal["auto"] = "auto",
        events_query: str = EVENTS_QUERY,
        matcher: Matcher | None = None,
        resolve: Callable[[str], SigmaRule] | None = None,
    ) -> None:
        self._provider = provider
        self.target = target
        self.events_query = events_query
        self._matcher = matcher or sqlite_matcher
        if resolve is None:
            from asisdk.sigma import rule_by_id

            resolve = rule_by_id
        self._resolve = resolve

    def __repr__(self) -> str:
        return f"<qp.sigma on {type(self._provider.source).__name__}, target={self.target!r}>"

    def rule(self, rule_or_id: object) -> SigmaRule:
        """The pySigma rule for an id, a pack file name, a path, YAML text or a rule."""
        return _rule_of(rule_or_id, self._resolve)

    def kql(self, rule_or_id: object) -> SigmaKql:
        """The KQL :meth:`run` sends to Log Analytics.

        Raises:
            SigmaKqlError: the rule cannot be rendered (``reason`` says why).
        """
        from asisdk.sigma import rule_to_kql

        return rule_to_kql(self.rule(rule_or_id), target=self.target)

    async def run(
        self,
        rule_or_id: object,
        timespan: TimeSpan | timedelta | tuple[Any, Any] | None = None,
        *,
        split_by: timedelta | None = None,
    ) -> SigmaRunResult:
        """Run a rule over the time range.

        Args:
            rule_or_id: a pySigma ``SigmaRule`` (or an object exposing one as
                ``.sigma_rule``), a rule id or file name of the active pack, a path, or YAML.
            timespan: a :class:`~asisdk.entities.TimeSpan`, a ``(start, end)`` pair, a
                timedelta ending now, or ``None`` for all events.
            split_by: for Log Analytics, split the range into chunks of this length.

        Returns:
            The matching events with the rule's identity and author.

        Raises:
            SigmaKqlError: (Log Analytics) the rule cannot be rendered as KQL.
            QueryError: (local) the source has no ``Sigma.events`` mapping, or the rule
                cannot be evaluated.
            SigmaPackError: no rule of the pack has that id.

        Examples:
            >>> # result = await qp.sigma.run("proc_creation_win_powershell_encode",
            >>> #                             TimeSpan.last(days=1))
            >>> # result.to_frame()[["Computer", "sigma_title", "sigma_author"]]
        """
        rule = self.rule(rule_or_id)
        source = self._provider.source
        identity: Mapping[str, Any] = {
            "rule_id": str(rule.id) if rule.id is not None else None,
            "title": str(rule.title),
            "level": rule.level.name.lower() if rule.level is not None else None,
            "author": rule.author,
        }
        if isinstance(source, LogAnalyticsClient):
            kql = self.kql(rule)
            result = await source.query(kql.query, timespan=timespan, split_by=split_by)
            return SigmaRunResult(source="loganalytics", query=kql.query, result=result, **identity)
        if not source.supports(self.events_query):
            raise QueryError(
                f"{type(source).__name__} has no {self.events_query!r} mapping naming the "
                f"events Sigma rules run over; add one (file and time_column) to its mapping"
            )
        start, end = _bounds(timespan)
        events = await source.run_named(self.events_query, {"start": start, "end": end})
        matched = self._matcher(rule, events.to_frame())
        query = _sqlite_query(rule) if self._matcher is sqlite_matcher else ""
        result = QueryResult(
            status=events.status,
            tables=(Table.from_frame(matched.reset_index(drop=True)),),
            hints=events.hints,
            query=query or str(rule.title),
            timespan=events.timespan,
        )
        return SigmaRunResult(source="local", query=query, result=result, **identity)
