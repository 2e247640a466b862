"""QueryLibrary: query templates loaded from YAML files (shipped ones and the user's folders).

File format (one family per file; ``yaml.safe_load`` only)::

    family: WindowsSecurity
    description: Windows security events (SecurityEvent table)
    tables: [SecurityEvent]     # the tables its queries read (a query's metadata may override)
    parameters:                 # shared by every query of the file
      start: {type: datetime, description: Start of the time range}
      end: {type: datetime, description: End of the time range}
    queries:
      list_host_logons:
        description: Successful logons to a host
        parameters:
          host_name: {type: str, aliases: [hostname, computer], description: The host}
        query: |
          SecurityEvent
          | where TimeGenerated between ({start} .. {end})
          | where EventID == 4624 and Computer =~ {host_name}

A parameter without ``default`` is required. ``tables`` (of the file, or ``metadata.tables``
of one query) becomes the template's ``metadata["tables"]``: the schema test checks the
columns a query names against these tables. Later folders override queries of the same name
from earlier ones (the user's own folders override the shipped library).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Final

import yaml

from asisdk.errors import ConfigurationError, MissingFileError, QueryError
from asisdk.queries._template import Parameter, QueryTemplate

__all__ = ["QueryLibrary"]

#: Largest YAML query file read (query files are small; this guards against mistakes).
MAX_FILE_BYTES: Final = 1_000_000
_PACKAGE_TEMPLATES: Final = "templates"


def _parameters(raw: object, where: str) -> dict[str, Parameter]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigurationError(f"{where}: 'parameters' must be a mapping of name -> spec")
    result: dict[str, Parameter] = {}
    for name, spec in raw.items():
        spec = spec or {}
        if not isinstance(spec, Mapping):
            raise ConfigurationError(f"{where}: parameter {name!r} must be a mapping")
        unknown = set(spec) - {"type", "description", "default", "aliases"}
        if unknown:
            raise ConfigurationError(
                f"{where}: parameter {name!r} has unknown keys {sorted(unknown)}"
            )
        options: dict[str, Any] = {
            "name": str(name),
            "type": str(spec.get("type", "str")),
            "description": str(spec.get("description", "")),
            "aliases": tuple(str(a) for a in spec.get("aliases") or ()),
        }
        if "default" in spec:
            options["default"] = spec["default"]
        result[str(name)] = Parameter(**options)
    return result


def _names(raw: object, problem: str) -> list[str]:
    names = raw or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigurationError(problem)
    return names


def parse_query_file(text: str, *, source: str = "<string>") -> list[QueryTemplate]:
    """Parse one YAML query file into templates.

    Raises:
        ConfigurationError: the file is not valid YAML or not in the query file format.
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, Mapping) or "family" not in data or "queries" not in data:
        raise ConfigurationError(f"{source}: a query file needs 'family' and 'queries'")
    family = str(data["family"])
    tables = _names(data.get("tables"), f"{source}: 'tables' must be a list of table names")
    shared = _parameters(data.get("parameters"), source)
    queries = data["queries"]
    if not isinstance(queries, Mapping):
        raise ConfigurationError(f"{source}: 'queries' must be a mapping of name -> query")
    templates: list[QueryTemplate] = []
    for name, spec in queries.items():
        where = f"{source}: {family}.{name}"
        if not isinstance(spec, Mapping) or not isinstance(spec.get("query"), str):
            raise ConfigurationError(f"{where}: each query needs a 'query' text")
        unknown = set(spec) - {"description", "parameters", "query", "metadata", "aliases"}
        if unknown:
            raise ConfigurationError(f"{where}: unknown keys {sorted(unknown)}")
        aliases = _names(spec.get("aliases"), f"{where}: 'aliases' must be a list of query names")
        merged = {**shared, **_parameters(spec.get("parameters"), where)}
        templates.append(
            QueryTemplate(
                family=family,
                name=str(name),
                query=spec["query"],
                description=str(spec.get("description", "")).strip(),
                parameters=tuple(merged.values()),
                metadata={"tables": list(tables), **dict(spec.get("metadata") or {})},
                source=source,
                aliases=tuple(aliases),
            )
        )
    return templates


class QueryLibrary:
    """A set of query templates, by ``Family.name``. Each library owns its templates.

    Args:
        templates: the templates; a later one replaces an earlier one of the same name.
            A template's ``aliases`` (names hunters already type, within its family) find it
            too; an alias may not be another query's name.

    Raises:
        ConfigurationError: an alias is another query's name, or two queries share one.

    Examples:
        >>> library = QueryLibrary.default()
        >>> "WindowsSecurity.list_host_logons" in library
        True
        >>> library.get("LinuxSyslog.all_syslog").full_name
        'LinuxSyslog.list_all_syslog_for_host'
        >>> library.get("SecurityAlert.list_alerts").parameter_names
        ('start', 'end', 'severity')
    """

    def __init__(self, templates: Iterable[QueryTemplate] = ()) -> None:
        self._templates = {template.full_name: template for template in templates}
        self._aliases: dict[str, str] = {}
        for template in self._templates.values():
            for alias in template.aliases:
                full = f"{template.family}.{alias}"
                owner = self._aliases.get(full)
                if full in self._templates or (owner is not None and owner != template.full_name):
                    raise ConfigurationError(
                        f"{template.full_name}: the alias {alias!r} already names {owner or full}"
                    )
                self._aliases[full] = template.full_name

    @classmethod
    def default(cls, *, paths: Iterable[str | Path] = ()) -> QueryLibrary:
        """The shipped queries, then those in ``paths`` (folders or files; these override)."""
        templates: list[QueryTemplate] = []
        folder = resources.files(__package__ or "asisdk.queries").joinpath(_PACKAGE_TEMPLATES)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".yaml", ".yml")):
                templates.extend(
                    parse_query_file(entry.read_text(encoding="utf-8"), source=entry.name)
                )
        library = cls(templates)
        for path in paths:
            library = library.merged(cls.from_path(path))
        return library

    @classmethod
    def from_path(cls, path: str | Path) -> QueryLibrary:
        """Load every ``*.yaml`` / ``*.yml`` file of a folder (recursively), or one file.

        Raises:
            MissingFileError: (a ``FileNotFoundError``) the path does not exist.
            ConfigurationError: a file is malformed or too large, or two files of the folder
                define the same query.
        """
        root = Path(path)
        if not root.exists():
            raise MissingFileError(f"no query file or folder at {root}")
        files = (
            [root]
            if root.is_file()
            else sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml"))
        )
        templates: dict[str, QueryTemplate] = {}
        for file in files:
            if file.stat().st_size > MAX_FILE_BYTES:
                raise ConfigurationError(
                    f"{file} is larger than {MAX_FILE_BYTES} bytes; is it a query file?"
                )
            for template in parse_query_file(file.read_text(encoding="utf-8"), source=str(file)):
                previous = templates.get(template.full_name)
                if previous is not None:
                    raise ConfigurationError(
                        f"{template.full_name} is defined in both {previous.source} and {file}"
                    )
                templates[template.full_name] = template
        return cls(templates.values())

    def merged(self, other: QueryLibrary) -> QueryLibrary:
        """A new library with ``other``'s queries added (replacing same-named ones)."""
        return QueryLibrary([*self, *other])

    def __iter__(self) -> Iterator[QueryTemplate]:
        return iter(self._templates.values())

    def __len__(self) -> int:
        return len(self._templates)

    def __contains__(self, name: object) -> bool:
        return name in self._templates or name in self._aliases

    def __repr__(self) -> str:
        return f"QueryLibrary({len(self)} queries, families={self.families()})"

    def families(self) -> list[str]:
        """The family names, sorted."""
        return sorted({t.family for t in self})

    def names(self, family: str | None = None) -> list[str]:
        """Sorted ``Family.name`` of every query (of one family, if given)."""
        return sorted(t.full_name for t in self if family is None or t.family == family)

    def aliases(self) -> dict[str, str]:
        """Every alias (``Family.alias``) and the query it names."""
        return dict(self._aliases)

    def get(self, name: str) -> QueryTemplate:
        """The template called ``Family.name`` (or one of its aliases).

        Raises:
            QueryError: no such query (with the closest names).
        """
        template = self._templates.get(self._aliases.get(name, name))
        if template is None:
            known = [*self._templates, *self._aliases]
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise QueryError(f"no query named {name!r}{hint}")
        return template
