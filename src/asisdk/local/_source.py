"""LocalDataSource: library queries answered from local CSV, JSON and Parquet files.

A small YAML mapping says which file holds which Log Analytics table. With a table mapped,
the source answers *every* library query that reads that table: it renders the query as for
Log Analytics and evaluates the KQL stages it can evaluate exactly (``where`` with
``==``/``=~``/``has``/``contains``/``startswith``/``in``/``between``..., ``project``,
``extend``, ``summarize`` with the common aggregates, ``sort``, ``take``, ``top``, ``union``;
see :mod:`asisdk.local._kql_eval`). What it cannot evaluate is reported in the result's
hints and ``unapplied_parameters``, never silently dropped::

    root: data                        # optional; relative to the mapping file
    tables:
      SecurityEvent:
        file: security_events.csv     # .csv, .jsonl/.ndjson (JSON lines), .json (array), .parquet
        where: {Channel: [Security]}  # optional: the file's rows that belong to the table
        columns: {Computer: Hostname, TimeGenerated: TimeCreated}   # table column: file column

A query can also be mapped by hand (the older form, for data whose shape differs from the
table's): the file, the time column, fixed equality filters (``where``) and which parameter
filters which column::

    root: data                       # optional; relative to the mapping file
    queries:
      WindowsSecurity.list_host_logons:
        file: security_events.csv    # .csv, .jsonl/.ndjson (JSON lines), .json (array), .parquet
        time_column: TimeGenerated   # the default
        where: {EventID: [4624]}     # fixed filters: the column value must be one of these
        columns:
          host_name: {column: Computer, match: host}   # "host": also matches "name.domain"
          account_name: TargetUserName                 # plain equality (case-insensitive)

The time range (``start``/``end``) filters the time column; every other parameter with a
value filters its mapped column when that column exists. Parameters that could not be applied
(no mapping, or the column is missing from the file) are listed in
``QueryResult.unapplied_parameters`` and in a hint: never silently ignored. Pickle files are
refused (loading one can run arbitrary code); files must stay under the mapping's root.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs
import pandas as pd
import yaml

from asisdk.errors import ConfigurationError, QueryError
from asisdk.local._kql_eval import UnsupportedQuery, evaluate, query_tables, utc_times
from asisdk.loganalytics import QueryResult, QueryStatus, Table

if TYPE_CHECKING:
    from asisdk.queries import QueryLibrary, QueryTemplate

__all__ = ["ColumnFilter", "LocalDataSource", "LocalQuery", "LocalTable", "QueryCoverage"]

#: The mapping file looked for when a folder is given.
MAPPING_FILE: Final = "asisdk-local.yaml"
#: Largest data file read (guards against pointing the source at a disk image).
MAX_FILE_BYTES: Final = 2_000_000_000
_FORMATS: Final = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
}
#: ``frame.attrs`` key of a note about how a file was read (shown in the result's hints).
READ_NOTE: Final = "asisdk_read_note"
_REFUSED: Final = (".pkl", ".pickle", ".pck", ".joblib")
_TIME_PARAMS: Final = ("start", "end")
Format = Literal["csv", "jsonl", "json", "parquet"]


@attrs.frozen(kw_only=True)
class ColumnFilter:
    """How a parameter filters a column: ``equals`` (case-insensitive) or ``host``."""

    column: str
    match: Literal["equals", "host"] = "equals"


@attrs.frozen(kw_only=True)
class LocalQuery:
    """The local data of one library query."""

    name: str
    file: Path
    format: Format
    root: Path = attrs.field(default=Path("/"))
    time_column: str = "TimeGenerated"
    where: Mapping[str, tuple[object, ...]] = attrs.field(factory=dict)
    columns: Mapping[str, ColumnFilter] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class LocalTable:
    """The local data of one Log Analytics table.

    Attributes:
        name: the table name (``SecurityEvent``).
        file: the data file.
        format: how it is read.
        where: fixed filters selecting the file's rows that belong to the table.
        columns: table column -> file column, for files that name columns differently.
    """

    name: str
    file: Path
    format: Format
    root: Path = attrs.field(default=Path("/"))
    where: Mapping[str, tuple[object, ...]] = attrs.field(factory=dict)
    columns: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class QueryCoverage:
    """How a local source answers one library query (see :meth:`LocalDataSource.coverage`).

    Attributes:
        name: ``Family.name``.
        tables: the tables the query reads.
        served: whether the source holds one of them (the query runs locally).
        complete: whether every stage was evaluated (the answer equals Log Analytics').
        unapplied: what is not evaluated locally, with the reason.
    """

    name: str
    tables: tuple[str, ...]
    served: bool
    complete: bool
    unapplied: tuple[str, ...] = ()


def _file_format(path: Path, declared: object) -> Format:
    if path.suffix.lower() in _REFUSED or declared in ("pickle", "pkl"):
        raise ConfigurationError(
            f"{path.name}: pickle files are refused (loading one can run arbitrary code); "
            "convert it to Parquet or CSV"
        )
    if declared is not None:
        if declared not in ("csv", "jsonl", "json", "parquet"):
            raise ConfigurationError(f"{path.name}: unknown format {declared!r}")
        return declared
    found = _FORMATS.get(path.suffix.lower())
    if found is None:
        raise ConfigurationError(
            f"{path.name}: cannot tell the format from the suffix; add format: csv, jsonl, "
            "json or parquet"
        )
    return found  # type: ignore[return-value]


def _inside(root: Path, relative: str) -> Path:
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ConfigurationError(f"data file {relative!r} is outside the mapping root {root}")
    return path


def _where(name: str, raw: object) -> dict[str, tuple[object, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigurationError(f"{name}: 'where' must map columns to allowed values")
    return {
        str(column): tuple(allowed) if isinstance(allowed, list | tuple) else (allowed,)
        for column, allowed in raw.items()
    }


def _entry(kind: str, name: object, spec: object, keys: set[str], root: Path) -> dict[str, Any]:
    """What a ``tables`` or ``queries`` entry shares: its file, format, root and ``where``."""
    if not isinstance(spec, Mapping) or not isinstance(spec.get("file"), str):
        raise ConfigurationError(f"local {kind} {name!r} needs a 'file'")
    unknown = set(spec) - {"file", "format", "where", *keys}
    if unknown:
        raise ConfigurationError(f"local {kind} {name!r}: unknown keys {sorted(unknown)}")
    path = _inside(root, spec["file"])
    return {
        "name": str(name),
        "file": path,
        "format": _file_format(path, spec.get("format")),
        "root": root.resolve(),
        "where": _where(str(name), spec.get("where")),
    }


def _parse_tables(data: Mapping[str, Any], root: Path) -> dict[str, LocalTable]:
    raw = data.get("tables") or {}
    if not isinstance(raw, Mapping):
        raise ConfigurationError("'tables' must map table names to their files")
    tables: dict[str, LocalTable] = {}
    for name, spec in raw.items():
        entry = _entry("table", name, spec, {"columns"}, root)
        columns = spec.get("columns") or {}
        if not isinstance(columns, Mapping) or not all(
            isinstance(v, str) for v in columns.values()
        ):
            raise ConfigurationError(
                f"local table {name!r}: 'columns' maps table columns to file column names"
            )
        tables[str(name)] = LocalTable(**entry, columns={str(k): v for k, v in columns.items()})
    return tables


def _parse_mapping(data: object, root: Path) -> tuple[dict[str, LocalQuery], dict[str, LocalTable]]:
    if not isinstance(data, Mapping) or not (
        isinstance(data.get("queries"), Mapping) or isinstance(data.get("tables"), Mapping)
    ):
        raise ConfigurationError("a local data mapping needs a 'tables' or 'queries' mapping")
    unknown = set(data) - {"root", "tables", "queries"}
    if unknown:
        raise ConfigurationError(f"local data mapping: unknown keys {sorted(unknown)}")
    if data.get("root"):
        root = _inside(root, str(data["root"]))
    queries: dict[str, LocalQuery] = {}
    for name, spec in (data.get("queries") or {}).items():
        entry = _entry("query", name, spec, {"time_column", "columns"}, root)
        columns: dict[str, ColumnFilter] = {}
        for param, target in (spec.get("columns") or {}).items():
            if isinstance(target, str):
                columns[str(param)] = ColumnFilter(column=target)
            elif isinstance(target, Mapping) and isinstance(target.get("column"), str):
                match = target.get("match", "equals")
                if match not in ("equals", "host"):
                    raise ConfigurationError(f"{name}: match must be equals or host")
                columns[str(param)] = ColumnFilter(column=target["column"], match=match)
            else:
                raise ConfigurationError(f"{name}: column mapping of {param!r} is not valid")
        queries[str(name)] = LocalQuery(
            **entry, time_column=str(spec.get("time_column", "TimeGenerated")), columns=columns
        )
    return queries, _parse_tables(data, root)


def _read_file(name: str, path: Path, format: Format, root: Path) -> pd.DataFrame:
    """Read a mapped file; every failure is a :class:`QueryError` that names the file."""
    # The path was checked when the mapping was read; a symlink swapped since then must not
    # lead outside the root either.
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise QueryError(
            f"{name}: {path} now resolves to {resolved}, outside the mapping root {root}; "
            "fix the link or the mapping"
        )
    if not resolved.is_file():
        raise QueryError(f"{name}: data file {path} does not exist")
    if resolved.stat().st_size > MAX_FILE_BYTES:
        raise QueryError(f"{name}: {path} is larger than {MAX_FILE_BYTES} bytes")
    try:
        if format == "csv":
            return _read_csv(resolved)
        if format == "jsonl":
            return pd.read_json(resolved, lines=True, dtype=False)
        if format == "json":
            return pd.read_json(resolved, orient="records", dtype=False)
        return pd.read_parquet(resolved)
    except (ValueError, TypeError, OSError, RecursionError) as exc:
        # pandas' ParserError and pyarrow's ArrowInvalid are ValueErrors; ArrowTypeError a
        # TypeError; a bad gzip or a truncated Parquet footer an OSError.
        advice = {
            "csv": "is it a comma-separated file with a header row?",
            "jsonl": "is it JSON lines (one object per line)?",
            "json": "is it one JSON array of objects?",
            "parquet": "is it a complete Parquet file (re-export it)?",
        }[format]
        raise QueryError(
            f"{name}: cannot read {path} as {format} ({type(exc).__name__}: {exc}); {advice}"
        ) from exc


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV as text columns: UTF-8 (BOM or not), UTF-16 with a BOM, else latin-1 (said so)."""
    with path.open("rb") as stream:
        head = stream.read(2)
    encoding = "utf-16" if head in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"

    def read(encoding: str) -> pd.DataFrame:
        return pd.read_csv(
            path, encoding=encoding, dtype=str, keep_default_na=False, na_values=[""]
        )

    try:
        frame = read(encoding=encoding)
    except UnicodeDecodeError:
        frame = read(encoding="latin-1")
        frame.attrs[READ_NOTE] = f"{path.name} is not UTF-8: read as latin-1"
    return frame


def _as_time(frame: pd.DataFrame, column: str) -> None:
    if column in frame.columns:
        frame[column] = utc_times(frame[column])


def _read(query: LocalQuery) -> pd.DataFrame:
    frame = _read_file(query.name, query.file, query.format, query.root)
    _as_time(frame, query.time_column)
    return frame


def _where_mask(entry: LocalQuery | LocalTable, frame: pd.DataFrame) -> pd.Series[bool]:
    """The rows of ``frame`` that ``entry``'s fixed ``where`` filters keep."""
    mask = pd.Series(True, index=frame.index)
    for column, allowed in entry.where.items():
        if column not in frame.columns:
            raise QueryError(f"{entry.name}: the 'where' column {column!r} is not in {entry.file}")
        mask &= _text(frame[column]).isin(_values(allowed)).fillna(False).astype(bool)
    return mask


def _read_table(table: LocalTable) -> pd.DataFrame:
    frame = _read_file(table.name, table.file, table.format, table.root)
    if table.where:
        frame = frame[_where_mask(table, frame).to_numpy()].reset_index(drop=True)
    for target, source in table.columns.items():
        if source in frame.columns and target not in frame.columns:
            frame[target] = frame[source]  # a copy: two table columns may share one
    _as_time(frame, "TimeGenerated")
    return frame


#: The hint prefix of what a query evaluated from its KQL left out.
_UNEVALUATED: Final = "not evaluated locally: "
_PLACEHOLDER: Final = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SAMPLES: Final[Mapping[str, object]] = {
    "str": "sample",
    "int": 1,
    "float": 1.0,
    "bool": True,
    "datetime": datetime(2020, 1, 1, tzinfo=UTC),
    "timespan": timedelta(hours=1),
    "list[str]": ["sample"],
    "list[int]": [1],
}


def _tables_read(template: QueryTemplate) -> tuple[str, ...]:
    """The tables a template's query reads (``""`` for a ``table({table})`` placeholder)."""
    return query_tables(_PLACEHOLDER.sub('""', template.query)) or ()


def _sample_values(template: QueryTemplate) -> dict[str, object]:
    values: dict[str, object] = {
        p.name: _SAMPLES[p.type] for p in template.parameters if p.required
    }
    if "end" in values:
        values["end"] = datetime(2100, 1, 1, tzinfo=UTC)
    return values


def _mentions(item: str, literal: str) -> bool:
    """Whether an unapplied stage's text names a parameter's rendered value."""
    bare = literal.strip('"')
    return literal in item or (len(bare) > 2 and bare in item)


def _text(series: pd.Series[Any]) -> pd.Series[Any]:
    return series.astype("string").str.strip().str.lower()


def _values(value: object) -> list[str]:
    items: Iterable[object] = (
        value if isinstance(value, list | tuple | set | frozenset) else [value]
    )
    return [str(v).strip().lower() for v in items]


def _equality(series: pd.Series[Any], value: object, match: str) -> pd.Series[bool]:
    text, wanted = _text(series), _values(value)
    mask = text.isin(wanted)
    if match == "host":
        for item in wanted:
            if "." in item:  # an FQDN also matches a row that holds only its short name
                mask |= text == item.split(".", 1)[0]
            else:  # a short name also matches any FQDN it starts
                mask |= text.str.startswith(item + ".", na=False)
    return mask.fillna(False).astype(bool)


class LocalDataSource:
    """Serve library queries from local files, mapped by a small YAML file.

    Args:
        source: a folder holding ``asisdk-local.yaml``, the path of a mapping file, or a
            mapping (``{"tables": {...}, "queries": {...}}``) whose paths are relative to
            ``root``.
        root: the folder relative paths of an in-memory mapping start from.
        library: the query library whose queries the mapped tables answer (the default
            library when not given).

    Examples:
        >>> import asyncio
        >>> source = LocalDataSource.sample()
        >>> result = asyncio.run(source.run_named("WindowsSecurity.list_host_logons", {
        ...     "start": datetime(2020, 9, 1), "end": datetime(2020, 9, 30),
        ...     "host_name": "MORDORDC"}))
        >>> result.status.value, result.row_count
        ('success', 19)
        >>> len(source.served_queries()) > 40
        True
    """

    def __init__(
        self,
        source: str | Path | Mapping[str, Any],
        *,
        root: str | Path = ".",
        library: QueryLibrary | None = None,
    ) -> None:
        if isinstance(source, Mapping):
            data: object = source
            base = Path(root)
            self.origin = "<mapping>"
        else:
            path = Path(source)
            mapping_file = path / MAPPING_FILE if path.is_dir() else path
            if not mapping_file.is_file():
                raise ConfigurationError(
                    f"no local data mapping at {mapping_file}; write one (see "
                    "asisdk.local) or pass the mapping file's path"
                )
            try:
                data = yaml.safe_load(mapping_file.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise ConfigurationError(f"{mapping_file}: not valid YAML: {exc}") from exc
            base = mapping_file.parent
            self.origin = str(mapping_file)
        self.queries, self.tables = _parse_mapping(data, base)
        self._library = library
        self._frames: dict[Path, pd.DataFrame] = {}
        self._table_frames: dict[str, pd.DataFrame] = {}
        self._notes: dict[str, str] = {}  # table or query name -> how its file was read

    @classmethod
    def sample(cls) -> LocalDataSource:
        """A source over asisdk's bundled sample data (OTRF events and sample alerts).

        Serves WindowsSecurity ``list_host_processes``, ``list_host_logons``,
        ``list_host_logon_failures``, ``list_processes_in_session`` and SecurityAlert
        ``list_alerts``, ``get_alert``, ``list_related_alerts``.
        """
        from asisdk.data import sample_path

        mapping = resources.files(__package__ or "asisdk.local").joinpath("sample_mapping.yaml")
        data = yaml.safe_load(mapping.read_text(encoding="utf-8"))
        source = cls(data, root=sample_path("sample_events.csv").parent)
        source.origin = "asisdk.data (bundled sample)"
        return source

    def __repr__(self) -> str:
        return (
            f"LocalDataSource({self.origin!r}, tables={sorted(self.tables)}, "
            f"queries={sorted(self.queries)})"
        )

    @property
    def library(self) -> QueryLibrary:
        """The query library whose queries the mapped tables answer."""
        if self._library is None:
            from asisdk.queries import QueryLibrary

            self._library = QueryLibrary.default()
        return self._library

    def _template(self, name: str) -> QueryTemplate | None:
        """The library template of ``name`` when a mapped table answers it."""
        if not self.tables or name not in self.library:
            return None
        template = self.library.get(name)
        return template if self._holds(_tables_read(template)) else None

    def _holds(self, read: Iterable[str]) -> bool:
        """Whether this source holds one of the tables ``read``."""
        # table({table}) reads whichever table the caller names: any held table will do
        return any(t in self.tables or t == "" for t in read)

    def supports(self, name: str) -> bool:
        """Whether ``name`` is mapped to a file, or reads a table this source holds."""
        return name in self.queries or self._template(name) is not None

    def served_queries(self) -> list[str]:
        """Every library query this source answers (mapped by hand or through a table)."""
        names = set(self.queries)
        names.update(t.full_name for t in self.library if self._template(t.full_name))
        return sorted(names)

    def _frame(self, query: LocalQuery) -> pd.DataFrame:
        return self._cached(self._frames, query.file, query.name, lambda: _read(query))

    def _table_frame(self, name: str) -> pd.DataFrame:
        return self._cached(self._table_frames, name, name, lambda: _read_table(self.tables[name]))

    def _cached(
        self,
        cache: dict[Any, pd.DataFrame],
        key: object,
        name: str,
        read: Callable[[], pd.DataFrame],
    ) -> pd.DataFrame:
        """``cache[key]``, read on first use; a note on how it was read is kept for ``name``."""
        frame = cache.get(key)
        if frame is None:
            frame = cache[key] = read()
        if READ_NOTE in frame.attrs:
            self._notes[name] = str(frame.attrs[READ_NOTE])
        return frame

    def _evaluate(self, template: QueryTemplate, params: Mapping[str, object]) -> QueryResult:
        values = template.resolve({}, params)
        loaders = {name: (lambda n=name: self._table_frame(n)) for name in self.tables}
        try:
            answer = evaluate(template.render(values), loaders)
        except UnsupportedQuery as exc:
            raise QueryError(f"{template.full_name} cannot run on local data: {exc}") from exc
        unapplied_params = sorted(
            p.name
            for p in template.parameters
            if values.get(p.name) not in (None, "", [])
            and any(_mentions(item, p.render(values[p.name])) for item in answer.unapplied)
        )
        hints = tuple(self._notes[t] for t in answer.tables if t in self._notes)
        hints += tuple(f"{_UNEVALUATED}{item}" for item in answer.unapplied)
        return QueryResult(
            status=QueryStatus.SUCCESS if answer.complete else QueryStatus.PARTIAL,
            tables=(Table.from_frame(answer.frame),),
            hints=hints,
            unapplied_parameters=tuple(unapplied_params),
            query=template.full_name,
        )

    def coverage(self) -> list[QueryCoverage]:
        """How every library query fares on this source, evaluated with sample values.

        A query is *served* when the source holds one of its tables and *complete* when
        every stage is evaluated locally. Blocking: it reads the mapped files.
        """
        return [self._coverage(template) for template in self.library]

    def _coverage(self, template: QueryTemplate) -> QueryCoverage:
        name, read = template.full_name, _tables_read(template)
        if name in self.queries:
            return QueryCoverage(
                name=name,
                tables=read,
                served=True,
                complete=False,
                unapplied=("mapped by hand: only the mapped filters apply",),
            )
        if not self._holds(read):
            return QueryCoverage(name=name, tables=read, served=False, complete=False)
        values = _sample_values(template)
        if "table" in values:
            values["table"] = sorted(self.tables)[0]
        result = self._evaluate(template, values)
        return QueryCoverage(
            name=name,
            tables=read,
            served=True,
            complete=result.status is QueryStatus.SUCCESS,
            unapplied=tuple(h.removeprefix(_UNEVALUATED) for h in result.hints),
        )

    def filter(self, name: str, params: Mapping[str, object]) -> QueryResult:
        """Answer a query from the local files (blocking).

        A query mapped by hand applies the mapping's filters and the parameters; any other
        query that reads a mapped table is evaluated from its KQL (see the module docs).
        A result whose query was not evaluated completely has status ``partial`` and says
        what was left out in its hints.

        Raises:
            QueryError: the query is not served or its file is missing.
        """
        query = self.queries.get(name)
        if query is None:
            template = self._template(name)
            if template is None:
                reads = list(_tables_read(self.library.get(name))) if name in self.library else []
                raise QueryError(
                    f"no local data for {name}: map its table under 'tables' (it reads "
                    f"{reads}) or the query under 'queries'; this source "
                    f"holds tables {sorted(self.tables)} and queries {sorted(self.queries)}"
                )
            return self._evaluate(template, params)
        frame = self._frame(query)
        mask = _where_mask(query, frame)
        unapplied: list[str] = []
        time = query.time_column
        for bound in _TIME_PARAMS:
            value = params.get(bound)
            if value is None:
                continue
            if time not in frame.columns:
                unapplied.append(bound)
                continue
            if not isinstance(value, datetime | str):
                raise QueryError(f"{name}: {bound} must be a datetime, not {value!r}")
            moment = pd.Timestamp(value)
            moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment
            mask &= (frame[time] >= moment) if bound == "start" else (frame[time] <= moment)
        for param, value in params.items():
            if param in _TIME_PARAMS or value is None or value == "" or value == []:
                continue
            target = query.columns.get(param)
            if target is None or target.column not in frame.columns:
                unapplied.append(param)
                continue
            mask &= _equality(frame[target.column], value, target.match)
        result_frame = frame[mask.to_numpy()].reset_index(drop=True)
        if time in result_frame.columns:
            result_frame = result_frame.sort_values(time, kind="stable").reset_index(drop=True)
        hints = [self._notes[name]] if name in self._notes else []
        if unapplied:
            hints.append(
                f"parameters not applied as filters (no mapped column in "
                f"{query.file.name}): {sorted(unapplied)}"
            )
        return QueryResult(
            status=QueryStatus.SUCCESS,
            tables=(Table.from_frame(result_frame),),
            hints=tuple(hints),
            unapplied_parameters=tuple(sorted(unapplied)),
            query=name,
        )

    async def run_named(self, name: str, params: Mapping[str, object]) -> QueryResult:
        """:meth:`filter` in a worker thread (file reads never block the event loop)."""
        return await asyncio.to_thread(self.filter, name, params)
