"""LocalDataSource: library queries answered from local CSV, JSON and Parquet files.

A small YAML mapping names, for each query, the file that holds its data, the time column,
fixed equality filters (``where``) and which parameter filters which column::

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
from collections.abc import Iterable, Mapping
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

import attrs
import pandas as pd
import yaml

from asisdk.errors import ConfigurationError, QueryError
from asisdk.loganalytics import QueryResult, QueryStatus, Table

__all__ = ["ColumnFilter", "LocalDataSource", "LocalQuery"]

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
    time_column: str = "TimeGenerated"
    where: Mapping[str, tuple[object, ...]] = attrs.field(factory=dict)
    columns: Mapping[str, ColumnFilter] = attrs.field(factory=dict)


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


def _parse_mapping(data: object, root: Path) -> dict[str, LocalQuery]:
    if not isinstance(data, Mapping) or not isinstance(data.get("queries"), Mapping):
        raise ConfigurationError("a local data mapping needs a 'queries' mapping")
    if data.get("root"):
        root = _inside(root, str(data["root"]))
    queries: dict[str, LocalQuery] = {}
    for name, spec in data["queries"].items():
        if not isinstance(spec, Mapping) or not isinstance(spec.get("file"), str):
            raise ConfigurationError(f"local query {name!r} needs a 'file'")
        unknown = set(spec) - {"file", "format", "time_column", "where", "columns"}
        if unknown:
            raise ConfigurationError(f"local query {name!r}: unknown keys {sorted(unknown)}")
        path = _inside(root, spec["file"])
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
        where: dict[str, tuple[object, ...]] = {}
        for column, allowed in (spec.get("where") or {}).items():
            values = allowed if isinstance(allowed, list | tuple) else [allowed]
            where[str(column)] = tuple(values)
        queries[str(name)] = LocalQuery(
            name=str(name),
            file=path,
            format=_file_format(path, spec.get("format")),
            time_column=str(spec.get("time_column", "TimeGenerated")),
            where=where,
            columns=columns,
        )
    return queries


def _read(query: LocalQuery) -> pd.DataFrame:
    path = query.file
    if not path.is_file():
        raise QueryError(f"{query.name}: data file {path} does not exist")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise QueryError(f"{query.name}: {path} is larger than {MAX_FILE_BYTES} bytes")
    if query.format == "csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    elif query.format == "jsonl":
        frame = pd.read_json(path, lines=True, dtype=False)
    elif query.format == "json":
        frame = pd.read_json(path, orient="records", dtype=False)
    else:
        frame = pd.read_parquet(path)
    if query.time_column in frame.columns:
        frame[query.time_column] = pd.to_datetime(
            frame[query.time_column], utc=True, format="ISO8601", errors="coerce"
        ).astype("datetime64[ns, UTC]")
    return frame


def _text(series: pd.Series[Any]) -> pd.Series[Any]:
    return series.astype("string").str.strip().str.lower()


def _values(value: object) -> list[str]:
    items: Iterable[object] = (
        value if isinstance(value, list | tuple | set | frozenset) else [value]
    )
    return [str(v).strip().lower() for v in items]


def _equality(series: pd.Series[Any], value: object, match: str) -> pd.Series[bool]:
    text = _text(series)
    wanted = _values(value)
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
            mapping (``{"queries": {...}}``) whose paths are relative to ``root``.
        root: the folder relative paths of an in-memory mapping start from.

    Examples:
        >>> import asyncio
        >>> source = LocalDataSource.sample()
        >>> result = asyncio.run(source.run_named("WindowsSecurity.list_host_logons", {
        ...     "start": datetime(2020, 9, 1), "end": datetime(2020, 9, 30),
        ...     "host_name": "MORDORDC"}))
        >>> result.status.value, result.row_count
        ('success', 19)
    """

    def __init__(self, source: str | Path | Mapping[str, Any], *, root: str | Path = ".") -> None:
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
        self.queries = _parse_mapping(data, base)
        self._frames: dict[Path, pd.DataFrame] = {}

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
        return f"LocalDataSource({self.origin!r}, queries={sorted(self.queries)})"

    def supports(self, name: str) -> bool:
        """Whether ``name`` is mapped to a file."""
        return name in self.queries

    def _frame(self, query: LocalQuery) -> pd.DataFrame:
        frame = self._frames.get(query.file)
        if frame is None:
            frame = _read(query)
            self._frames[query.file] = frame
        return frame

    def filter(self, name: str, params: Mapping[str, object]) -> QueryResult:
        """Apply the mapping's filters and the parameters to the query's file (blocking).

        Raises:
            QueryError: the query is not mapped or its file is missing.
        """
        query = self.queries.get(name)
        if query is None:
            raise QueryError(f"no local data mapped for {name}; mapped: {sorted(self.queries)}")
        frame = self._frame(query)
        mask = pd.Series(True, index=frame.index)
        unapplied: list[str] = []
        for column, allowed in query.where.items():
            if column not in frame.columns:
                raise QueryError(f"{name}: the 'where' column {column!r} is not in {query.file}")
            mask &= _text(frame[column]).isin(_values(allowed)).fillna(False).astype(bool)
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
        hints = (
            (
                f"parameters not applied as filters (no mapped column in "
                f"{query.file.name}): {sorted(unapplied)}",
            )
            if unapplied
            else ()
        )
        return QueryResult(
            status=QueryStatus.SUCCESS,
            tables=(Table.from_frame(result_frame),),
            hints=hints,
            unapplied_parameters=tuple(sorted(unapplied)),
            query=name,
        )

    async def run_named(self, name: str, params: Mapping[str, object]) -> QueryResult:
        """:meth:`filter` in a worker thread (file reads never block the event loop)."""
        return await asyncio.to_thread(self.filter, name, params)
