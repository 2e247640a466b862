"""QueryProvider: run library queries against Log Analytics or a local data source.

Parameters come from *providers* (entities, :class:`~asisdk.entities.Alert`,
:class:`~asisdk.entities.TimeSpan`, widgets, mappings), merged left to right by
:func:`~asisdk.entities.merge_query_params`, then from explicit keywords, which win. The merge
both overrides and adds, so ``(timespan, alert)`` and ``(alert, timespan)`` both give the
alert's host and a time range (the later provider wins where both have one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from asisdk.entities import QueryParamProvider, merge_query_params
from asisdk.errors import InvalidArgumentError, QueryError, UnknownQueryError
from asisdk.loganalytics import LogAnalyticsClient, QueryResult
from asisdk.queries._library import QueryLibrary
from asisdk.queries._template import QueryTemplate

if TYPE_CHECKING:
    from asisdk.queries._sigma import SigmaQueries

__all__ = ["NamedQuerySource", "QueryProvider"]

Provider = QueryParamProvider | Mapping[str, object] | None


@runtime_checkable
class NamedQuerySource(Protocol):
    """A source that serves library queries by name (e.g. :class:`asisdk.local.LocalDataSource`)."""

    def supports(self, name: str) -> bool:
        """Whether the source can answer the query ``Family.name``."""
        ...

    async def run_named(self, name: str, params: Mapping[str, object]) -> QueryResult:
        """Answer the query ``name`` with the resolved, typed ``params``."""
        ...


def _describe(provider: object) -> str:
    if isinstance(provider, Mapping):
        return f"mapping({', '.join(sorted(map(str, provider)))})"
    try:
        offered = sorted(merge_query_params(provider))  # type: ignore[arg-type]
    except Exception:  # a provider that cannot describe itself must not hide the real error
        offered = []
    return f"{type(provider).__name__}({', '.join(offered)})"


def query_help(template: QueryTemplate) -> str:
    """The help text of one template (see :meth:`QueryProvider.help`)."""
    lines = [template.full_name, "", template.description or "(no description)", ""]
    tables = template.metadata.get("tables") or []
    lines.append(f"Tables: {', '.join(map(str, tables)) if tables else '(not declared)'}")
    lines += ["", "Parameters:"]
    if not template.parameters:
        lines.append("  (none)")
    for p in template.parameters:
        flag = "required" if p.required else f"default {p.default!r}"
        alias = f" (aliases: {', '.join(p.aliases)})" if p.aliases else ""
        doc = f": {p.description}" if p.description else ""
        lines.append(f"  {p.name} ({p.type}, {flag}){alias}{doc}")
    lines += ["", "Query:", *(f"  {line}" for line in template.query.rstrip().splitlines())]
    return "\n".join(lines)


class QueryProvider:
    """Runs named queries of a :class:`QueryLibrary` against a source.

    Args:
        source: a :class:`~asisdk.loganalytics.LogAnalyticsClient` (queries render to KQL)
            or a named source such as :class:`asisdk.local.LocalDataSource`.
        library: the queries; by default the shipped library plus ``query_paths``.
        query_paths: folders or files of the user's own YAML queries.

    Examples:
        >>> from asisdk.local import LocalDataSource
        >>> from asisdk.entities import TimeSpan
        >>> qp = QueryProvider(LocalDataSource.sample())
        >>> span = TimeSpan(start="2020-09-04T20:00:00Z", end="2020-09-04T21:00:00Z")
        >>> kql = qp.render("WindowsSecurity.list_host_logons", span, host_name="web'1")
        >>> print(kql.splitlines()[3])
        | where Computer =~ "web\\'1" or Computer startswith strcat("web\\'1", ".")
        >>> # result = await qp.run("WindowsSecurity.list_host_logons", span, alert)
        >>> # result = await qp.WindowsSecurity.list_host_logons(span, alert)
    """

    def __init__(
        self,
        source: LogAnalyticsClient | NamedQuerySource,
        *,
        library: QueryLibrary | None = None,
        query_paths: tuple[str | Path, ...] = (),
    ) -> None:
        if not isinstance(source, LogAnalyticsClient | NamedQuerySource):
            raise InvalidArgumentError(
                "source must be a LogAnalyticsClient or a named query source such as "
                f"LocalDataSource, not {type(source).__name__}"
            )
        self.source = source
        self.library = library if library is not None else QueryLibrary.default(paths=query_paths)

    def __repr__(self) -> str:
        return f"QueryProvider(source={type(self.source).__name__}, library={self.library!r})"

    # -- discovery -------------------------------------------------------------------------

    def list_queries(self, family: str | None = None) -> list[str]:
        """``Family.name`` of every query this provider's source can run (sorted)."""
        names = self.library.names(family)
        if isinstance(self.source, LogAnalyticsClient):
            return names
        return [n for n in names if self.source.supports(n)]

    def help(self, name: str) -> str:
        """A query's description, tables, parameters and KQL, as readable text.

        Each parameter shows its type, whether it is required or its default, its aliases
        and what it means; parameters shared by the whole file (``start``, ``end``) are
        included.

        Args:
            name: ``Family.name`` (see :meth:`list_queries`).

        Raises:
            QueryError: no such query.

        Examples:
            >>> from asisdk.local import LocalDataSource
            >>> qp = QueryProvider(LocalDataSource.sample())
            >>> print(qp.help("WindowsSecurity.get_process_tree").splitlines()[4])
            Tables: SecurityEvent
        """
        return query_help(self.library.get(name))

    # -- parameters and rendering ----------------------------------------------------------

    def resolve(
        self, name: str, *providers: Provider, **params: object
    ) -> tuple[QueryTemplate, dict[str, object]]:
        """The template and its typed parameter values (see :meth:`QueryTemplate.resolve`).

        Raises:
            QueryError: no such query.
            QueryParameterError: a missing, unknown or badly typed parameter.
        """
        template = self.library.get(name)
        supplied = merge_query_params(*providers)
        consulted = [_describe(p) for p in providers if p is not None]
        return template, template.resolve(supplied, params, consulted=consulted)

    def render(self, name: str, *providers: Provider, **params: object) -> str:
        """The KQL that :meth:`run` would send (values rendered as escaped literals)."""
        template, values = self.resolve(name, *providers, **params)
        return template.render(values)

    async def run(
        self,
        name: str,
        *providers: Provider,
        split_by: timedelta | None = None,
        **params: object,
    ) -> QueryResult:
        """Run a query with parameters from ``providers`` and keywords.

        Args:
            name: ``Family.name`` (see :meth:`list_queries`).
            *providers: entities, alerts, time spans, mappings; merged left to right.
            split_by: for Log Analytics, split the ``start``..``end`` range into chunks.
            **params: explicit parameter values (or aliases); an unknown name is an error.

        Returns:
            The source's :class:`~asisdk.loganalytics.QueryResult`.

        Raises:
            QueryParameterError: a missing, unknown (misspelt) or badly typed parameter.
            QueryError: the source cannot run this query.
        """
        template, values = self.resolve(name, *providers, **params)
        name = template.full_name  # an alias runs as the query it names
        if isinstance(self.source, LogAnalyticsClient):
            start, end = values.get("start"), values.get("end")
            timespan = (start, end) if start is not None and end is not None else None
            return await self.source.query(
                template.render(values), timespan=timespan, split_by=split_by
            )
        if not self.source.supports(name):
            raise QueryError(
                f"{type(self.source).__name__} has no data mapped for {name}; it serves "
                f"{self.list_queries()}"
            )
        return await self.source.run_named(name, values)

    # -- Sigma rules: qp.sigma.run(rule_or_id, timespan) ----------------------------------

    @property
    def sigma(self) -> SigmaQueries:
        """Sigma rules run on this provider's source (see :mod:`asisdk.queries._sigma`)."""
        from asisdk.queries._sigma import SigmaQueries

        return SigmaQueries(self)

    # -- attribute access: qp.WindowsSecurity.list_host_logons(...) ------------------------

    def __getattr__(self, family: str) -> _FamilyView:
        if family.startswith("_"):
            # Python's own probing (copy, pickle, IPython's ``_repr_*_``): the plain protocol
            # answer, not a user's misspelt family.
            raise AttributeError(family)
        library = self.__dict__.get("library")
        if library is None or family not in library.families():
            raise UnknownQueryError(
                f"no query family {family!r}; families: "
                f"{library.families() if library is not None else []}"
            )
        return _FamilyView(self, family)

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.library.families()})


class _FamilyView:
    """``qp.<Family>``: its queries as attributes, each an async callable."""

    def __init__(self, provider: QueryProvider, family: str) -> None:
        self._provider = provider
        self._family = family

    def __repr__(self) -> str:
        return f"<query family {self._family}: {self._names()}>"

    def _names(self) -> list[str]:
        return [n.split(".", 1)[1] for n in self._provider.library.names(self._family)]

    def __dir__(self) -> list[str]:
        aliases = self._provider.library.aliases()
        own = [a.split(".", 1)[1] for a in aliases if a.startswith(f"{self._family}.")]
        return sorted({*self._names(), *own})

    def __getattr__(self, name: str) -> Callable[..., Awaitable[QueryResult]]:
        full = f"{self._family}.{name}"
        if name.startswith("_") or full not in self._provider.library:
            raise UnknownQueryError(f"no query {full}; {self._family} has {self._names()}")
        provider = self._provider

        async def run(*providers: Provider, **params: Any) -> QueryResult:
            return await provider.run(full, *providers, **params)

        run.__name__ = name
        run.__qualname__ = full
        run.__doc__ = provider.help(full)
        return run
